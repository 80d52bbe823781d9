"""Reports over stored results: progress, completion and pass rates, score distributions, item analysis, CSV.

Pure functions over plain records; no database, no I/O. The results store (``store.py``) yields the records
below and the server's pages, the CSV endpoints and ``reports/dashboard.ipynb`` call these functions.

Records the store yields (the interface between ``store.py`` and this module)
--------------------------------------------------------------------------------
=========================  =========================================================================================
record (``Store`` method)  what it is
=========================  =========================================================================================
:class:`QuestionScore`     one question in one finished quiz attempt, after all its tries (the server re-scores
(``question_scores``)      responses with ``quizlib.score``; ``credit`` is ``QuestionOutcome.credit``). For a drawn
                           assessment ``question_id`` is ``"<bank>/<id>"``, as ``score.draw_questions`` names it.
                           ``first_response`` is the JSON response of the first try, ``None`` if never answered.
:class:`AttemptScore`      one *finished* quiz attempt (``score.QuizResult.percentage``; ``passed`` against the
(``attempt_scores``)       quiz's own pass mark: an assignment's pass mark is applied here, in progress).
:class:`Started`           an attempt begun (answered at least once), finished or not: who has started.
(``started``)
:class:`Cohort`            a cohort: id and the name trainers gave it.
(``report_cohorts``)
:class:`Enrolment`         a learner in a cohort: the pseudonymous learner id and the display name they chose.
(``enrolments``)
:class:`Assignment`        modules assigned to a cohort, with an optional pass mark and due date.
(``report_assignments``)
=========================  =========================================================================================

``attempt_number`` counts a learner's finished attempts at one quiz from 1, in the order they finished. ``attempt_id`` is unique across the course
(a UUID). ``cohort`` is ``""`` for a learner in no cohort. Datetimes should be timezone-aware UTC; naive ones
(SQLite returns them) are read as UTC.

A *module* is a chapter with its quizzes (``Quiz.chapter``, e.g. ``"chapters/02-sensitivity"``); the final
assessment is the module of its own chapter. An assignment names modules by chapter; a quiz id is accepted
too and means that quiz's chapter.

Every function takes iterables and reads each once, so a store can stream rows (``yield``) instead of
building lists: item analysis over a million answers keeps a few compact arrays, not the records.

Tables are lists of dataclass rows; :func:`to_csv` writes any of them as RFC 4180 CSV.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import statistics
from array import array
from operator import mul
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable, Sequence

from quizlib.quiz.model import Course, Matching, MultipleResponse, Numeric, Ordering, Question, Settings, SingleChoice, Vignette
from quizlib.quiz.score import ResponseError, parse_number, score_response


class ReportError(ValueError):
    """A report was asked for something it cannot compute (bad bin width, rows of mixed types...)."""


# -- records the store yields ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuestionScore:
    """One question in one quiz attempt, after all its tries."""

    learner: str  # pseudonymous learner id
    cohort: str  # cohort id ("" if none)
    quiz_id: str
    attempt_id: str
    attempt_number: int  # 1 = the learner's first attempt at this quiz
    question_id: str  # for drawn assessments "<bank>/<id>"
    credit: float  # 0..1, the question's final credit (score.outcome)
    max_points: float
    first_response: Any  # the JSON response of the first try (None if not answered)
    kind: str


@dataclass(frozen=True, slots=True)
class AttemptScore:
    """One finished quiz attempt."""

    learner: str
    cohort: str
    quiz_id: str
    attempt_id: str
    attempt_number: int
    percentage: float  # 0..100
    passed: bool  # against the quiz's own pass mark
    completed_at: datetime


@dataclass(frozen=True, slots=True)
class Started:
    """An attempt a learner has begun (answered at least one question), finished or not."""

    learner: str
    quiz_id: str
    attempt_id: str


@dataclass(frozen=True, slots=True)
class Cohort:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A learner's membership of a cohort."""

    learner: str
    cohort: str
    display_name: str = ""
    joined_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Assignment:
    """Modules assigned to a cohort. ``pass_mark`` (0-100) replaces the quizzes' own when set."""

    id: str  # the assignment's UUID (the xAPI registration)
    cohort: str
    modules: tuple[str, ...]  # chapters, e.g. "chapters/02-sensitivity"; a quiz id means its chapter
    pass_mark: float | None = None
    due: datetime | date | None = None  # a date means by the end of that day (UTC)
    created_at: datetime | None = None


# -- the course's modules ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Module:
    id: str  # the chapter, e.g. "chapters/02-sensitivity"
    title: str  # the title of its (first) quiz
    quiz_ids: tuple[str, ...]

    @property
    def label(self) -> str:
        """A short label for charts: the chapter's file name."""
        return self.id.rsplit("/", 1)[-1]


def course_modules(course: Course) -> list[Module]:
    """The course's modules, one per chapter with a quiz, in chapter order (chapters are numbered)."""
    by_chapter: dict[str, list] = defaultdict(list)
    for quiz in course.quizzes.values():
        by_chapter[quiz.chapter].append(quiz)
    return [
        Module(chapter, quizzes[0].title, tuple(q.id for q in quizzes))
        for chapter, quizzes in sorted(by_chapter.items())
    ]


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
        return datetime.combine(value + timedelta(days=1), time.min, tzinfo=timezone.utc)
    if value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)


class _QuizProgress:
    __slots__ = ("attempts", "best", "passed_own", "last")

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
    now = _utc(now) or datetime.now(timezone.utc)
    names = {c.id: c.name for c in cohorts}
    modules = {m.id: m for m in course_modules(course)}
    chapter_of_quiz = {q.id: q.chapter for q in course.quizzes.values()}

    # cohort -> module -> (deadline, due as given, pass mark); None means "every module, no due date".
    assigned: dict[str, dict[str, tuple[datetime | None, datetime | date | None, float | None]]] | None = None
    if assignments is not None:
        assigned = defaultdict(dict)
        for a in assignments:
            for name in a.modules:
                module = chapter_of_quiz.get(name, name)
                if module not in modules:
                    continue  # a module whose quizzes were removed from the course: nothing to measure
                deadline, due, mark = assigned[a.cohort].get(module, (None, None, None))
                new_deadline = _utc(a.due)
                if new_deadline is not None and (deadline is None or new_deadline < deadline):
                    deadline, due = new_deadline, a.due
                if a.pass_mark is not None and (mark is None or a.pass_mark > mark):
                    mark = a.pass_mark
                assigned[a.cohort][module] = (deadline, due, mark)

    quizzes: dict[tuple[str, str], _QuizProgress] = defaultdict(_QuizProgress)
    for a in attempts:
        p = quizzes[(a.learner, a.quiz_id)]
        p.attempts.add(a.attempt_id)
        if p.best is None or a.percentage > p.best:
            p.best = a.percentage
        p.passed_own = p.passed_own or a.passed
        done = _utc(a.completed_at)
        if done is not None and (p.last is None or done > p.last):
            p.last = done
    for s in started:
        quizzes[(s.learner, s.quiz_id)].attempts.add(s.attempt_id)

    rows = []
    for e in enrolments:
        if assigned is None:
            plan = {m: (None, None, None) for m in modules}
        else:
            plan = assigned.get(e.cohort, {})
        for module_id, (deadline, due, pass_mark) in sorted(plan.items()):
            module = modules[module_id]
            progress = [quizzes.get((e.learner, q)) for q in module.quiz_ids]
            begun = any(p is not None and p.attempts for p in progress)
            completed = all(p is not None and p.best is not None for p in progress)
            if pass_mark is None:
                passed = completed and all(p.passed_own for p in progress)
            else:
                passed = completed and all(p.best >= pass_mark for p in progress)
            best = statistics.fmean(p.best for p in progress) if completed else None
            lasts = [p.last for p in progress if p is not None and p.last is not None]
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
                    attempts=sum(len(p.attempts) for p in progress if p is not None),
                    due=due,
                    overdue=overdue,
                    days_overdue=(now - deadline).days if overdue else 0,
                    last_activity=max(lasts, default=None),
                )
            )
    rows.sort(key=lambda r: (r.cohort_name, r.cohort, r.module, r.display_name, r.learner))
    return rows


def overdue_learners(progress: Iterable[ProgressRow]) -> list[ProgressRow]:
    """The rows of learners past a due date without passing, most overdue first."""
    return sorted((r for r in progress if r.overdue), key=lambda r: (-r.days_overdue, r.cohort_name, r.display_name, r.module))


# -- completion and pass rates -------------------------------------------------------------------------------

ALL = "(all)"  # the cohort or module of a row that totals over every cohort or module


@dataclass(frozen=True, slots=True)
class RateRow:
    cohort: str  # ALL for a total over cohorts
    cohort_name: str
    module: str  # ALL for a total over modules
    learners: int  # learners the module (or, totalled over modules, any module) is assigned to
    started: int
    completed: int
    passed: int
    overdue: int
    completion_rate: float | None  # completed / learners; None for no learners
    pass_rate: float | None  # passed / learners


def completion_rates(progress: Iterable[ProgressRow], by: Sequence[str] = ("cohort", "module")) -> list[RateRow]:
    """Completion and pass rates from :func:`learner_progress`, grouped ``by`` cohort, module, both or neither.

    A grouping left out is totalled over and shows as :data:`ALL`. Every count is of learners: over several
    modules (``by=("cohort",)``), a learner has started if they started any, completed or passed only if they
    completed or passed them all, and is overdue if any is overdue. Rates are shares of those learners.
    """
    unknown = set(by) - {"cohort", "module"}
    if unknown:
        raise ReportError(f"cannot group rates by {', '.join(sorted(unknown))}; expected cohort and/or module")
    # (group, learner) -> [started any, completed all, passed all, overdue any]
    learners: dict[tuple[tuple[str, str, str], str], list[bool]] = {}
    for r in progress:
        if "cohort" in by:
            group = (r.cohort_name, r.cohort, r.module if "module" in by else ALL)
        else:
            group = (ALL, ALL, r.module if "module" in by else ALL)
        flags = learners.setdefault((group, r.learner), [False, True, True, False])
        flags[0] = flags[0] or r.started
        flags[1] = flags[1] and r.completed
        flags[2] = flags[2] and r.passed
        flags[3] = flags[3] or r.overdue
    counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for (group, _), (started, completed, passed, overdue) in learners.items():
        c = counts[group]
        c[0] += 1
        c[1] += started
        c[2] += completed
        c[3] += passed
        c[4] += overdue
    return [
        RateRow(cohort, name, module, n, started, completed, passed, overdue, _ratio(completed, n), _ratio(passed, n))
        for (name, cohort, module), (n, started, completed, passed, overdue) in sorted(counts.items())
    ]


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


# -- score distributions -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScoreBin:
    quiz_id: str
    cohort: str  # ALL unless grouped by cohort
    lower: float  # percentage, inclusive
    upper: float  # percentage, exclusive except for the last bin, which includes 100
    count: int
    share: float | None  # count / attempts in this quiz (and cohort)


def _select_attempts(attempts: Iterable[AttemptScore], which: str) -> list[AttemptScore]:
    """One attempt per learner and quiz ("first" or "best"), or every attempt ("all")."""
    if which == "all":
        return list(attempts)
    if which not in ("first", "best", "last"):
        raise ReportError(f"which={which!r}: expected 'first', 'best', 'last' or 'all'")
    chosen: dict[tuple[str, str], AttemptScore] = {}
    for a in attempts:
        key = (a.learner, a.quiz_id)
        held = chosen.get(key)
        if (
            held is None
            or (which == "first" and a.attempt_number < held.attempt_number)
            or (which == "last" and a.attempt_number > held.attempt_number)
            or (which == "best" and a.percentage > held.percentage)
        ):
            chosen[key] = a
    return list(chosen.values())


def score_distribution(
    attempts: Iterable[AttemptScore], *, bin_width: float = 10, which: str = "first", by_cohort: bool = False
) -> list[ScoreBin]:
    """A histogram of finished attempts' percentages per quiz (and per cohort if ``by_cohort``).

    ``which`` picks the attempts: each learner's ``"first"`` finished attempt (the default, as item analysis
    does), ``"best"``, ``"last"``, or ``"all"`` of them. Bins are ``bin_width`` wide from 0 to 100; every bin is
    listed, empty ones too, so charts and CSV have the same columns for every quiz.
    """
    if not (0 < bin_width <= 100) or not math.isclose(100 / bin_width, round(100 / bin_width)):
        raise ReportError(f"bin_width={bin_width!r}: expected a width that divides 100, e.g. 5, 10 or 20")
    n_bins = round(100 / bin_width)
    counts: dict[tuple[str, str], list[int]] = {}
    for a in _select_attempts(attempts, which):
        key = (a.quiz_id, a.cohort if by_cohort else ALL)
        bins = counts.setdefault(key, [0] * n_bins)
        index = min(max(int(a.percentage // bin_width), 0), n_bins - 1)
        bins[index] += 1
    rows = []
    for (quiz_id, cohort), bins in sorted(counts.items()):
        total = sum(bins)
        for i, count in enumerate(bins):
            rows.append(ScoreBin(quiz_id, cohort, i * bin_width, (i + 1) * bin_width, count, _ratio(count, total)))
    return rows


@dataclass(frozen=True, slots=True)
class QuizSummaryRow:
    quiz_id: str
    title: str
    learners: int  # learners with a finished attempt
    mean_first: float | None  # mean percentage of first finished attempts
    median_first: float | None
    sd_first: float | None  # sample standard deviation (n-1); None for fewer than 2 learners
    pass_rate_first: float | None  # share of first attempts that passed
    pass_rate_best: float | None  # share of learners with a passing attempt
    retook: int  # learners with more than one finished attempt


def quiz_summary(attempts: Iterable[AttemptScore], course: Course | None = None) -> list[QuizSummaryRow]:
    """Headline figures per quiz from finished attempts, in the course's quiz order."""
    first: dict[tuple[str, str], AttemptScore] = {}
    passed_any: set[tuple[str, str]] = set()
    count: Counter[tuple[str, str]] = Counter()
    for a in attempts:
        key = (a.quiz_id, a.learner)
        count[key] += 1
        if a.passed:
            passed_any.add(key)
        if key not in first or a.attempt_number < first[key].attempt_number:
            first[key] = a
    per_quiz: dict[str, list[AttemptScore]] = defaultdict(list)
    for (quiz_id, _), a in first.items():
        per_quiz[quiz_id].append(a)
    order = list(course.quizzes) if course is not None else []
    rows = []
    for quiz_id in sorted(per_quiz, key=lambda q: (order.index(q) if q in order else len(order), q)):
        firsts = per_quiz[quiz_id]
        scores = [a.percentage for a in firsts]
        n = len(firsts)
        title = course.quizzes[quiz_id].title if course is not None and quiz_id in course.quizzes else ""
        rows.append(
            QuizSummaryRow(
                quiz_id=quiz_id,
                title=title,
                learners=n,
                mean_first=round(statistics.fmean(scores), 2),
                median_first=round(statistics.median(scores), 2),
                sd_first=round(statistics.stdev(scores), 2) if n >= 2 else None,
                pass_rate_first=sum(a.passed for a in firsts) / n,
                pass_rate_best=sum((quiz_id, a.learner) in passed_any for a in firsts) / n,
                retook=sum(count[(quiz_id, a.learner)] > 1 for a in firsts),
            )
        )
    return rows


# -- item analysis -------------------------------------------------------------------------------------------

#: Fewer first-attempt responses than this and a question's figures are shown but not judged: with 20
#: responses the standard error of a correlation is still about 0.23, so smaller samples flag noise.
MIN_RESPONSES = 20
#: Facility below this: almost nobody gets it right on a first attempt (a mis-keyed answer, or untaught).
FACILITY_LOW = 0.10
#: Facility above this: almost everybody does; the question tells a trainer little.
FACILITY_HIGH = 0.95
#: Discrimination index (Moodle's, in percent) below this is "weak"; below 0 stronger learners do worse,
#: which usually means a wrong key or an ambiguous prompt. 20 (a correlation of 0.20) is Ebel's long-used
#: boundary between marginal and poor items.
DISCRIMINATION_WEAK = 20.0

#: What each flag on an :class:`ItemRow` means, for pages and notebooks to show beside it.
FLAGS = {
    "few-responses": f"fewer than {MIN_RESPONSES} first attempts: too few to judge",
    "very-hard": f"facility below {FACILITY_LOW:.0%}: check the key and whether the chapter teaches it",
    "very-easy": f"facility above {FACILITY_HIGH:.0%}: nearly everyone gets it right first time",
    "negative-discrimination": "learners who do worse on the rest of the quiz do better here: check the key",
    "weak-discrimination": f"discrimination below {DISCRIMINATION_WEAK:g}%: it barely separates stronger from weaker learners",
    "unused-distractor": "a wrong option nobody chose on a first try: it does no work",
    "distractor-beats-key": "a wrong option was chosen more often than the right one: check the key and wording",
}


@dataclass(frozen=True, slots=True)
class ItemRow:
    """Moodle-style statistics of one question over learners' first attempts."""

    quiz_id: str
    question_id: str
    kind: str
    prompt: str
    n: int  # first attempts that included the question
    max_points: float
    mean_mark: float | None
    facility: float | None  # mean mark / max mark, 0..1
    standard_deviation: float | None  # of marks as a fraction of max mark, n-1; None for n < 2
    discrimination: float | None  # 100 * correlation with the rest of the attempt; None without variance
    flags: tuple[str, ...]  # keys of FLAGS; "unused-distractor:c" names the option


@dataclass(frozen=True, slots=True)
class ResponseRow:
    """How often a response (an option, a value, a stage decision) was given on the first try."""

    quiz_id: str
    question_id: str
    kind: str
    response: str  # option id, "true"/"false", a value, "stage/option", or a summary like "(fully correct)"
    label: str  # the option's text, or what the summary means
    correct: bool | None  # whether this response is right; None for summaries
    count: int
    share: float | None  # count / n
    n: int  # responses it is a share of (for a vignette stage: learners who reached it)


@dataclass(frozen=True)
class ItemAnalysis:
    items: list[ItemRow]
    responses: list[ResponseRow]


def _freeze(response: Any) -> Any:
    """A hashable form of a JSON response (lists become tuples, mappings sorted pairs)."""
    if isinstance(response, list):
        return tuple(_freeze(v) for v in response)
    if isinstance(response, dict):
        return tuple(sorted((str(k), _freeze(v)) for k, v in response.items()))
    return response


class _Lookup:
    """Finds a record's question, and its quiz's settings, in the course; drawn ids name their bank."""

    def __init__(self, course: Course | None):
        self.course = course
        self.quiz_order = {q: i for i, q in enumerate(course.quizzes)} if course else {}

    def find(self, quiz_id: str, question_id: str) -> tuple[Question | None, Settings | None, tuple]:
        """(question, settings, sort key); (None, None, key) for a question no longer in the course."""
        quizzes = self.course.quizzes if self.course else {}
        quiz = quizzes.get(quiz_id)
        q_rank = self.quiz_order.get(quiz_id, len(self.quiz_order))
        if quiz is not None:
            for i, q in enumerate(quiz.questions):
                if q.id == question_id:
                    return q, quiz.settings, (q_rank, quiz_id, 0, i, question_id)
        bank_id, _, own_id = question_id.partition("/")
        bank = quizzes.get(bank_id) if own_id else None
        if bank is not None:
            for i, q in enumerate(bank.questions):
                if q.id == own_id:
                    return q, bank.settings, (q_rank, quiz_id, 1 + self.quiz_order[bank_id], i, question_id)
        return None, None, (q_rank, quiz_id, len(self.quiz_order) + 1, 0, question_id)


def analyse_items(
    records: Iterable[QuestionScore],
    course: Course | None,
    *,
    attempts: Iterable[AttemptScore] | None = None,
    top_values: int = 10,
) -> ItemAnalysis:
    """Item statistics and first-try response frequencies of every question, over first attempts.

    Only records with ``attempt_number == 1`` count, as in Moodle's quiz statistics. If ``attempts`` is given,
    only those finished attempts count too (an abandoned attempt's total would bias the rest-of-test score).
    Facility is the mean mark over the maximum mark. Discrimination is Moodle's
    ``100 * cov(x, r) / sqrt(var(x) * var(r))`` with ``x`` the question's mark and ``r`` the rest of the
    attempt's marks, all with n-1; it is ``None`` when either has no variance or ``n < 2``.
    ``course`` supplies prompts and options; a question it no longer holds is still analysed, without them.
    ``top_values`` caps the rows of distinct numeric answers listed per question.

    Reads ``records`` once, keeping per question two flat arrays (attempt, mark) rather than the records.
    """
    finished = None if attempts is None else {a.attempt_id for a in attempts if a.attempt_number == 1}
    # Per question, in order of first appearance: its key, kind, max points, the attempt (an index into
    # totals) and mark of each answer, and a tally of first responses. The hot loop below touches only
    # the "slot" of bound methods it needs, found with one dict lookup per record.
    slots: dict[tuple[str, str], tuple] = {}
    item_keys: list[tuple[str, str]] = []
    item_kind: list[str] = []
    item_max: list[float] = []
    item_attempts: list[array] = []
    item_marks: list[array] = []
    tallies: list[dict] = []
    attempt_index: dict[str, int] = {}
    totals = array("d")  # per attempt: the sum of its marks
    last_attempt, a = None, -1

    for r in records:
        if r.attempt_number != 1:
            continue
        attempt_id = r.attempt_id
        if attempt_id != last_attempt:  # a store yields an attempt's questions together: look it up once
            if finished is not None and attempt_id not in finished:
                continue
            a = attempt_index.get(attempt_id)
            if a is None:
                a = attempt_index[attempt_id] = len(totals)
                totals.append(0.0)
            last_attempt = attempt_id
        key = (r.quiz_id, r.question_id)
        slot = slots.get(key)
        if slot is None:
            item_keys.append(key)
            item_kind.append(r.kind)
            item_max.append(r.max_points)
            item_attempts.append(array("l"))
            item_marks.append(array("d"))
            tallies.append({})
            slot = slots[key] = (item_attempts[-1].append, item_marks[-1].append, tallies[-1])
        add_attempt, add_mark, tally = slot
        mark = r.credit * r.max_points
        totals[a] += mark
        add_attempt(a)
        add_mark(mark)
        response = r.first_response
        if type(response) is list:
            response = tuple(response)  # a list of ids: hashable as it is, nested lists are frozen below
        elif type(response) is dict:
            response = tuple(sorted(response.items()))
        try:
            tally[response] = tally.get(response, 0) + 1
        except TypeError:  # nested lists or mappings inside a response
            frozen = _freeze(r.first_response)
            tally[frozen] = tally.get(frozen, 0) + 1

    stats = [_moments(item_attempts[i], item_marks[i], totals) for i in range(len(item_keys))]
    lookup = _Lookup(course)
    items: list[tuple[tuple, ItemRow]] = []
    responses: list[tuple[tuple, list[ResponseRow]]] = []
    for i, (quiz_id, question_id) in enumerate(item_keys):
        question, settings, order = lookup.find(quiz_id, question_id)
        kind = question.kind if question is not None else item_kind[i]
        rows = _response_rows(quiz_id, question_id, kind, question, settings, Counter(tallies[i]), top_values)
        items.append((order, _item_row(quiz_id, question_id, kind, question, item_max[i], stats[i], rows)))
        responses.append((order, rows))
    items.sort(key=lambda pair: pair[0])
    responses.sort(key=lambda pair: pair[0])
    return ItemAnalysis([row for _, row in items], [row for _, rows in responses for row in rows])


def item_analysis(records: Iterable[QuestionScore], course: Course | None, **options) -> list[ItemRow]:
    """The item-analysis table (see :func:`analyse_items`): one row per question per quiz."""
    return analyse_items(records, course, **options).items


def response_frequencies(records: Iterable[QuestionScore], course: Course | None, **options) -> list[ResponseRow]:
    """The first-try response table (see :func:`analyse_items`): one row per option, value or decision."""
    return analyse_items(records, course, **options).responses


@dataclass(slots=True)
class _Moments:
    n: int = 0
    mean_x: float = 0.0
    var_x: float | None = None
    discrimination: float | None = None


def _moments(attempt_of: array, marks: array, totals: array) -> _Moments:
    """One question's n, mean mark, n-1 variance, and correlation of its mark with the rest of the attempt.

    Values are shifted by the question's first value before summing (the "shifted data" method): a constant
    question then sums to exactly zero variance, not to rounding noise that would yield a meaningless index.
    The sums run in C (``sum(map(mul, ...))``), which keeps a million marks to a fraction of a second.
    """
    k = len(marks)
    m = _Moments(n=k)
    if not k:
        return m
    x0 = marks[0]
    rest = [totals[a] - x for a, x in zip(attempt_of, marks)]
    r0 = rest[0]
    dx = [x - x0 for x in marks]
    dr = [r - r0 for r in rest]
    sx, sr = math.fsum(dx), math.fsum(dr)
    m.mean_x = x0 + sx / k
    if k >= 2:
        var_x = max(0.0, (sum(map(mul, dx, dx)) - sx * sx / k) / (k - 1))
        var_r = max(0.0, (sum(map(mul, dr, dr)) - sr * sr / k) / (k - 1))
        cov = (sum(map(mul, dx, dr)) - sx * sr / k) / (k - 1)
        m.var_x = var_x
        if var_x > 0 and var_r > 0:
            # Clamp: rounding can push a perfect correlation a hair past 1.
            m.discrimination = max(-100.0, min(100.0, 100 * cov / math.sqrt(var_x * var_r)))
    return m


def _item_row(quiz_id, question_id, kind, question, max_points, m: _Moments, responses) -> ItemRow:
    facility = m.mean_x / max_points if m.n and max_points else None
    sd = math.sqrt(m.var_x) / max_points if m.var_x is not None and max_points else None
    flags: list[str] = []
    if m.n < MIN_RESPONSES:
        flags.append("few-responses")
    else:
        if facility is not None and facility < FACILITY_LOW:
            flags.append("very-hard")
        if facility is not None and facility > FACILITY_HIGH:
            flags.append("very-easy")
        if m.discrimination is not None and m.discrimination < 0:
            flags.append("negative-discrimination")
        elif m.discrimination is not None and m.discrimination < DISCRIMINATION_WEAK:
            flags.append("weak-discrimination")
        flags.extend(_distractor_flags(kind, responses))
    return ItemRow(
        quiz_id=quiz_id,
        question_id=question_id,
        kind=kind,
        prompt=question.prompt if question is not None else "",
        n=m.n,
        max_points=max_points,
        mean_mark=round(m.mean_x, 6) if m.n else None,
        facility=None if facility is None else round(facility, 6),
        standard_deviation=None if sd is None else round(sd, 6),
        discrimination=None if m.discrimination is None else round(m.discrimination, 4),
        flags=tuple(flags),
    )


def _distractor_flags(kind: str, responses: list[ResponseRow]) -> list[str]:
    if kind not in ("single_choice", "multiple_response"):
        return []
    options = [r for r in responses if r.correct is not None]
    flags = [f"unused-distractor:{r.response}" for r in options if not r.correct and r.count == 0]
    if kind == "single_choice":
        key_count = max((r.count for r in options if r.correct), default=0)
        flags += [f"distractor-beats-key:{r.response}" for r in options if not r.correct and r.count > key_count]
    return flags


# -- first-try response frequencies, per kind ---------------------------------------------------------------

NO_RESPONSE = "(no response)"


def _response_rows(quiz_id, question_id, kind, question, settings, tally: Counter, top_values: int) -> list[ResponseRow]:
    n = sum(tally.values())
    unanswered = tally.pop(None, 0)

    def row(response: str, label: str, correct: bool | None, count: int, of: int = n) -> ResponseRow:
        return ResponseRow(quiz_id, question_id, kind, response, label, correct, count, _ratio(count, of), of)

    rows: list[ResponseRow] = []
    if isinstance(question, SingleChoice):
        rows = [row(o.id, o.text, o.correct, tally.get(o.id, 0)) for o in question.options]
    elif isinstance(question, MultipleResponse):
        chosen: Counter[str] = Counter()
        for response, count in tally.items():
            for option_id in set(response) if isinstance(response, tuple) else ():
                chosen[option_id] += count
        rows = [row(o.id, o.text, o.correct, chosen.get(o.id, 0)) for o in question.options]
    elif kind == "true_false" and question is not None:
        rows = [
            row(str(value).lower(), str(value).lower(), value == question.answer, tally.get(value, 0))
            for value in (True, False)
        ]
    elif isinstance(question, Numeric):
        rows = _numeric_rows(question, settings, tally, top_values, row)
    elif isinstance(question, (Ordering, Matching)):
        rows = _arrangement_rows(question, tally, row)
    elif isinstance(question, Vignette):
        rows = _vignette_rows(question, tally, row)
    else:  # a question no longer in the course: list what was sent, most common first
        for response, count in tally.most_common(top_values):
            rows.append(row(json.dumps(response, ensure_ascii=False), "", None, count))
    if unanswered:
        rows.append(row(NO_RESPONSE, "the question was left unanswered", None, unanswered))
    return rows


def _numeric_rows(question: Numeric, settings, tally: Counter, top_values: int, row) -> list[ResponseRow]:
    values: Counter[float] = Counter()
    unreadable = 0
    for response, count in tally.items():
        value = parse_number(response) if isinstance(response, (str, int, float)) else None
        if value is None:
            unreadable += count
        else:
            values[value] += count
    rows = []
    for value, count in values.most_common(top_values):
        try:
            correct = score_response(question, value, settings).correct
        except ResponseError:  # cannot happen for a parsed number, but a report must not fail on it
            correct = False
        rows.append(row(f"{value:g}", f"{value:g} {question.unit}".strip(), correct, count))
    rest = sum(values.values()) - sum(r.count for r in rows)
    if rest:
        rows.append(row("(other values)", f"{len(values) - len(rows)} other values", None, rest))
    if unreadable:
        rows.append(row("(not a number)", "answers that could not be read as a number", None, unreadable))
    return rows


def _arrangement_rows(question: Ordering | Matching, tally: Counter, row) -> list[ResponseRow]:
    """Share fully correct, then per step (ordering) or pair (matching) the share placed right."""
    if isinstance(question, Ordering):
        right = tuple(question.order)
        parts = [(item.id, item.text, lambda r, i=right.index(item.id), s=item.id: len(r) > i and r[i] == s) for item in question.items]
        summary = "every step in the right place"
    else:
        right = tuple(sorted((p.id, p.id) for p in question.pairs))
        parts = [(p.id, f"{p.left} → {p.right}", lambda r, s=p.id: (s, s) in r) for p in question.pairs]
        summary = "every pair matched correctly"
    answered = sum(tally.values())
    full = sum(count for response, count in tally.items() if response == right)
    rows = [row("(fully correct)", summary, None, full, answered)]
    for part_id, label, is_right in parts:
        count = sum(c for response, c in tally.items() if isinstance(response, tuple) and is_right(response))
        rows.append(row(part_id, label, True, count, answered))
    return rows


def _vignette_rows(question: Vignette, tally: Counter, row) -> list[ResponseRow]:
    """For each stage, the share of learners who reached it that chose each option."""
    stages = {s.id: s for s in question.stages}
    reached: Counter[str] = Counter()
    chose: Counter[tuple[str, str]] = Counter()
    for path, count in tally.items():
        stage = stages.get(question.start)
        for option_id in path if isinstance(path, tuple) else ():
            if stage is None:
                break
            option = next((o for o in stage.options if o.id == option_id), None)
            if option is None:
                break
            reached[stage.id] += count
            chose[(stage.id, option_id)] += count
            stage = stages.get(option.next) if option.next else None
    rows = []
    for stage in question.stages:
        for o in stage.options:
            rows.append(row(f"{stage.id}/{o.id}", o.text, o.credit == 1, chose[(stage.id, o.id)], reached[stage.id]))
    return rows


# -- CSV -----------------------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(round(value, 6))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value):
        value = "; ".join(value)
    elif not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, default=str)
    # Display names and answers are typed by learners; a spreadsheet would run "=..." as a formula.
    if value.startswith(_FORMULA_START) and parse_number(value) is None:
        value = "'" + value
    return value


def to_csv(rows: Iterable[Any], row_type: type | None = None) -> str:
    """Any table of this module (a list of dataclass rows) as RFC 4180 CSV text with a header row.

    Lines end in CRLF; encode the text as UTF-8 to serve or save it. Empty cells are ``None``; booleans are
    ``true``/``false``; tuples of flags are joined with ``"; "``. Text that a spreadsheet would run as a formula
    gets a leading apostrophe. Pass ``row_type`` to get the header even for an empty table.
    """
    rows = list(rows)
    row_type = row_type or (type(rows[0]) if rows else None)
    if row_type is None:
        return ""
    if not dataclasses.is_dataclass(row_type):
        raise ReportError(f"to_csv expects dataclass rows, got {row_type.__name__}")
    names = [f.name for f in dataclasses.fields(row_type)]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    for r in rows:
        if type(r) is not row_type:
            raise ReportError(f"to_csv expects rows of one type: {type(r).__name__} among {row_type.__name__}")
        writer.writerow([_cell(getattr(r, name)) for name in names])
    return out.getvalue()
