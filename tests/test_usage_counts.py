"""Each learner's count of stored statements (``learners.statements_stored``, kept as statements are stored)
equals a count of their statements, whatever happens, on SQLite and PostgreSQL.

Random answers go in through the group writer (several requests in one transaction, some refused for a
conflicting resend) and through ``add_statements`` (with ``also`` work, the SQLAlchemy transaction), with
resends that store nothing; the limit refuses exactly at what one learner may store; then a learner is deleted,
two are merged and the merged duplicate's browser sends more, within the kept learner's limits. After each step
every learner's kept count equals ``count(*)`` of the statements stored with their id. On PostgreSQL, a merge
and a write for the same learner at once both succeed (no deadlock).
"""

from __future__ import annotations

import dataclasses
import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from record_helpers import answered

from quizlib.results.store import OverLimit, StatementConflict, StatementRecord, Store, UsageLimit
from quizlib.results.store.rows import LearnerRow, StatementRow

T0 = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def _answer(learner_id: str, rng: random.Random) -> StatementRecord:
    """An answer whose ids and moment come from ``rng``."""
    sid, attempt_id = (str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(2))
    return answered(learner_id, T0 + timedelta(seconds=rng.randint(0, 86_400)), attempt_id=attempt_id, sid=sid)


def _agree(store: Store) -> dict[str, int]:
    """Every learner's kept count, checked against a count of their statements."""
    counted = sa.select(StatementRow.learner_id, sa.func.count()).group_by(StatementRow.learner_id).subquery("counted")
    q = sa.select(LearnerRow.id, LearnerRow.statements_stored, sa.func.coalesce(counted.c.count, 0)).outerjoin(
        counted, counted.c.learner_id == LearnerRow.id
    )
    with store.engine.connect() as conn:
        rows = conn.execute(q).all()
    assert [(who, kept) for who, kept, _ in rows] == [(who, n) for who, _, n in rows]
    return {who: kept for who, kept, _ in rows}


def _limit(learner_id: str, storage: int = 10**6) -> UsageLimit:
    return UsageLimit(learner_id, 1, datetime.now(UTC) - timedelta(minutes=1), 10**6, storage)


@pytest.mark.parametrize("seed", [1, 2])
def test_each_learners_count_equals_their_statements(store, seed):
    rng = random.Random(seed)
    trainer = store.add_staff("Tess", "trainer", "hash")
    cohort = store.add_cohort("North", trainer.id)
    learners = [store.add_learner(cohort.id, f"L{i}")[0] for i in range(6)]
    stored: list[StatementRecord] = []
    for _ in range(12):
        # Several requests handed to the group writer at once (one transaction for those that arrive together).
        jobs = []
        for _ in range(rng.randint(1, 4)):
            learner = rng.choice(learners)
            records = [_answer(learner.id, rng) for _ in range(rng.randint(1, 6))]
            mine = [r for r in stored if r.learner_id == learner.id]
            records += rng.sample(mine, min(len(mine), rng.randint(0, 2)))  # resends: stored once
            refused = None
            if mine and rng.random() < 0.25:  # a resend with other content: the request stores nothing
                records.append(dataclasses.replace(mine[0], received={"id": mine[0].id, "changed": True}))
                refused = StatementConflict
            jobs.append((records, refused, store.add_statements_together(records, limit=_limit(learner.id))))
        for records, refused, future in jobs:
            if refused is not None:
                with pytest.raises(refused):
                    future.result(timeout=30)
            else:
                flags = future.result(timeout=30)
                stored += [r for r, new in zip(records, flags) if new]
        _agree(store)
        # And in a SQLAlchemy transaction (a submitted attempt's way), with ``also`` work.
        learner = rng.choice(learners)
        records = [_answer(learner.id, rng) for _ in range(rng.randint(1, 3))]
        assert store.add_statements(records, also=lambda conn: None) == [True] * len(records)
        stored += records
        _agree(store)
    counts = _agree(store)
    assert sum(counts.values()) == len(stored) == store.count_statements()

    # The limit on what one learner may store reads the kept count: refused at the limit, stored below it.
    fullest = max(learners, key=lambda le: counts[le.id])
    with pytest.raises(OverLimit) as refused:
        store.add_statements([_answer(fullest.id, rng)], limit=_limit(fullest.id, storage=counts[fullest.id]))
    assert refused.value.full and refused.value.total == counts[fullest.id]
    store.add_statements([_answer(fullest.id, rng)], limit=_limit(fullest.id, storage=counts[fullest.id] + 1))
    counts = _agree(store)

    gone = learners.pop(0)
    store.delete_learner(gone.id)
    assert gone.id not in _agree(store)

    keep, duplicate = learners[0], learners[1]
    before = _agree(store)
    store.merge_learners(keep.id, duplicate.id)
    after = _agree(store)
    assert after[keep.id] == before[keep.id] + before[duplicate.id] and after[duplicate.id] == 0
    # The duplicate's browser sends more: stored for the learner it was merged into, and counted there.
    assert store.add_statements_together([_answer(duplicate.id, rng)], limit=_limit(duplicate.id)).result(
        timeout=30
    ) == [True]
    final = _agree(store)
    assert final[keep.id] == after[keep.id] + 1 and final[duplicate.id] == 0
    # And it counts against the kept learner's limit (one person, one limit, whichever device sends), in all
    # and in the minute, alone and with the kept learner's own request in the same transaction.
    with pytest.raises(OverLimit) as refused:
        store.add_statements([_answer(duplicate.id, rng)], limit=_limit(duplicate.id, storage=final[keep.id]))
    assert refused.value.full and refused.value.total == final[keep.id]
    minute = UsageLimit(duplicate.id, 1, datetime.now(UTC) - timedelta(minutes=1), 1, 10**6)
    with pytest.raises(OverLimit) as refused:
        store.add_statements([_answer(duplicate.id, rng)], limit=minute)
    assert not refused.value.full and refused.value.recent >= 1
    room = final[keep.id] + 1
    one, other = (
        store.add_statements_together([_answer(who.id, rng)], limit=_limit(who.id, storage=room))
        for who in (keep, duplicate)
    )
    outcomes = []
    for future in (one, other):
        try:
            outcomes.append(future.result(timeout=30))
        except OverLimit as e:
            outcomes.append(e)
    assert sorted(isinstance(o, OverLimit) for o in outcomes) == [False, True]  # room for one of the two
    assert _agree(store)[keep.id] == room


def test_the_migration_counts_the_statements_already_stored(store):
    """Migration 0011 on a database that has statements: each learner gets their count (taken back to 0010,
    which has no counts, then upgraded again)."""
    from alembic import command

    from quizlib.results.store import engine as store_engine

    rng = random.Random(3)
    trainer = store.add_staff("Tess", "trainer", "hash")
    cohort = store.add_cohort("North", trainer.id)
    ana, ben, cy = (store.add_learner(cohort.id, name)[0] for name in ("Ana", "Ben", "Cy"))
    store.add_statements([_answer(ana.id, rng) for _ in range(5)] + [_answer(ben.id, rng) for _ in range(2)])
    with store.engine.connect() as conn:
        command.downgrade(store_engine._alembic_config(conn), "0010")
        conn.commit()
    with store.engine.connect() as conn:
        assert "statements_stored" not in {c["name"] for c in sa.inspect(conn).get_columns("learners")}
    store_engine.upgrade(store.engine)
    assert _agree(store) == {ana.id: 5, ben.id: 2, cy.id: 0}


def test_a_merge_and_a_write_for_the_same_learner_never_deadlock(store, monkeypatch):
    """A merge and answers for the kept learner's ongoing attempt, at the same time (on PostgreSQL, each
    transaction locks rows the other wants): both take the learners' rows first, in one order, so one waits for
    the other and neither fails. The write goes the way that is not tried again, so a deadlock would show."""
    import threading
    import time

    import quizlib.results.store as store_module

    rng = random.Random(4)
    trainer = store.add_staff("Tess", "trainer", "hash")
    cohort = store.add_cohort("North", trainer.id)
    keep, duplicate = (store.add_learner(cohort.id, name)[0] for name in ("Kim", "Kim again"))
    ongoing = _answer(keep.id, rng)
    store.add_statements([ongoing, _answer(duplicate.id, rng)])
    slow = store_module._recount_begun

    def recount_slowly(conn, learner_ids):
        time.sleep(1.0)  # the merge holds its locks a while
        slow(conn, learner_ids)

    monkeypatch.setattr(store_module, "_recount_begun", recount_slowly)
    failed: list[BaseException] = []

    def merge() -> None:
        try:
            store.merge_learners(keep.id, duplicate.id)
        except BaseException as e:  # noqa: BLE001 (reported below)
            failed.append(e)

    merging = threading.Thread(target=merge)
    merging.start()
    time.sleep(0.3)
    more = dataclasses.replace(_answer(keep.id, rng), attempt_id=ongoing.attempt_id)
    try:
        store.add_statements([more], also=lambda conn: None)
    except BaseException as e:  # noqa: BLE001
        failed.append(e)
    merging.join(timeout=60)
    assert failed == []
    assert _agree(store) == {keep.id: 3, duplicate.id: 0}
