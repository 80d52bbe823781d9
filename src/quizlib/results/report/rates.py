"""Completion and pass rates, score distributions and a summary per quiz."""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from quizlib.quiz.model import Course
from quizlib.results.report.progress import ProgressRow
from quizlib.results.report.records import AttemptScore, ReportError, ratio

# -- completion and pass rates -------------------------------------------------------------------------------

ALL = "(all)"  # the cohort or module of a row that totals over every cohort or module


@dataclass(frozen=True, slots=True)
class RateRow:
    cohort: str  # ALL for a total over cohorts
    cohort_name: str
    module: str  # ALL for a total over modules
    module_title: str
    learners: int  # learners the module (or, totalled over modules, any module) is assigned to
    started: int
    finished: int
    passed: int
    overdue: int
    completion_rate: float | None  # finished / learners; None for no learners
    pass_rate: float | None  # passed / learners


def completion_rates(progress: Iterable[ProgressRow], by: Sequence[str] = ("cohort", "module")) -> list[RateRow]:
    """Completion and pass rates from :func:`learner_progress`, grouped ``by`` cohort, module, both or neither.

    A grouping left out is totalled over and shows as :data:`ALL`. Every count is of learners: over several
    modules or assignments, a learner has started if they started any, finished or passed only if they
    finished or passed them all, and is overdue if any is overdue. Rates are shares of those learners.
    """
    unknown = set(by) - {"cohort", "module"}
    if unknown:
        raise ReportError(f"cannot group rates by {', '.join(sorted(unknown))}; expected cohort and/or module")
    # (group, learner) -> [started any, finished all, passed all, overdue any]
    learners: dict[tuple[tuple[str, str, str], str], list[bool]] = {}
    titles: dict[str, str] = {ALL: ALL}
    for r in progress:
        module = r.module if "module" in by else ALL
        titles.setdefault(r.module, r.module_title)
        if "cohort" in by:
            group = (r.cohort_name, r.cohort, module)
        else:
            group = (ALL, ALL, module)
        flags = learners.setdefault((group, r.learner), [False, True, True, False])
        flags[0] = flags[0] or r.started
        flags[1] = flags[1] and r.finished
        flags[2] = flags[2] and r.passed
        flags[3] = flags[3] or r.overdue
    counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for (group, _), (started, finished, passed, overdue) in learners.items():
        c = counts[group]
        c[0] += 1
        c[1] += started
        c[2] += finished
        c[3] += passed
        c[4] += overdue
    return [
        RateRow(
            cohort,
            name,
            module,
            titles[module],
            n,
            started,
            finished,
            passed,
            overdue,
            ratio(finished, n),
            ratio(passed, n),
        )
        for (name, cohort, module), (n, started, finished, passed, overdue) in sorted(counts.items())
    ]


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
    _bin_count(bin_width)  # a wrong width is refused before the attempts are read
    percentages: dict[tuple[str, str], list[float]] = defaultdict(list)
    for a in _select_attempts(attempts, which):
        percentages[(a.quiz_id, a.cohort if by_cohort else ALL)].append(a.percentage)
    return score_bins(percentages, bin_width=bin_width)


def score_bins(percentages: Mapping[tuple[str, str], Iterable[float]], *, bin_width: float = 10) -> list[ScoreBin]:
    """The histogram rows of :func:`score_distribution`: for each (quiz, cohort) in order, its percentages in
    bins ``bin_width`` wide from 0 to 100, every bin listed."""
    n_bins = _bin_count(bin_width)
    rows = []
    for (quiz_id, cohort), values in sorted(percentages.items(), key=lambda kv: kv[0]):
        bins = [0] * n_bins
        for percentage in values:
            bins[min(max(int(percentage // bin_width), 0), n_bins - 1)] += 1
        total = sum(bins)
        for i, count in enumerate(bins):
            rows.append(ScoreBin(quiz_id, cohort, i * bin_width, (i + 1) * bin_width, count, ratio(count, total)))
    return rows


def _bin_count(bin_width: float) -> int:
    """How many bins ``bin_width`` makes of 0 to 100; refused unless it divides 100."""
    if not (0 < bin_width <= 100) or not math.isclose(100 / bin_width, round(100 / bin_width)):
        raise ReportError(f"bin_width={bin_width!r}: expected a width that divides 100, e.g. 5, 10 or 20")
    return round(100 / bin_width)


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
    median_minutes_first: float | None = None  # median time spent on first attempts, where it was recorded


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
    rows = []
    for quiz_id in in_course_order(per_quiz, course):
        firsts = per_quiz[quiz_id]
        rows.append(
            summary_row(
                quiz_id,
                course,
                learners=len(firsts),
                scores=[a.percentage for a in firsts],
                passed_first=sum(a.passed for a in firsts),
                passed_ever=sum((quiz_id, a.learner) in passed_any for a in firsts),
                retook=sum(count[(quiz_id, a.learner)] > 1 for a in firsts),
                durations=[a.duration for a in firsts if a.duration is not None],
            )
        )
    return rows


def in_course_order(quiz_ids: Iterable[str], course: Course | None) -> list[str]:
    """``quiz_ids`` in the course's quiz order, any not in the course after them by id."""
    order = list(course.quizzes) if course is not None else []
    return sorted(quiz_ids, key=lambda q: (order.index(q) if q in order else len(order), q))


def summary_row(
    quiz_id: str,
    course: Course | None,
    *,
    learners: int,
    scores: Sequence[float],
    passed_first: int,
    passed_ever: int,
    retook: int,
    durations: Sequence[float],
) -> QuizSummaryRow:
    """One quiz's :class:`QuizSummaryRow` from its ``learners``' first finished attempts: their scores, how
    many passed at the first and ever, how many finished it more than once, and the first attempts' recorded
    durations in seconds."""
    return QuizSummaryRow(
        quiz_id=quiz_id,
        title=course.quizzes[quiz_id].title if course is not None and quiz_id in course.quizzes else "",
        learners=learners,
        mean_first=round(statistics.fmean(scores), 2),
        median_first=round(statistics.median(scores), 2),
        sd_first=round(statistics.stdev(scores), 2) if learners >= 2 else None,
        pass_rate_first=passed_first / learners,
        pass_rate_best=passed_ever / learners,
        retook=retook,
        median_minutes_first=round(statistics.median(durations) / 60, 2) if durations else None,
    )
