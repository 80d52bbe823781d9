"""Item analysis from the sums the store keeps up to date equals item analysis computed afresh from the answers.

Random finished attempts (first attempts and retakes, some sent late from an "offline browser" though
finished earlier, some sent twice, questions left unanswered, times recorded or not, ties in time) go into
a real database in random batches; then a learner's data is deleted, two learners are merged, and the
merged duplicate's browser sends more. After each step:

- the item tables kept up to date equal the tables rebuilt from scratch from the result tables;
- the item analysis from the sums (what the lead's page shows unfiltered) equals :func:`report.analyse_items`
  over the first attempts streamed from the database, every figure, flag, response count and median.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from quizlib.quiz import score
from quizlib.results import report
from quizlib.results.source import ReportSource
from quizlib.results.store import StatementRecord, Store
from quizlib.results.store import items as item_tables

QUIZZES = ("sensitivity", "interventions", "practice")
T0 = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def _response(rng: random.Random, question):
    """A first response: the right one, a random option, or none; numbers typed now and then."""
    roll = rng.random()
    if roll < 0.15:
        return None
    if question.kind in ("single_choice", "multiple_response") and roll < 0.6:
        chosen = rng.choice(question.options).id
        return chosen if question.kind == "single_choice" else [chosen]
    if question.kind == "numeric" and roll < 0.6:
        return rng.choice(["7,636", "12", "0.5"])
    return score.full_credit_response(question)


def _attempt(rng: random.Random, course, learner_id: str, quiz_id: str, when: datetime) -> StatementRecord:
    quiz = course.quiz(quiz_id)
    sid = str(uuid.uuid4())
    questions = []
    for q in quiz.questions:
        duration = None if rng.random() < 0.2 else rng.choice([12.5, 30.0, round(rng.uniform(1, 200), 2)])
        questions.append(
            {
                "question_id": q.id,
                "credit": rng.choice([0.0, 0.25, 0.3333, 0.5, 0.6667, 1.0]),
                "max_points": q.points,
                "kind": q.kind,
                "first_response": _response(rng, q),
                "duration": duration,
            }
        )
    percentage = round(100 * sum(q["credit"] * q["max_points"] for q in questions) / len(questions), 2)
    return StatementRecord(
        id=sid,
        learner_id=learner_id,
        verb="completed",
        quiz_id=quiz_id,
        attempt_id=str(uuid.uuid4()),
        timestamp=when,
        statement={"id": sid},
        received={"id": sid},
        credit=percentage / 100,
        final=True,
        percentage=percentage,
        passed=percentage >= 70,
        detail={"questions": questions, "quiz_passed": percentage >= 70, "duration": 300.0},
    )


def _tables(store: Store) -> dict[str, set]:
    """Every item table's rows with a count, as sets (rows whose counts fell to 0 say nothing)."""
    out = {}
    with store.engine.connect() as conn:
        for table in (item_tables.ITEM_SUMS, item_tables.ITEM_RESPONSES, item_tables.ITEM_TIMES):
            out[table.name] = {
                tuple(row) for row in conn.execute(sa.select(table)) if row._mapping.get("n", row[-1]) != 0
            }
        out["item_time_seconds"] = {
            tuple(row) for row in conn.execute(sa.select(item_tables.ITEM_TIME_SECONDS)) if row[-1] != 0
        }
    return out


def _rebuilt(store: Store) -> dict[str, set]:
    """The tables as :func:`items.rebuild` makes them from the result tables (in a transaction rolled back)."""
    with store.engine.connect() as conn:
        trans = conn.begin()
        item_tables.rebuild(conn)
        out = {}
        for table in (
            item_tables.ITEM_SUMS,
            item_tables.ITEM_RESPONSES,
            item_tables.ITEM_TIMES,
            item_tables.ITEM_TIME_SECONDS,
        ):
            out[table.name] = {tuple(row) for row in conn.execute(sa.select(table))}
        trans.rollback()
    return out


def _agree(store: Store, course) -> report.ItemAnalysis:
    assert _tables(store) == _rebuilt(store)
    source = ReportSource(store)
    from_sums = source.item_analysis(course)
    afresh = report.analyse_items(
        source.iter_question_scores(first_only=True), course, attempts=source.iter_attempt_scores(first_only=True)
    )
    assert from_sums == afresh
    for quiz_id in QUIZZES:
        one = source.item_analysis(course, quiz_id=quiz_id)
        assert one.items == [i for i in afresh.items if i.quiz_id == quiz_id]
        assert one.responses == [r for r in afresh.responses if r.quiz_id == quiz_id]
    return from_sums


@pytest.mark.parametrize("seed", [1, 2])
def test_item_sums_equal_a_full_recomputation(store, course, seed):
    rng = random.Random(seed)
    trainer = store.add_staff("Tess", "trainer", "hash")
    cohorts = [store.add_cohort(name, trainer.id) for name in ("North", "South")]
    learners = [store.add_learner(cohorts[i % 2].id, f"L{i}")[0] for i in range(14)]
    records = []
    for learner in learners:
        for quiz_id in QUIZZES:
            for _ in range(rng.choice([0, 1, 1, 2, 3])):
                when = T0 + timedelta(days=rng.randint(0, 9), seconds=rng.randint(0, 86_399))
                records.append(_attempt(rng, course, learner.id, quiz_id, when))
    # Same learner, same quiz, same moment: the statement id decides which is first.
    twin = records[0]
    records.append(_attempt(rng, course, twin.learner_id, twin.quiz_id, twin.timestamp))
    rng.shuffle(records)  # attempts arrive in any order: earlier ones late, from offline browsers
    sent = 0
    while sent < len(records):
        batch = records[sent : sent + rng.randint(1, 6)]
        store.add_statements(batch + rng.sample(records[:sent], min(sent, rng.randint(0, 2))))  # with resends
        sent += len(batch)
    analysis = _agree(store, course)
    assert {i.quiz_id for i in analysis.items} == set(QUIZZES)
    assert any(i.median_seconds is not None for i in analysis.items)
    assert any(i.discrimination is not None for i in analysis.items)

    # A learner's data deleted (a data-protection request).
    gone = max(learners, key=lambda le: sum(r.learner_id == le.id for r in records))
    store.delete_learner(gone.id)
    _agree(store, course)

    # Two learners of one cohort merged, both with attempts; then the duplicate's browser sends more.
    with_attempts = {r.learner_id for r in records}
    keep, duplicate = [
        le for le in learners if le.cohort_id == cohorts[1].id and le.id != gone.id and le.id in with_attempts
    ][:2]
    store.merge_learners(keep.id, duplicate.id)
    _agree(store, course)
    store.add_statements(
        [_attempt(rng, course, duplicate.id, quiz_id, T0 - timedelta(days=1)) for quiz_id in QUIZZES]  # earlier
    )
    _agree(store, course)


def test_the_sums_are_exact_for_a_question_everyone_gets_right(store, course):
    """No rounding noise: a constant mark has no variance, so no discrimination index, from sums as afresh."""
    trainer = store.add_staff("Tess", "trainer", "hash")
    cohort = store.add_cohort("North", trainer.id)
    rng = random.Random(3)
    records = []
    for i in range(30):
        learner = store.add_learner(cohort.id, f"L{i}")[0]
        record = _attempt(rng, course, learner.id, "sensitivity", T0 + timedelta(minutes=i))
        for q in record.detail["questions"]:
            q["credit"] = 0.3333 if q is record.detail["questions"][0] else q["credit"]
        records.append(record)
    store.add_statements(records)
    first = _agree(store, course).items[0]
    assert first.n == 30 and first.standard_deviation == 0 and first.discrimination is None
