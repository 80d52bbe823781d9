"""The course lead's tables, over every moment and over a period, from one tally per learner and quiz, equal those
computed the long way (a record per finished and per begun attempt, a progress row per learner, assignment and
module), on random results; their CSV files, as the server sends them, equal the long way's byte for byte.

Random cohorts (in several time zones) with assignments of one module or several (and one cohort with the usual
plan, one quiz an assignment and each module once, which has a quick path), one of a quiz since removed from
the course, one deleted, due dates gone and to come; learners with finished attempts (first attempts and
retakes, some arriving late from an offline browser though finished earlier, the same attempt finished twice)
and attempts begun and never finished; and, in each cohort's time zone, attempts that a period's first or last
midnight cuts through (begun before it and finished in it, begun in it and finished after it, finished once on
each side). Every table the lead's pages and CSV files show (rates three ways, overdue learners, every progress
row, the quiz summary, the score distributions) is the same from :func:`lead._tables` as from
:func:`_long_tables`, unfiltered and filtered by cohort, module and both, over every moment and over periods:
days that cut through attempts, single days, a period open at either end (one ending on a due date, "overdue"
judged at its end, and one the day before), and empty periods, past and to come. Then again after a learner's
data is deleted, after two learners are merged, and after the merged duplicate's browser sends more. On SQLite
and PostgreSQL.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from server_fixtures import LiveApp, signed_in

from quizlib.results import dashboard, report
from quizlib.results.source import ReportSource, Scope
from quizlib.results.store import StatementRecord
from quizlib.server import lead
from quizlib.server.context import ServerContext

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ZONES = ("Europe/London", "Pacific/Auckland", "America/New_York")
CUT = (
    date(2026, 3, 1),
    date(2026, 3, 10),
)  # a period whose midnights cut through attempts (New York's clocks change in it)
PERIODS = [
    CUT,
    (CUT[0], CUT[0]),  # one day
    (CUT[1], CUT[1]),
    (date(2026, 2, 20), None),  # open at its end
    (None, date(2026, 3, 20)),  # open at its start, ending on a due date: "overdue" judged as that date ends
    (None, date(2026, 3, 19)),  # the day before
    (date(2025, 1, 1), date(2025, 1, 31)),  # empty, before every attempt and due date
    (date(2030, 1, 1), date(2030, 1, 31)),  # empty, to come: "overdue" judged now
]


def _completed(rng, course, learner_id, quiz_id, when, attempt_id=None) -> StatementRecord:
    quiz = course.quizzes[quiz_id]
    questions = quiz.questions or course.quizzes["sensitivity"].questions[:3]
    credits = [rng.choice([0.0, 0.5, 1.0, 1.0]) for _ in questions]
    points = sum(c * q.points for c, q in zip(credits, questions))
    percentage = round(100 * points / sum(q.points for q in questions), 2)
    sid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return StatementRecord(
        id=sid,
        learner_id=learner_id,
        verb="completed",
        quiz_id=quiz_id,
        attempt_id=attempt_id or str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        timestamp=when,
        statement={"id": sid},
        received={"id": sid},
        credit=percentage / 100,
        final=True,
        percentage=percentage,
        passed=percentage >= 70,
        detail={
            "questions": [
                {
                    "question_id": q.id,
                    "credit": c,
                    "max_points": q.points,
                    "kind": q.kind,
                    "first_response": None,
                    "duration": rng.choice([None, 12.5, 40.0]),
                }
                for q, c in zip(questions, credits)
            ],
            "quiz_passed": percentage >= quiz.settings.pass_mark,
            "duration": rng.choice([None, 300.0, 412.5]),
        },
    )


def _answered(rng, course, learner_id, quiz_id, when, attempt_id) -> StatementRecord:
    quiz = course.quizzes[quiz_id]
    question = (quiz.questions or course.quizzes["sensitivity"].questions)[0]
    sid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return StatementRecord(
        id=sid,
        learner_id=learner_id,
        verb="answered",
        quiz_id=quiz_id,
        question_id=question.id,
        attempt_id=attempt_id,
        try_number=1,
        timestamp=when,
        statement={"id": sid},
        received={"id": sid},
        credit=0.0,
        final=False,
        detail={"response": None, "try_credit": 0.0, "kind": question.kind, "max_points": question.points},
    )


def _attempts(rng, course, learner_id, quizzes) -> list[StatementRecord]:
    """A learner's attempts: some finished (answers then the completed statement), some only begun, some retaken,
    one sometimes finished twice (a resend with a new statement id)."""
    out = []
    for quiz_id in quizzes:
        for _ in range(rng.choice([0, 1, 1, 1, 2, 3])):
            when = T0 + timedelta(days=rng.randint(-40, 40), seconds=rng.randint(0, 86_399))
            attempt = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            if rng.random() < 0.8:
                out.append(_answered(rng, course, learner_id, quiz_id, when - timedelta(minutes=5), attempt))
            if rng.random() < 0.8:
                out.append(_completed(rng, course, learner_id, quiz_id, when, attempt))
                if rng.random() < 0.1:
                    out.append(_completed(rng, course, learner_id, quiz_id, when + timedelta(seconds=1), attempt))
    return out


def _across_the_period(rng, course, learner_id, quiz_id, zone: str) -> list[StatementRecord]:
    """Attempts at or across :data:`CUT`'s first and last midnights, in the learner's time zone: begun before it and
    finished in it, begun in it and finished after it, finished once on each side of its end; begun or finished at
    the very moment it starts (in it), and begun at the very moment it ends (not in it)."""

    def local(day: date, hour: int, minute: int, second: float = 0) -> datetime:
        moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone)) + timedelta(seconds=second)
        return moment.astimezone(UTC)

    first, last = CUT
    before, after = first - timedelta(days=1), last + timedelta(days=1)
    out = []
    for answered, completed in [
        (local(before, 23, 59), [local(first, 0, 3)]),
        (local(last, 23, 59), [local(after, 0, 2)]),
        (local(last, 23, 50), [local(last, 23, 59, 59.5), local(after, 0, 0)]),
        (local(first, 0, 0), []),
        (local(before, 23, 55), [local(first, 0, 0)]),
        (local(after, 0, 0), []),
    ]:
        attempt = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        out.append(_answered(rng, course, learner_id, quiz_id, answered, attempt))
        out += [_completed(rng, course, learner_id, quiz_id, when, attempt) for when in completed]
    return out


def _long_tables(ctx: ServerContext, flt: lead.Filter) -> dict[str, tuple[list, type]]:
    """The lead's tables the long way: every finished and begun attempt read as a record (those of the period, in
    each cohort's time zone, through :class:`report.Period`), a progress row per learner, assignment and module
    (:func:`report.learner_progress`), and the report functions over them."""
    course = ctx.catalogue.course
    source = ReportSource(ctx.store)
    cohorts = source.cohorts()
    quiz_ids = tuple(q.id for q in course.quizzes.values() if q.chapter == flt.module) if flt.module else None
    dated = flt.since or flt.until
    period = report.Period(flt.since, flt.until, {c.id: c.time_zone for c in cohorts}) if dated else None
    scope = Scope(cohort_ids=(flt.cohort,) if flt.cohort else None, quiz_ids=quiz_ids, period=period)
    inputs = source.progress_inputs(scope)
    progress = report.learner_progress(
        inputs.enrolments,
        inputs.assignments,
        inputs.attempts,
        course,
        started=inputs.started,
        cohorts=cohorts,
        now=datetime.now(UTC),
        since=flt.since,
        until=flt.until,
        module_titles=lead._module_titles(ctx),
    )
    if flt.module:
        progress = [r for r in progress if r.module == flt.module]
    return {
        "rates": (report.completion_rates(progress, by=("cohort", "module")), report.RateRow),
        "rates-by-module": (report.completion_rates(progress, by=("module",)), report.RateRow),
        "rates-by-cohort": (report.completion_rates(progress, by=("cohort",)), report.RateRow),
        "progress": (progress, report.ProgressRow),
        "overdue": (report.overdue_learners(progress), report.ProgressRow),
        "quiz-summary": (report.quiz_summary(inputs.attempts, course), report.QuizSummaryRow),
        "score-distribution": (report.score_distribution(inputs.attempts, which="first"), report.ScoreBin),
    }


def _dashboard_long_way(
    store, course, cohort_id, module, quiz_ids, since, until, module_titles, now
) -> dashboard.Figures:
    """The dashboard's figures the long way: every attempt's record, ``learner_progress`` and the report
    functions (as ``dashboard.load_figures`` computed a period before the tallies had one)."""
    data = dashboard.load_inputs(store, cohort_id=cohort_id, since=since, until=until, quiz_ids=quiz_ids)
    progress = report.learner_progress(
        data.enrolments,
        data.assignments,
        data.attempts,
        course,
        started=data.started,
        cohorts=data.cohorts,
        now=now,
        since=since,
        until=until,
        module_titles=module_titles,
    )
    if module:
        progress = [r for r in progress if r.module == module]
    return dashboard.Figures(
        cohorts=data.cohorts,
        learners=len(data.enrolments),
        assignments=len(data.assignments),
        finished_attempts=len(data.attempts),
        rates=report.completion_rates(progress, by=("cohort", "module")),
        by_module=report.completion_rates(progress, by=("module",)),
        by_cohort=report.completion_rates(progress, by=("cohort",)),
        overdue=report.overdue_learners(progress),
        summary=report.quiz_summary(data.attempts, course),
        distribution=report.score_distribution(data.attempts, bin_width=10, which="first"),
        progress=lambda: progress,
        items=lambda: data.source.item_analysis(course, scope=data.scope),
    )


def _dashboard_agrees(
    store, catalogue, cohort_id: str | None, module: str | None, since: date | None = None, until: date | None = None
) -> None:
    """The dashboard notebook's figures (from the tallies) equal the long way's, item analysis included."""
    course = catalogue.course
    now = datetime.now(UTC)
    titles = {m.chapter: m.title for m in catalogue.modules}
    quick = dashboard.load_figures(
        store, course, cohort_id=cohort_id, module=module, since=since, until=until, module_titles=titles, now=now
    )
    quiz_ids = tuple(q.id for q in course.quizzes.values() if q.chapter == module) if module else None
    long = _dashboard_long_way(store, course, cohort_id, module, quiz_ids, since, until, titles, now)
    for name in ("cohorts", "learners", "assignments", "finished_attempts", "rates", "by_module", "by_cohort"):
        assert getattr(quick, name) == getattr(long, name), name
    for name in ("overdue", "summary", "distribution"):
        assert getattr(quick, name) == getattr(long, name), name
    assert quick.progress() == long.progress()
    # The notebook's item analysis before: every first attempt's answers streamed from the database.
    cohorts = {c.id: c.time_zone for c in ReportSource(store).cohorts()}
    period = report.Period(since, until, cohorts) if since or until else None
    scope = Scope(cohort_ids=None if cohort_id is None else (cohort_id,), quiz_ids=quiz_ids, period=period)
    source = ReportSource(store)
    afresh = report.analyse_items(
        source.iter_question_scores(first_only=True, scope=scope),
        course,
        attempts=source.iter_attempt_scores(first_only=True, scope=scope),
    )
    assert quick.items() == afresh and (afresh.items or period is not None)


def _tables_agree(ctx: ServerContext, cohorts, modules, client) -> dict[str, int]:
    """Every table the long way and from the tallies, for each filter, and its CSV file as the server (``client``,
    signed in as a lead) sends it (every file unfiltered and of each period, the progress file of every filter);
    the rows compared, with and without a period."""
    _dashboard_agrees(ctx.store, ctx.catalogue, None, None)
    _dashboard_agrees(ctx.store, ctx.catalogue, cohorts[0].id, modules[1])
    for since, until in PERIODS:
        _dashboard_agrees(ctx.store, ctx.catalogue, None, None, since, until)
    _dashboard_agrees(ctx.store, ctx.catalogue, cohorts[2].id, modules[2], *CUT)
    compared = {"every moment": 0, "a period": 0}
    filters = [lead.Filter()]
    filters += [lead.Filter(cohort=c.id) for c in cohorts]
    filters += [lead.Filter(module=m) for m in modules]
    filters += [lead.Filter(cohort=cohorts[0].id, module=modules[1])]
    for since, until in PERIODS:
        filters += [
            lead.Filter(since=since, until=until),
            lead.Filter(cohort=cohorts[1].id, since=since, until=until),
            lead.Filter(module=modules[1], since=since, until=until),
        ]
    filters += [lead.Filter(cohort=cohorts[2].id, module=modules[2], since=CUT[0], until=CUT[1])]
    for flt in filters:
        long = _long_tables(ctx, flt)
        tables = lead._tables(ctx, flt)
        assert set(tables) == set(long)
        for name, (expected, row_type) in long.items():
            got, got_type = tables[name]()
            assert got_type is row_type
            assert got == expected, (name, flt)
            if name == "progress" or not (flt.cohort or flt.module):  # (every file of every filter takes long)
                served = client.get(f"lead/export/{name}.csv{flt.query()}")
                assert served.status_code == 200, served.text
                assert served.content == report.to_csv(expected, row_type, bom=True).encode("utf-8"), (name, flt)
            compared["a period" if flt.since or flt.until else "every moment"] += len(expected)
    return compared


@pytest.mark.parametrize("seed", [1, 2])
def test_tables_from_tallies_equal_the_long_way(store, catalogue, seed):
    course = catalogue.course
    rng = random.Random(seed)
    trainer = store.add_staff("Tess", "trainer", "hash")
    cohorts = [store.add_cohort(f"Cohort {i}", trainer.id, ZONES[i]) for i in range(3)]
    modules = catalogue.modules
    for cohort in cohorts:
        for module in rng.sample(modules, 4):
            store.add_assignment(
                cohort.id,
                title=module.title,
                chapters=[module.chapter],
                quiz_ids=list(module.quiz_ids),
                include_final=False,
                pass_mark=rng.choice((50.0, 70.0, 80.0)),
                due_date=rng.choice([None, date(2026, 2, 1), date(2026, 3, 20), date(2099, 1, 1)]),
            )
        if cohort is cohorts[2]:
            continue  # one quiz an assignment, each module once: the usual plan, which has a quick path
        two = rng.sample(modules, 2)  # two modules in one assignment, one of them maybe assigned alone too
        store.add_assignment(
            cohort.id,
            title="Two modules",
            chapters=[m.chapter for m in two],
            quiz_ids=[q for m in two for q in m.quiz_ids],
            include_final=False,
            pass_mark=60.0,
            due_date=date(2026, 2, 15),
        )
    store.add_assignment(  # due as a period below ends
        cohorts[0].id,
        title="Due as a period ends",
        chapters=[modules[2].chapter],
        quiz_ids=list(modules[2].quiz_ids),
        include_final=False,
        pass_mark=90.0,
        due_date=date(2026, 3, 20),
    )
    store.add_assignment(  # a quiz since removed from the course, beside one still in it
        cohorts[0].id,
        title="Old",
        chapters=["chapters/99-old"],
        quiz_ids=["removed-quiz", "sensitivity"],
        include_final=False,
        pass_mark=70.0,
        due_date=date(2026, 1, 10),
    )
    gone = store.add_assignment(
        cohorts[1].id,
        title="Deleted",
        chapters=[modules[0].chapter],
        quiz_ids=list(modules[0].quiz_ids),
        include_final=False,
        pass_mark=70.0,
        due_date=date(2026, 1, 10),
    )
    store.delete_assignment(gone.id)
    learners = [store.add_learner(cohorts[i % 3].id, f"L{i % 7}")[0] for i in range(18)]  # names repeat
    quiz_ids = [q for m in modules for q in m.quiz_ids]
    records = []
    for learner in learners[:-1]:  # the last one has done nothing at all
        records += _attempts(rng, course, learner.id, rng.sample(quiz_ids, rng.randint(1, len(quiz_ids))))
    across = []  # (learner, quiz) with attempts cut by CUT's midnights: two in each cohort
    for learner in learners[1:7]:
        zone = ZONES[[c.id for c in cohorts].index(learner.cohort_id)]
        across.append((learner.id, rng.choice(quiz_ids)))
        records += _across_the_period(rng, course, *across[-1], zone)
    rng.shuffle(records)  # in any order: attempts finished earlier arrive late
    for i in range(0, len(records), 7):
        store.add_statements(records[i : i + 7])
    ctx = ServerContext(store, catalogue, None)
    chapters = [m.chapter for m in modules]
    live = LiveApp(store, catalogue)
    try:
        client = signed_in(live, "Lee", "lead")
        compared = _tables_agree(ctx, cohorts, chapters, client)
        assert compared["every moment"] > 500 and compared["a period"] > 2000, compared
        figures = lead._figures(ctx, lead.Filter())
        assert figures.overview.overdue and figures.tallies and any(r.passed for r in figures.overview.rates)
        assert any(r.started and not r.finished for r in lead._tables(ctx, lead.Filter())["progress"]()[0])
        # The period's edges cut in each cohort's time zone: finished in it though begun before, begun in it though
        # finished after, finished on both sides of its end (once in it); "overdue" judged as its last day ends.
        cut = lead._figures(ctx, lead.Filter(since=CUT[0], until=CUT[1])).tallies
        assert all(cut[key].attempts >= 5 and cut[key].finished >= 3 for key in across)
        ended = lead._tables(ctx, lead.Filter(until=date(2026, 3, 20)))["overdue"]()[0]
        assert any(r.due == date(2026, 3, 20) and r.days_overdue == 0 for r in ended)
        before = lead._tables(ctx, lead.Filter(until=date(2026, 3, 19)))["overdue"]()[0]
        assert not any(r.due == date(2026, 3, 20) for r in before)

        # A learner's data deleted.
        store.delete_learner(learners[0].id)
        _tables_agree(ctx, cohorts, chapters, client)
        # Two learners of a cohort merged; then the duplicate's browser sends more, an attempt finished earlier.
        keep, duplicate = learners[1], learners[4]
        assert keep.cohort_id == duplicate.cohort_id
        store.merge_learners(keep.id, duplicate.id)
        _tables_agree(ctx, cohorts, chapters, client)
        store.add_statements(_attempts(random.Random(seed + 10), course, duplicate.id, quiz_ids[:4]))
        store.add_statements(_across_the_period(random.Random(seed + 20), course, duplicate.id, quiz_ids[0], ZONES[1]))
        _tables_agree(ctx, cohorts, chapters, client)
        client.close()
    finally:
        live.close()
