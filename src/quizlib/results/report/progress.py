"""Progress: the one definition of *started*, *finished*, *passed* and *overdue*.

Every place that shows a learner's progress computes it here, from the same records: the trainer's cohort
and learner pages, the learners' API (``/api/v1/me``), the course lead's reports and CSV files, and
``reports/dashboard.ipynb``. The rules, for one learner and one assignment of their cohort:

- the assignment asks for its quizzes (``Assignment.quiz_ids``; quizzes no longer in the course are left out);
- a quiz is **started** once the learner has begun an attempt at it (answered a question, or finished it);
  **finished** once an attempt at it is finished; **passed** when the best finished attempt reaches the
  *assignment's* pass mark (the quiz's own when the assignment sets none). Attempts count under any
  registration: an answer sent before the learner's browser knew the assignment still counts;
- the assignment (or one module of it: a chapter and its quizzes) is started if any of its quizzes is,
  finished if all are, passed if all are;
- a due date is a day in the cohort's time zone: it **ends** at the midnight that follows it there. The
  assignment is **overdue** from that moment, judged on the caller's clock (the server's), for as long as it
  is not passed. ``days_overdue`` counts whole days since it ended.

Several assignments may include the same quiz with different pass marks or due dates; each is judged by its
own. Reports that total by module count a learner as having passed a module only if every assignment that
includes it is passed (see :func:`quizlib.results.report.completion_rates`).

A report may be limited to a period (``since``, ``until``: days, in each cohort's time zone): then only
attempts begun or finished in it count, and "overdue" is judged at the end of ``until`` (or now, if sooner).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from quizlib.quiz.model import Course
from quizlib.results.report.records import (
    Assignment,
    AttemptScore,
    Cohort,
    Enrolment,
    QuestionScore,
    ReportError,
    Started,
    course_modules,
)

DEFAULT_TIME_ZONE = "UTC"

# -- days in a cohort's time zone --------------------------------------------------------------------------


@cache
def time_zone(name: str) -> ZoneInfo:
    """The time zone called ``name`` (an IANA name such as "Europe/London"); :class:`ReportError` if unknown."""
    if not isinstance(name, str) or name not in _zone_names():
        raise ReportError(f"unknown time zone {name!r}: expected an IANA time zone name such as Europe/London or UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ReportError(f"the time zone {name!r} is not installed on this machine (pip install tzdata)") from None


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def time_zone_names() -> list[str]:
    """Every time zone a cohort may have, sorted (UTC first)."""
    return ["UTC", *sorted(n for n in _zone_names() if n != "UTC")]


def day_starts(day: date, zone: str) -> datetime:
    """The moment ``day`` begins in ``zone``, in UTC."""
    return datetime.combine(day, time.min, tzinfo=time_zone(zone)).astimezone(UTC)


def due_ends(due: date, zone: str) -> datetime:
    """The moment a due date ends: the midnight after it in the cohort's time zone, in UTC."""
    if isinstance(due, datetime):  # a moment, not a day: it ends when it says
        return _utc(due)
    return _day_ends(due, zone)


@cache
def _day_ends(due: date, zone: str) -> datetime:
    # Cached: a report asks it for every learner of a cohort, of the same few days.
    return day_starts(due + timedelta(days=1), zone)


def today(zone: str, now: datetime | None = None) -> date:
    """The date it is in ``zone`` at ``now`` (default: this machine's clock)."""
    return (now or datetime.now(UTC)).astimezone(time_zone(zone)).date()


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# -- progress per learner and assignment --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuizProgress:
    """One quiz of one assignment, for one learner."""

    quiz_id: str
    pass_mark: float
    attempts: int  # attempts begun (answered at least once) or finished
    started: bool
    finished: bool
    best_percentage: float | None  # the best finished attempt; None until one is finished
    passed: bool  # best_percentage reaches pass_mark
    last_activity: datetime | None  # when the latest finished attempt ended


@dataclass(frozen=True, slots=True)
class AssignmentProgress:
    """One learner's progress on one assignment of their cohort."""

    cohort: str
    learner: str
    assignment: str
    pass_mark: float | None  # None: each quiz's own
    due: date | None
    due_ends_at: datetime | None  # when the due date ends in the cohort's time zone (UTC)
    quizzes: tuple[QuizProgress, ...]
    started: bool
    finished: bool
    passed: bool
    overdue: bool
    days_overdue: int

    @property
    def quizzes_passed(self) -> int:
        return sum(q.passed for q in self.quizzes)

    @property
    def to_do(self) -> tuple[QuizProgress, ...]:
        """The quizzes still to pass."""
        return tuple(q for q in self.quizzes if not q.passed)


class _Tally:
    __slots__ = ("attempts", "best", "last")

    def __init__(self) -> None:
        self.attempts: set[str] = set()
        self.best: float | None = None
        self.last: datetime | None = None


@dataclass(frozen=True)
class Window:
    """A report's period in one cohort's time zone: [begins, ends), and the moment "overdue" is judged."""

    begins: datetime | None
    ends: datetime | None
    judged: datetime

    def holds(self, moment: datetime | None) -> bool:
        if moment is None:
            return True
        moment = _utc(moment)
        return (self.begins is None or moment >= self.begins) and (self.ends is None or moment < self.ends)


@dataclass(frozen=True)
class Period:
    """Days ``since`` to ``until`` (either may be open), each in its cohort's time zone (``zones``: cohort id ->
    IANA name; UTC for a cohort not named)."""

    since: date | None = None
    until: date | None = None
    zones: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        check_period(self.since, self.until)
        far = datetime.max.replace(tzinfo=UTC)
        object.__setattr__(self, "_window", windows(self.zones or {}, far, self.since, self.until))

    @property
    def is_open(self) -> bool:
        return self.since is None and self.until is None

    def holds(self, cohort: str, moment: datetime | None) -> bool:
        """Whether ``moment`` falls in the period, in ``cohort``'s time zone (None: always)."""
        return self._window(cohort).holds(moment)  # type: ignore[attr-defined]  # set in __post_init__

    def widest(self) -> tuple[datetime | None, datetime | None]:
        """UTC bounds that hold the period in every time zone (a database's first, coarse filter)."""
        return (
            datetime.combine(self.since - timedelta(days=1), time.min, tzinfo=UTC) if self.since else None,
            datetime.combine(self.until + timedelta(days=2), time.min, tzinfo=UTC) if self.until else None,
        )


def check_period(since: date | None, until: date | None) -> None:
    """Refuse a period that starts after it ends (either end may be open)."""
    if since is not None and until is not None and since > until:
        raise ReportError(f"the period starts ({since}) after it ends ({until}): swap the two dates")


def period_bounds(since: date | None, until: date | None, zone: str) -> tuple[datetime | None, datetime | None]:
    """Days ``since`` to ``until`` in ``zone``, as the UTC moments [begins, ends) (None where the period is open)."""
    return (
        day_starts(since, zone) if since is not None else None,
        day_starts(until + timedelta(days=1), zone) if until is not None else None,
    )


def windows(zones: Mapping[str, str], now: datetime, since: date | None, until: date | None) -> Callable[[str], Window]:
    """Cohort id -> the :class:`Window` of days ``since`` to ``until`` in its time zone (``zones``: cohort id ->
    IANA name; UTC for a cohort not named), "overdue" judged at ``now`` or at the period's end if sooner."""
    cache_: dict[str, Window] = {}

    def window(cohort: str) -> Window:
        zone = zones.get(cohort, DEFAULT_TIME_ZONE)
        found = cache_.get(zone)
        if found is None:
            begins, ends = period_bounds(since, until, zone)
            found = cache_[zone] = Window(begins, ends, now if ends is None else min(now, ends))
        return found

    return window


def cohort_plans(
    course: Course, enrolled: Sequence[Enrolment], assignments: Iterable[Assignment] | None
) -> dict[str, list[Assignment]]:
    """Each cohort's assignments; with ``assignments=None``, one pseudo-assignment (id ``""``) of every quiz of
    the course for each cohort with a learner enrolled."""
    plans: dict[str, list[Assignment]] = defaultdict(list)
    if assignments is None:
        every = tuple(q.id for q in course.quizzes.values() if q.questions or q.draw)
        for cohort in dict.fromkeys(e.cohort for e in enrolled):
            plans[cohort].append(Assignment("", cohort, every))
    else:
        for a in assignments:
            plans[a.cohort].append(a)
    return plans


def assignment_progress(
    enrolments: Iterable[Enrolment],
    assignments: Iterable[Assignment] | None,
    attempts: Iterable[AttemptScore],
    course: Course,
    *,
    started: Iterable[Started | QuestionScore] = (),
    cohorts: Iterable[Cohort] = (),
    now: datetime | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[AssignmentProgress]:
    """Each enrolled learner's progress on each assignment of their cohort (see the module's rules).

    With ``assignments=None`` every quiz of the course counts as assigned, at its own pass mark, with no due
    date (one pseudo-assignment per cohort, id ``""``). ``started`` shows who has begun a quiz without
    finishing it (any records with ``learner``, ``quiz_id`` and ``attempt_id``). ``cohorts`` give each
    cohort's time zone (UTC if not given). ``now`` defaults to this machine's clock. ``since`` and ``until``
    limit the attempts that count to those days (in each cohort's time zone).
    """
    now = _utc(now) if now is not None else datetime.now(UTC)
    check_period(since, until)
    zones = {c.id: c.time_zone for c in cohorts}
    window = windows(zones, now, since, until)
    enrolled = list(enrolments)
    cohort_of = {e.learner: e.cohort for e in enrolled}
    quizzes = course.quizzes
    plans = cohort_plans(course, enrolled, assignments)

    # A report's hot loops: one pass over the attempts, then one row per learner and assignment. Without a
    # period every moment counts, so the period is not asked about each attempt.
    everything = since is None and until is None
    tallies: dict[tuple[str, str], _Tally] = {}
    for attempt in attempts:
        learner_cohort = cohort_of.get(attempt.learner)
        if learner_cohort is None or not (everything or window(learner_cohort).holds(attempt.completed_at)):
            continue
        key = (attempt.learner, attempt.quiz_id)
        t = tallies.get(key)
        if t is None:
            t = tallies[key] = _Tally()
        t.attempts.add(attempt.attempt_id)
        if t.best is None or attempt.percentage > t.best:
            t.best = attempt.percentage
        done = _utc(attempt.completed_at)
        if t.last is None or done > t.last:
            t.last = done
    for s in started:
        learner_cohort = cohort_of.get(s.learner)
        if learner_cohort is None or not (everything or window(learner_cohort).holds(getattr(s, "at", None))):
            continue
        key = (s.learner, s.quiz_id)
        t = tallies.get(key)
        if t is None:
            t = tallies[key] = _Tally()
        t.attempts.add(s.attempt_id)

    # Per assignment, once: its quizzes still in the course with their pass marks, and the row of a quiz not
    # yet begun (the same for every learner, and immutable, so shared).
    marked: dict[int, list[tuple[str, float, QuizProgress]]] = {}
    for plan in plans.values():
        for a in plan:
            marked[id(a)] = [
                (
                    quiz_id,
                    mark,
                    QuizProgress(quiz_id, mark, 0, False, False, None, False, None),
                )
                for quiz_id in a.quiz_ids
                if (quiz := quizzes.get(quiz_id)) is not None  # removed since it was assigned: nothing to measure
                for mark in (a.pass_mark if a.pass_mark is not None else quiz.settings.pass_mark,)
            ]
    out = []
    for e in enrolled:
        w = window(e.cohort)
        zone = zones.get(e.cohort, DEFAULT_TIME_ZONE)
        learner = e.learner
        for a in plans.get(e.cohort, ()):
            rows = []
            for quiz_id, mark, untouched in marked[id(a)]:
                found = tallies.get((learner, quiz_id))
                if found is None:
                    rows.append(untouched)
                    continue
                best = found.best
                rows.append(
                    QuizProgress(
                        quiz_id,
                        mark,
                        len(found.attempts),
                        bool(found.attempts),
                        best is not None,
                        best,
                        best is not None and best >= mark,
                        found.last,
                    )
                )
            out.append(_assignment_row(e, a, zone, w.judged, tuple(rows)))
    return out


def _assignment_row(
    e: Enrolment, a: Assignment, zone: str, judged: datetime, quizzes: tuple[QuizProgress, ...]
) -> AssignmentProgress:
    passed = bool(quizzes) and all(q.passed for q in quizzes)
    ends = due_ends(a.due, zone) if a.due is not None else None
    overdue = ends is not None and bool(quizzes) and judged >= ends and not passed
    return AssignmentProgress(
        cohort=e.cohort,
        learner=e.learner,
        assignment=a.id,
        pass_mark=a.pass_mark,
        due=a.due,
        due_ends_at=ends,
        quizzes=quizzes,
        started=any(q.started for q in quizzes),
        finished=bool(quizzes) and all(q.finished for q in quizzes),
        passed=passed,
        overdue=overdue,
        days_overdue=(judged - ends).days if overdue and ends is not None else 0,
    )


# -- the same, per module: the rows of reports and CSV files -------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProgressRow:
    """One learner, one assignment, one module of it (a chapter and its quizzes)."""

    cohort: str
    cohort_name: str
    learner: str
    display_name: str
    assignment: str  # the assignment's id ("" when every module counts as assigned)
    assignment_title: str
    module: str  # the chapter, e.g. "chapters/02-sensitivity"
    module_title: str
    pass_mark: float | None  # the assignment's; None: each quiz's own
    due: date | None  # a day in the cohort's time zone
    due_ends_at: datetime | None  # the moment it ends (UTC)
    started: bool  # any quiz of the module begun
    finished: bool  # every quiz of the module finished
    passed: bool  # every quiz's best finished attempt reaches the pass mark
    best_percentage: float | None  # mean over the module's quizzes of the best finished attempt; None until finished
    attempts: int  # attempts begun or finished at the module's quizzes
    overdue: bool  # the due date has ended and the module is not passed
    days_overdue: int  # whole days since the due date ended (0 unless overdue)
    last_activity: datetime | None  # when the latest finished attempt ended


def learner_progress(
    enrolments: Iterable[Enrolment],
    assignments: Iterable[Assignment] | None,
    attempts: Iterable[AttemptScore],
    course: Course,
    *,
    started: Iterable[Started | QuestionScore] = (),
    cohorts: Iterable[Cohort] = (),
    now: datetime | None = None,
    since: date | None = None,
    until: date | None = None,
    module_titles: Mapping[str, str] | None = None,
) -> list[ProgressRow]:
    """:func:`assignment_progress` split by module: one row per learner, assignment and module.

    Takes the same arguments; ``module_titles`` names modules by chapter (by default the title of the
    chapter's first quiz). Rows are sorted by cohort name, module, learner's name and assignment.
    """
    enrolments = list(enrolments)
    cohorts = list(cohorts)
    assignments = None if assignments is None else list(assignments)
    progress = assignment_progress(
        enrolments, assignments, attempts, course, started=started, cohorts=cohorts, now=now, since=since, until=until
    )
    cohort_names = {c.id: c.name for c in cohorts}
    names = {e.learner: e.display_name for e in enrolments}
    titles = {a.id: a.title for a in assignments or ()}
    module_of = {q.id: q.chapter for q in course.quizzes.values()}
    module_title = {m.id: m.title for m in course_modules(course)} | dict(module_titles or {})
    rows = []
    for p in progress:
        if len(p.quizzes) == 1:  # the common case: one quiz, one module
            groups: Iterable[tuple[str, Sequence[QuizProgress]]] = ((module_of[p.quizzes[0].quiz_id], p.quizzes),)
        else:
            by_module: dict[str, list[QuizProgress]] = defaultdict(list)
            for q in p.quizzes:
                by_module[module_of[q.quiz_id]].append(q)
            groups = by_module.items()
        for module, quizzes in groups:
            finished = all(q.finished for q in quizzes)
            passed = all(q.passed for q in quizzes)
            overdue = p.due_ends_at is not None and p.overdue and not passed
            lasts = [q.last_activity for q in quizzes if q.last_activity is not None]
            rows.append(
                ProgressRow(
                    p.cohort,
                    cohort_names.get(p.cohort, p.cohort),
                    p.learner,
                    names.get(p.learner, ""),
                    p.assignment,
                    titles.get(p.assignment, ""),
                    module,
                    module_title.get(module, module),
                    p.pass_mark,
                    p.due,
                    p.due_ends_at,
                    any(q.started for q in quizzes),
                    finished,
                    passed,
                    round(sum(q.best_percentage or 0.0 for q in quizzes) / len(quizzes), 2) if finished else None,
                    sum(q.attempts for q in quizzes),
                    overdue,
                    p.days_overdue if overdue else 0,
                    max(lasts, default=None),
                )
            )
    rows.sort(key=lambda r: (r.cohort_name, r.cohort, r.module, r.display_name, r.learner, r.assignment))
    return rows


def overdue_learners(progress: Iterable[ProgressRow]) -> list[ProgressRow]:
    """The rows of learners past a due date without passing, most overdue first."""
    return sorted(
        (r for r in progress if r.overdue), key=lambda r: (-r.days_overdue, r.cohort_name, r.display_name, r.module)
    )
