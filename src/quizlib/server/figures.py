"""Progress as every staff page and the learners' API show it: read through :class:`ReportSource`, decided by
:func:`quizlib.results.report.assignment_progress` (the one definition) on the server's clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from quizlib.results import report
from quizlib.results.source import ProgressInputs, ReportSource, Scope
from quizlib.server.context import ServerContext


@dataclass(frozen=True)
class Standing:
    """Each learner's progress on each assignment, with what it was computed from."""

    progress: list[report.AssignmentProgress]
    inputs: ProgressInputs
    now: datetime

    def of(self, learner_id: str) -> list[report.AssignmentProgress]:
        return [p for p in self.progress if p.learner == learner_id]

    def rows(self, ctx: ServerContext) -> list[report.ProgressRow]:
        """The same, per module: the rows of the progress CSV."""
        i = self.inputs
        return report.learner_progress(
            i.enrolments,
            i.assignments,
            i.attempts,
            ctx.catalogue.course,
            started=i.started,
            cohorts=i.cohorts,
            now=self.now,
            module_titles=ctx.catalogue.chapter_titles,
        )


def standing(ctx: ServerContext, *, cohort_id: str | None = None, learner_id: str | None = None) -> Standing:
    """The progress of a cohort's learners, or of one learner, now."""
    scope = Scope(cohort_ids=None if cohort_id is None else (cohort_id,), learner_id=learner_id)
    inputs = ReportSource(ctx.store).progress_inputs(scope)
    now = datetime.now(UTC)
    progress = report.assignment_progress(
        inputs.enrolments,
        inputs.assignments,
        inputs.attempts,
        ctx.catalogue.course,
        started=inputs.started,
        cohorts=inputs.cohorts,
        now=now,
    )
    return Standing(progress, inputs, now)
