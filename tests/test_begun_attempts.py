"""The begun attempts the store keeps as answers arrive equal a grouping of every answered statement.

Answers to random attempts (several tries, some sent late from an "offline browser" with earlier times, some
sent twice) go into a real database in random batches; then a learner's data is deleted, two learners are
merged, and the merged duplicate's browser sends an earlier answer. After each step ``Store.begun_attempts``
(which reads the kept table) equals ``min(timestamp)`` grouped by learner, quiz and attempt over the answered
statements, and the report's "started" records agree.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from record_helpers import answered

from quizlib.results.source import ReportSource
from quizlib.results.store import Store
from quizlib.results.store.rows import StatementRow

T0 = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def _grouped(store: Store) -> set[tuple]:
    st = StatementRow
    q = (
        sa.select(st.learner_id, st.quiz_id, st.attempt_id, sa.func.min(st.timestamp))
        .where(st.verb == "answered")
        .group_by(st.learner_id, st.quiz_id, st.attempt_id)
    )
    with store.engine.connect() as conn:
        return {tuple(row) for row in conn.execute(q)}


def _agree(store: Store) -> set[tuple]:
    kept = set(store.begun_attempts())
    assert kept == _grouped(store)
    started = {(s.learner, s.quiz_id, s.attempt_id, s.at) for s in ReportSource(store).started()}
    assert started == kept
    return kept


@pytest.mark.parametrize("seed", [1, 2])
def test_begun_attempts_equal_a_grouping_of_the_answers(store, seed):
    rng = random.Random(seed)
    trainer = store.add_staff("Tess", "trainer", "hash")
    cohort = store.add_cohort("North", trainer.id)
    learners = [store.add_learner(cohort.id, f"L{i}")[0] for i in range(8)]
    records = []
    for learner in learners:
        for quiz_id in ("sensitivity", "practice"):
            for _ in range(rng.choice([0, 1, 2])):
                attempt = str(uuid.uuid4())
                start = T0 + timedelta(days=rng.randint(0, 9), seconds=rng.randint(0, 86_399))
                for _ in range(rng.randint(1, 5)):
                    records.append(
                        answered(
                            learner.id,
                            quiz_id=quiz_id,
                            attempt_id=attempt,
                            when=start + timedelta(seconds=rng.randint(0, 600)),
                        )
                    )
    rng.shuffle(records)  # answers arrive in any order: earlier ones late
    sent = 0
    while sent < len(records):
        batch = records[sent : sent + rng.randint(1, 7)]
        store.add_statements(batch + rng.sample(records[:sent], min(sent, rng.randint(0, 2))))  # with resends
        sent += len(batch)
    kept = _agree(store)
    assert len(kept) > 5

    gone = learners[0] if any(r.learner_id == learners[0].id for r in records) else learners[1]
    store.delete_learner(gone.id)
    assert not any(row[0] == gone.id for row in _agree(store))

    who_answered = {r.learner_id for r in records}
    keep, duplicate = [le for le in learners if le.id != gone.id and le.id in who_answered][:2]
    store.merge_learners(keep.id, duplicate.id)
    assert not any(row[0] == duplicate.id for row in _agree(store))
    # The duplicate's browser, offline until now, sends an answer earlier than any stored for an attempt.
    some = next(row for row in _agree(store) if row[0] == keep.id)
    store.add_statements(
        [answered(duplicate.id, quiz_id=some[1], attempt_id=some[2], when=some[3] - timedelta(hours=1))]
    )
    after = _agree(store)
    assert (keep.id, some[1], some[2], some[3] - timedelta(hours=1)) in after
    assert (keep.id, some[1], some[2], some[3]) not in after
