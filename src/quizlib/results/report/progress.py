"""Progress: who started, completed and passed each assigned module, and who is overdue."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from quizlib.quiz.model import Course
from quizlib.results.report.records import (
    Assignment,
    AttemptScore,
    Cohort,
    Enrolment,
    QuestionScore,
    Started,
    course_modules,
)

# -- progress: who started, completed and passed each assigned module ----------------------------------------


@dataclass(frozen=True, slots=True)
class ProgressRow:
    """One learner and one module assigned to them."""

    cohort: str
    cohort_name: str
    learner: str
    display_name: str
    module: str
    started: bool  # answered at least one question of the module
    completed: bool  # finished an attempt at every quiz of the module
    passed: bool  # the best finished attempt at every quiz reaches the pass mark
    best_percentage: float | None  # mean over the module's quizzes of the best finished attempt; None until completed
    attempts: int  # attempts started at the module's quizzes
    due: datetime | date | None  # as the assignment gives it; a date means by the end of that day (UTC)
    overdue: bool  # past due and not passed (as the server's trainer pages judge it)
    days_overdue: int  # whole days past due (0 unless overdue)
    last_activity: datetime | None  # when the latest finished attempt ended


def _utc(value: datetime | date | None) -> datetime | None:
    """An aware UTC datetime; a naive one is read as UTC, and a due *date* as the end of that day."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        return datetime.combine(value + timedelta(days=1), time.min, tzinfo=UTC)
    if value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


class _QuizProgress:
    __slots__ = ("attempts", "best", "last", "passed_own")

    def __init__(self) -> None:
        self.attempts: set[str] = set()
        self.best: float | None = None
        self.passed_own = False
        self.last: datetime | None = None


def learner_progress(
    enrolments: Iterable[Enrolment],
    assignments: Iterable[Assignment] | None,
    attempts: Iterable[AttemptScore],
    course: Course,
    *,
    started: Iterable[Started | QuestionScore] = (),
    cohorts: Iterable[Cohort] = (),
    now: datetime | None = None,
) -> list[ProgressRow]:
    """Each enrolled learner's progress in each module assigned to their cohort.

    With ``assignments=None`` every module of the course counts as assigned, with no due date. When several
    assignments of a cohort include a module, the earliest due date and the highest pass mark apply: a learner
    is overdue once the first deadline passes without a pass. ``started`` (optional) shows who has begun a
    quiz without finishing it: any records with ``learner``, ``quiz_id`` and ``attempt_id`` (:class:`Started`
    rows from the store's answered statements, or :class:`QuestionScore` rows). ``cohorts`` name the rows'
    cohorts. ``now`` defaults to the current time.
    """
    now = _utc(now) or datetime.now(UTC)
    names = {c.id: c.name for c in cohorts}
    modules = {m.id: m for m in course_modules(course)}
    chapter_of_quiz = {q.id: q.chapter for q in course.quizzes.values()}

    # cohort -> module -> (deadline, due as given, pass mark); None means "every module, no due date".
    Plan = dict[str, tuple[datetime | None, datetime | date | None, float | None]]
    assigned: dict[str, Plan] | None = None
    if assignments is not None:
        assigned = defaultdict(dict)
        for assignment in assignments:
            for name in assignment.modules:
                module_id = chapter_of_quiz.get(name, name)
                if module_id not in modules:
                    continue  # a module whose quizzes were removed from the course: nothing to measure
                deadline, due, mark = assigned[assignment.cohort].get(module_id, (None, None, None))
                new_deadline = _utc(assignment.due)
                if new_deadline is not None and (deadline is None or new_deadline < deadline):
                    deadline, due = new_deadline, assignment.due
                if assignment.pass_mark is not None and (mark is None or assignment.pass_mark > mark):
                    mark = assignment.pass_mark
                assigned[assignment.cohort][module_id] = (deadline, due, mark)

    quizzes: dict[tuple[str, str], _QuizProgress] = defaultdict(_QuizProgress)
    for attempt in attempts:
        p = quizzes[(attempt.learner, attempt.quiz_id)]
        p.attempts.add(attempt.attempt_id)
        if p.best is None or attempt.percentage > p.best:
            p.best = attempt.percentage
        p.passed_own = p.passed_own or attempt.passed
        done = _utc(attempt.completed_at)
        if done is not None and (p.last is None or done > p.last):
            p.last = done
    for s in started:
        quizzes[(s.learner, s.quiz_id)].attempts.add(s.attempt_id)

    rows = []
    for e in enrolments:
        plan: Plan = {m: (None, None, None) for m in modules} if assigned is None else assigned.get(e.cohort, {})
        for module_id, (deadline, due, pass_mark) in sorted(plan.items()):
            module = modules[module_id]
            found = [quizzes.get((e.learner, q)) for q in module.quiz_ids]
            progress = [p for p in found if p is not None]
            begun = any(p.attempts for p in progress)
            bests = [p.best for p in progress if p.best is not None]
            completed = len(bests) == len(found)
            if pass_mark is None:
                passed = completed and all(p.passed_own for p in progress)
            else:
                passed = completed and all(b >= pass_mark for b in bests)
            best = statistics.fmean(bests) if completed else None
            lasts = [p.last for p in progress if p.last is not None]
            overdue = deadline is not None and now > deadline and not passed
            rows.append(
                ProgressRow(
                    cohort=e.cohort,
                    cohort_name=names.get(e.cohort, e.cohort),
                    learner=e.learner,
                    display_name=e.display_name,
                    module=module_id,
                    started=begun,
                    completed=completed,
                    passed=passed,
                    best_percentage=None if best is None else round(best, 2),
                    attempts=sum(len(p.attempts) for p in progress),
                    due=due,
                    overdue=overdue,
                    days_overdue=(now - deadline).days if overdue and deadline is not None else 0,
                    last_activity=max(lasts, default=None),
                )
            )
    rows.sort(key=lambda r: (r.cohort_name, r.cohort, r.module, r.display_name, r.learner))
    return rows


def overdue_learners(progress: Iterable[ProgressRow]) -> list[ProgressRow]:
    """The rows of learners past a due date without passing, most overdue first."""
    return sorted(
        (r for r in progress if r.overdue), key=lambda r: (-r.days_overdue, r.cohort_name, r.display_name, r.module)
    )
