"""The course lead's tables over every moment, from one tally per learner and quiz, equal those computed the long
way (a record per attempt, a progress row per learner, assignment and module), on random results.

Random cohorts (in several time zones) with assignments of one module or several (and one cohort with the usual
plan, one quiz an assignment and each module once, which has a quick path), one of a quiz since removed from
the course, one deleted, due dates gone and to come; learners with finished attempts (first attempts and
retakes, some arriving late from an offline browser though finished earlier, the same attempt finished twice)
and attempts begun and never finished. Every table the lead's pages and CSV files show without a period
(rates three ways, overdue learners, every progress row, the quiz summary, the score distributions) is the same
from :func:`lead._quick_tables` as from :func:`lead._tables` over :func:`lead._figures`, unfiltered and filtered
by cohort, module and both; then again after a learner's data is deleted, after two learners are merged, and
after the merged duplicate's browser sends more. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import functools
import random
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from quizlib.results import dashboard, report
from quizlib.results.source import ReportSource, Scope
from quizlib.results.store import StatementRecord
from quizlib.server import lead
from quizlib.server.context import ServerContext

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ZONES = ("Europe/London", "Pacific/Auckland", "America/New_York")


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


def _dashboard_agrees(store, catalogue, cohort_id: str | None, module: str | None) -> None:
    """The dashboard notebook's figures (quick over every moment) equal the long way's, item analysis included."""
    course = catalogue.course
    now = datetime.now(UTC)
    titles = {m.chapter: m.title for m in catalogue.modules}
    quick = dashboard.load_figures(store, course, cohort_id=cohort_id, module=module, module_titles=titles, now=now)
    quiz_ids = tuple(q.id for q in course.quizzes.values() if q.chapter == module) if module else None
    long = dashboard._figures_of_a_period(store, course, cohort_id, module, quiz_ids, None, None, titles, now)
    for name in ("cohorts", "learners", "assignments", "finished_attempts", "rates", "by_module", "by_cohort"):
        assert getattr(quick, name) == getattr(long, name), name
    for name in ("overdue", "summary", "distribution"):
        assert getattr(quick, name) == getattr(long, name), name
    assert quick.progress() == long.progress()
    # The notebook's item analysis before: every first attempt's answers streamed from the database.
    scope = Scope(cohort_ids=None if cohort_id is None else (cohort_id,), quiz_ids=quiz_ids)
    source = ReportSource(store)
    afresh = report.analyse_items(
        source.iter_question_scores(first_only=True, scope=scope),
        course,
        attempts=source.iter_attempt_scores(first_only=True, scope=scope),
    )
    assert quick.items() == afresh and afresh.items


def _tables_agree(ctx: ServerContext, cohorts, modules) -> int:
    """Every table the long way and the quick way, for each filter; the number of rows compared."""
    _dashboard_agrees(ctx.store, ctx.catalogue, None, None)
    _dashboard_agrees(ctx.store, ctx.catalogue, cohorts[0].id, modules[1])
    compared = 0
    filters = [lead.Filter()]
    filters += [lead.Filter(cohort=c.id) for c in cohorts]
    filters += [lead.Filter(module=m) for m in modules]
    filters += [lead.Filter(cohort=cohorts[0].id, module=modules[1])]
    for flt in filters:
        long = lead._tables(ctx, functools.cache(lambda flt=flt: lead._figures(ctx, flt)))
        quick = lead._quick_tables(ctx, flt)
        assert set(quick) == set(long)
        for name in long:
            expected, row_type = long[name]()
            got, got_type = quick[name]()
            assert got_type is row_type
            assert got == expected, (name, flt)
            compared += len(expected)
    return compared


@pytest.mark.parametrize("seed", [1, 2])
def test_quick_tables_equal_the_long_way(store, catalogue, seed):
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
    rng.shuffle(records)  # in any order: attempts finished earlier arrive late
    for i in range(0, len(records), 7):
        store.add_statements(records[i : i + 7])
    ctx = ServerContext(store, catalogue, None)
    chapters = [m.chapter for m in modules]
    assert _tables_agree(ctx, cohorts, chapters) > 500
    quick = lead._quick_figures(ctx, lead.Filter())
    assert quick.overview.overdue and quick.summary and any(r.passed for r in quick.overview.rates)
    assert any(r.started and not r.finished for r in lead._quick_tables(ctx, lead.Filter())["progress"]()[0])

    # A learner's data deleted.
    store.delete_learner(learners[0].id)
    _tables_agree(ctx, cohorts, chapters)
    # Two learners of a cohort merged; then the duplicate's browser sends more, an attempt finished earlier.
    keep, duplicate = learners[1], learners[4]
    assert keep.cohort_id == duplicate.cohort_id
    store.merge_learners(keep.id, duplicate.id)
    _tables_agree(ctx, cohorts, chapters)
    store.add_statements(_attempts(random.Random(seed + 10), course, duplicate.id, quiz_ids[:4]))
    _tables_agree(ctx, cohorts, chapters)
