"""What ``reports/dashboard.ipynb`` needs beyond :mod:`quizlib.results.report` and :mod:`quizlib.results.charts`: the report
inputs gathered from a database in one call, the figures the notebook shows (:func:`load_figures`, as the course
lead's pages compute them), and any report table as an HTML table for a notebook.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from typing import Any

from quizlib.results import report
from quizlib.results.report import Assignment, AttemptScore, Cohort, Enrolment, Period, QuestionScore, Started
from quizlib.results.report.overview import overview, tally_distribution, tally_summary
from quizlib.results.source import ReportSource, Scope, enrolments, quiz_tallies


@dataclass(frozen=True)
class ReportInputs:
    """What the report functions read, for the whole course or one cohort. Answers (a million of them in a
    large course) are not among them: :meth:`answers` streams them when asked."""

    cohorts: list[Cohort]
    enrolments: list[Enrolment]
    assignments: list[Assignment]
    attempts: list[AttemptScore]
    started: list[Started]
    source: ReportSource
    scope: Scope

    def answers(self, *, first_only: bool = True) -> Iterator[QuestionScore]:
        """Every question of every finished attempt (first attempts only, by default), streamed."""
        return self.source.iter_question_scores(first_only=first_only, scope=self.scope)


def load_inputs(
    store,
    *,
    cohort_id: str | None = None,
    since: date | None = None,
    until: date | None = None,
    quiz_ids: Sequence[str] | None = None,
) -> ReportInputs:
    """The report inputs from a :class:`quizlib.results.store.Store`, for every cohort or just ``cohort_id``,
    the attempts of some quizzes (``quiz_ids``) and of a period (``since`` .. ``until``, days in each
    cohort's time zone), as the course lead's report pages filter them.

    Raises the store's ``SchemaNotCurrent`` if the database has not been made or upgraded.
    """
    store.check_schema()
    source = ReportSource(store)
    cohorts = source.cohorts()
    period = Period(since, until, {c.id: c.time_zone for c in cohorts}) if since or until else None
    scope = Scope(
        cohort_ids=None if cohort_id is None else (cohort_id,),
        quiz_ids=None if quiz_ids is None else tuple(quiz_ids),
        period=period,
    )
    inputs = source.progress_inputs(scope)
    return ReportInputs(
        cohorts=cohorts,
        enrolments=inputs.enrolments,
        assignments=inputs.assignments,
        attempts=inputs.attempts,
        started=inputs.started,
        source=source,
        scope=scope,
    )


@dataclass(frozen=True)
class Figures:
    """Every figure the dashboard shows, for a filter. Every progress row and the item analysis are computed
    when asked for (:attr:`progress`, :attr:`items`)."""

    cohorts: list[Cohort]
    learners: int
    assignments: int
    finished_attempts: int
    rates: list[report.RateRow]  # by cohort and module
    by_module: list[report.RateRow]
    by_cohort: list[report.RateRow]
    overdue: list[report.ProgressRow]
    summary: list[report.QuizSummaryRow]
    distribution: list[report.ScoreBin]  # first attempts, bins of 10 percentage points
    progress: Callable[[], list[report.ProgressRow]]
    items: Callable[[], report.ItemAnalysis]


def load_figures(
    store,
    course,
    *,
    cohort_id: str | None = None,
    module: str | None = None,
    since: date | None = None,
    until: date | None = None,
    module_titles: Mapping[str, str] | None = None,
    now: datetime,
) -> Figures:
    """The dashboard's figures for every cohort or one, one module or all, every moment or a period (days in
    each cohort's time zone), as the course lead's pages compute them.

    They come from one tally per learner and quiz (:func:`quizlib.results.source.quiz_tallies` and
    :mod:`quizlib.results.report.overview`), of the period's attempts if there is one; the item analysis over
    every moment, for every cohort, from the sums the store keeps, and otherwise from the answers, streamed:
    a million answers need little time and memory."""
    store.check_schema()
    source = ReportSource(store)
    quiz_ids = tuple(q.id for q in course.quizzes.values() if q.chapter == module) if module else None
    cohorts = source.cohorts()
    scope = Scope(cohort_ids=None if cohort_id is None else (cohort_id,), quiz_ids=quiz_ids)
    period = Period(since, until, {c.id: c.time_zone for c in cohorts}) if since or until else None
    tallies = quiz_tallies(store.engine, cohort_id=cohort_id, quiz_ids=quiz_ids, since=since, until=until)
    learners = enrolments(store.engine, cohort_id=cohort_id)
    assignments = source.assignments(scope=scope)

    def figures(rows: bool):
        return overview(
            tallies,
            learners,
            assignments,
            course,
            cohorts=cohorts,
            now=now,
            since=since,
            until=until,
            module_titles=module_titles,
            module=module,
            rows=rows,
        )

    found = figures(False)
    return Figures(
        cohorts=cohorts,
        learners=len(learners),
        assignments=len(assignments),
        finished_attempts=sum(t.finished for t in tallies.values()),
        rates=found.rates,
        by_module=found.by_module,
        by_cohort=found.by_cohort,
        overdue=found.overdue,
        summary=tally_summary(tallies, course),
        distribution=tally_distribution(tallies),
        progress=lambda: figures(True).progress or [],
        items=lambda: source.item_analysis(course, scope=dataclasses.replace(scope, period=period)),
    )


def page_of(rows: Sequence[Any], page: int = 1, size: int = 50) -> tuple[Sequence[Any], str]:
    """Page ``page`` (from 1) of ``rows`` and a line saying which rows it holds, for tables in a notebook."""
    pages = max(1, -(-len(rows) // size))
    page = min(max(1, page), pages)
    chosen = rows[(page - 1) * size : page * size]
    first = (page - 1) * size + 1 if rows else 0
    return chosen, f"rows {first}–{first + len(chosen) - 1 if rows else 0} of {len(rows)} (page {page} of {pages})"


def _text(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1 else f"{value:.1f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return ", ".join(map(str, value))
    return str(value)


def html_table(
    rows: Iterable[Any],
    columns: Sequence[str] | None = None,
    *,
    caption: str = "",
    formats: Mapping[str, Callable[[Any], str]] | None = None,
    limit: int | None = None,
) -> str:
    """Report rows (dataclasses) as an accessible HTML table: a caption, column headers with ``scope``.

    ``columns`` picks and orders the fields (all by default); ``formats`` maps a column to a function giving
    its cell text; ``limit`` keeps the first rows and says how many were left out.
    """
    rows = list(rows)
    if columns is None:
        columns = [f.name for f in dataclasses.fields(rows[0])] if rows else []
    formats = formats or {}
    shown = rows if limit is None else rows[:limit]
    out = ['<table class="quizlib-report">']
    if caption:
        out.append(f"<caption>{escape(caption)}</caption>")
    out.append(
        "<thead><tr>"
        + "".join(f'<th scope="col">{escape(c.replace("_", " "))}</th>' for c in columns)
        + "</tr></thead>"
    )
    out.append("<tbody>")
    for r in shown:
        cells = []
        for c in columns:
            value = getattr(r, c)
            text = formats[c](value) if c in formats else _text(value)
            align = (
                ' style="text-align:right"' if isinstance(value, (int, float)) and not isinstance(value, bool) else ""
            )
            cells.append(f"<td{align}>{escape(text)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    if not rows:
        out.append(f'<tr><td colspan="{max(1, len(columns))}">No rows.</td></tr>')
    out.append("</tbody></table>")
    if limit is not None and len(rows) > limit:
        out.append(f"<p>… and {len(rows) - limit} more rows (see the CSV export).</p>")
    return "".join(out)
