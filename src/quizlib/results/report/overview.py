"""The course lead's overview from one tally per learner and quiz: the same figures as :func:`learner_progress`,
:func:`completion_rates`, :func:`overdue_learners`, :func:`quiz_summary` and :func:`score_distribution`, over every
moment or a period, without a record per attempt or a row per learner, assignment and module.

A large course has a few thousand learners, each with an assignment of every module: a hundred thousand
progress rows, each an object, grouped three ways. The overview needs only counts of learners per cohort and
module, and the rows of those who are overdue. :func:`overview` walks the learners and their assignments once
over a :class:`QuizTally` per learner and quiz (which the results source reads with a few grouped queries,
:func:`quizlib.results.source.quiz_tallies`) and keeps only that. The rules are those of
:mod:`quizlib.results.report.progress` (read them there); ``tests/test_overview.py`` holds every figure equal
to the functions above on random results. For a period, the tallies count only the attempts begun or finished in
it (in each cohort's time zone), and "overdue" is judged at its end, as :func:`learner_progress` judges it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from operator import attrgetter
from typing import NamedTuple

from quizlib.quiz.model import Course
from quizlib.results.report.progress import (
    DEFAULT_TIME_ZONE,
    ProgressRow,
    cohort_plans,
    due_ends,
    overdue_learners,
    windows,
)
from quizlib.results.report.rates import (
    ALL,
    QuizSummaryRow,
    RateRow,
    ScoreBin,
    in_course_order,
    score_bins,
    summary_row,
)
from quizlib.results.report.records import Assignment, Cohort, Enrolment, course_modules, ratio


class QuizTally(NamedTuple):
    """One learner at one quiz, over every moment or a period's attempts. (A named tuple: a large course has a
    hundred thousand, and a tuple is made several times faster than a frozen dataclass.)"""

    attempts: int  # attempts begun (answered at least once) or finished: distinct attempt ids
    best: float | None  # the best finished attempt's percentage; None until one is finished
    last: datetime | None  # when the latest finished attempt ended
    finished: int = 0  # finished attempts (as attempt scores count them: one per completed statement)
    passed_any: bool = False  # a finished attempt passed against the quiz's own pass mark
    first: float | None = None  # the first finished attempt (in the order they finished): its percentage,
    first_passed: bool = False  # whether it passed against the quiz's own pass mark,
    first_duration: float | None = None  # and the seconds spent on it, where recorded


@dataclass(frozen=True)
class Overview:
    """The figures of the course lead's report page."""

    rates: list[RateRow]  # by cohort and module
    by_module: list[RateRow]
    by_cohort: list[RateRow]
    overdue: list[ProgressRow]  # most overdue first, as :func:`overdue_learners` orders them
    progress: list[ProgressRow] | None  # every row (as :func:`learner_progress`), when asked for


def overview(
    tallies: Mapping[tuple[str, str], QuizTally],
    enrolments: Iterable[Enrolment],
    assignments: Iterable[Assignment] | None,
    course: Course,
    *,
    cohorts: Iterable[Cohort] = (),
    now: datetime,
    since: date | None = None,
    until: date | None = None,
    module_titles: Mapping[str, str] | None = None,
    module: str | None = None,
    rows: bool = False,
) -> Overview:
    """What :func:`learner_progress` and the rates and overdue lists made from it give, from ``tallies``
    ((learner, quiz) -> :class:`QuizTally`, of the attempts ``since`` .. ``until`` if a period is given: then
    "overdue" is judged at its end in each cohort's time zone, or ``now`` if sooner). ``module``: only that
    module's rows count (the lead's module filter). ``rows``: also every progress row (for the progress CSV)."""
    now = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    cohorts = list(cohorts)
    enrolled = list(enrolments)
    zones = {c.id: c.time_zone for c in cohorts}
    window = windows(zones, now, since, until)
    cohort_names = {c.id: c.name for c in cohorts}
    quizzes = course.quizzes
    module_of = {q.id: q.chapter for q in quizzes.values()}
    module_title = {m.id: m.title for m in course_modules(course)} | dict(module_titles or {})

    plans = cohort_plans(course, enrolled, assignments)
    # Per assignment, once: when its due date ends (in its cohort's time zone) and its quizzes still in the
    # course, by module, with their pass marks; and whether it is one quiz (most are: a quick path). Per cohort,
    # the moment "overdue" is judged at.
    planned: dict[str, list[tuple[Assignment, datetime | None, list[tuple[str, list[tuple[str, float]]]], bool]]] = {}
    judged = {cohort: window(cohort).judged for cohort in plans}
    for cohort, plan in plans.items():
        zone = zones.get(cohort, DEFAULT_TIME_ZONE)
        for a in plan:
            marked = [
                (quiz_id, a.pass_mark if a.pass_mark is not None else quiz.settings.pass_mark)
                for quiz_id in a.quiz_ids
                if (quiz := quizzes.get(quiz_id)) is not None
            ]
            if not marked:
                continue  # every quiz removed from the course since: nothing to measure, no row
            by_module: dict[str, list[tuple[str, float]]] = {}
            for quiz_id, mark in marked:
                by_module.setdefault(module_of[quiz_id], []).append((quiz_id, mark))
            ends = due_ends(a.due, zone) if a.due is not None else None
            planned.setdefault(cohort, []).append((a, ends, list(by_module.items()), len(marked) == 1))

    # Learners counted per (cohort, module, started, finished, passed, overdue) and per (cohort, the same over
    # every module): a learner's flags over several assignments (or modules) are combined first (started any,
    # finished all, passed all, overdue any), as completion_rates combines them.
    per_module: dict[tuple[str, str, bool, bool, bool, bool], int] = defaultdict(int)
    per_cohort: dict[tuple[str, bool, bool, bool, bool], int] = defaultdict(int)
    overdue_rows: list[ProgressRow] = []
    every_row: list[ProgressRow] | None = [] if rows else None
    untouched = QuizTally(0, None, None)
    get = tallies.get
    # The quick path, for a cohort whose assignments are each of one quiz, each module in one of them (the
    # usual plan): (assignment, when its due date ends, whether it has, module, quiz, pass mark) each.
    simple: dict[str, list[tuple[Assignment, datetime | None, bool, str, str, float]]] = {}
    for cohort, entries in planned.items():
        chapters = [chapter for _, _, modules, _ in entries for chapter, _ in modules]
        if all(single for *_, single in entries) and len(set(chapters)) == len(chapters):
            simple[cohort] = [
                (a, ends, ends is not None and judged[cohort] >= ends, chapter, quiz_id, mark)
                for a, ends, ((chapter, ((quiz_id, mark),)),), _ in entries
                if module is None or chapter == module
            ]
    for e in enrolled:
        learner, cohort = e.learner, e.cohort
        quick = simple.get(cohort)
        if quick is not None:
            if not quick:
                continue
            when = judged[cohort]
            s, f, p, o = False, True, True, False
            for a, ends, ended, chapter, quiz_id, mark in quick:
                t = get((learner, quiz_id))
                if t is None:
                    started = finished = passed = False
                    overdue = ended
                else:
                    best = t.best
                    finished = best is not None
                    passed = finished and best >= mark  # type: ignore[operator]  # finished: best is a number
                    started = t.attempts > 0
                    overdue = ended and not passed
                per_module[(cohort, chapter, started, finished, passed, overdue)] += 1
                s, f, p, o = s or started, f and finished, p and passed, o or overdue
                if overdue or every_row is not None:
                    row = _row(e, a, chapter, [(t or untouched, mark)], ends, when, overdue, cohort_names, module_title)
                    if every_row is not None:
                        every_row.append(row)
                    if overdue:
                        overdue_rows.append(row)
            per_cohort[(cohort, s, f, p, o)] += 1
            continue
        mine: dict[str, tuple[bool, bool, bool, bool]] = {}
        for a, ends, modules, _ in planned.get(cohort, ()):
            ended = ends is not None and judged[cohort] >= ends
            results = [[(get((learner, q), untouched), mark) for q, mark in marked] for _, marked in modules]
            # The assignment is overdue once its due date has ended, unless every quiz of it is passed.
            a_overdue = ended and not all(t.best is not None and t.best >= m for one in results for t, m in one)
            for (chapter, _), one in zip(modules, results):
                if module is not None and chapter != module:
                    continue
                passed = all(t.best is not None and t.best >= m for t, m in one)
                flags = (
                    any(t.attempts for t, _ in one),
                    all(t.best is not None for t, _ in one),
                    passed,
                    a_overdue and not passed,
                )
                before = mine.get(chapter)
                mine[chapter] = (
                    flags
                    if before is None
                    else (before[0] or flags[0], before[1] and flags[1], before[2] and flags[2], before[3] or flags[3])
                )
                if flags[3] or every_row is not None:
                    row = _row(e, a, chapter, one, ends, judged[cohort], flags[3], cohort_names, module_title)
                    if every_row is not None:
                        every_row.append(row)
                    if flags[3]:
                        overdue_rows.append(row)
        if mine:
            s, f, p, o = False, True, True, False
            for chapter, flags in mine.items():
                per_module[(cohort, chapter, *flags)] += 1
                s, f, p, o = s or flags[0], f and flags[1], p and flags[2], o or flags[3]
            per_cohort[(cohort, s, f, p, o)] += 1
    order = _row_order
    overdue_rows.sort(key=order)
    if every_row is not None:
        every_row.sort(key=order)
    both_counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    module_counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    cohort_counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for (cohort, chapter, *module_flags), n in per_module.items():
        _add(both_counts[(cohort, chapter)], n, module_flags)
        _add(module_counts[chapter], n, module_flags)
    for (cohort, *cohort_flags), n in per_cohort.items():
        _add(cohort_counts[cohort], n, cohort_flags)

    def name(cohort: str) -> str:
        return cohort_names.get(cohort, cohort)

    def title(chapter: str) -> str:
        return module_title.get(chapter, chapter)

    return Overview(
        rates=_rate_rows({(name(c), c, m, title(m)): v for (c, m), v in both_counts.items()}),
        by_module=_rate_rows({(ALL, ALL, m, title(m)): v for m, v in module_counts.items()}),
        by_cohort=_rate_rows({(name(c), c, ALL, ALL): v for c, v in cohort_counts.items()}),
        overdue=overdue_learners(overdue_rows),
        progress=every_row,
    )


def _add(counts: list[int], n: int, flags: list[bool]) -> None:
    counts[0] += n
    for i, flag in enumerate(flags, 1):
        if flag:
            counts[i] += n


def _rate_rows(counts: Mapping[tuple[str, str, str, str], list[int]]) -> list[RateRow]:
    """:class:`RateRow` rows as :func:`completion_rates` orders them (by cohort name, cohort, module)."""
    return [
        RateRow(cohort, name, chapter, title, n, s, f, p, o, ratio(f, n), ratio(p, n))
        for (name, cohort, chapter, title), (n, s, f, p, o) in sorted(counts.items(), key=lambda kv: kv[0][:3])
    ]


_row_order = attrgetter("cohort_name", "cohort", "module", "display_name", "learner", "assignment")


def _row(
    e: Enrolment,
    a: Assignment,
    chapter: str,
    one: list[tuple[QuizTally, float]],
    ends: datetime | None,
    judged: datetime,
    overdue: bool,
    cohort_names: Mapping[str, str],
    module_title: Mapping[str, str],
) -> ProgressRow:
    """One progress row, as :func:`learner_progress` makes it (from its :class:`QuizProgress` rows), from the
    module's quizzes (``one``: each one's tally and pass mark) in one pass: the progress CSV makes a row per
    learner, assignment and module."""
    started, finished, passed, attempts, last = False, True, True, 0, None
    for t, mark in one:
        best = t.best
        started = started or t.attempts > 0
        finished = finished and best is not None
        passed = passed and best is not None and best >= mark
        attempts += t.attempts
        if t.last is not None and (last is None or t.last > last):
            last = t.last
    return ProgressRow(
        e.cohort,
        cohort_names.get(e.cohort, e.cohort),
        e.learner,
        e.display_name,
        a.id,
        a.title,
        chapter,
        module_title.get(chapter, chapter),
        a.pass_mark,
        a.due,
        ends,
        started,
        finished,
        passed,
        round(sum(t.best or 0.0 for t, _ in one) / len(one), 2) if finished else None,
        attempts,
        overdue,
        (judged - ends).days if overdue and ends is not None else 0,
        last,
    )


# -- per quiz: headline figures and score distributions ------------------------------------------------------


def tally_summary(tallies: Mapping[tuple[str, str], QuizTally], course: Course | None = None) -> list[QuizSummaryRow]:
    """:func:`quiz_summary` from the tallies of every learner with a finished attempt (any learner, in any cohort
    the report covers, merged or not: as the attempt scores it reads)."""
    per_quiz: dict[str, list[QuizTally]] = defaultdict(list)
    for (_, quiz_id), t in tallies.items():
        if t.finished:
            per_quiz[quiz_id].append(t)
    out = []
    for quiz_id in in_course_order(per_quiz, course):
        firsts = per_quiz[quiz_id]
        out.append(
            summary_row(
                quiz_id,
                course,
                learners=len(firsts),
                scores=[t.first for t in firsts if t.first is not None],  # every one: each has a finished attempt
                passed_first=sum(t.first_passed for t in firsts),
                passed_ever=sum(t.passed_any for t in firsts),
                retook=sum(t.finished > 1 for t in firsts),
                durations=[t.first_duration for t in firsts if t.first_duration is not None],
            )
        )
    return out


def tally_distribution(tallies: Mapping[tuple[str, str], QuizTally], *, bin_width: float = 10) -> list[ScoreBin]:
    """:func:`score_distribution` of first finished attempts (``which="first"``, not by cohort)."""
    firsts: dict[tuple[str, str], list[float]] = defaultdict(list)
    for (_, quiz_id), t in tallies.items():
        if t.finished and t.first is not None:
            firsts[(quiz_id, ALL)].append(t.first)
    return score_bins(firsts, bin_width=bin_width)
