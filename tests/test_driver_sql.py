"""The statements' hot path runs plain SQL on the driver's cursor (:mod:`quizlib.results.store.driver`): what it
stores is what SQLAlchemy stores for the same rows, value for value, on SQLite and on PostgreSQL, and what it
reads (learners, stored ids, usage counts) is what SQLAlchemy's queries read."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from record_helpers import answered

from quizlib.results.store import StatementRecord, driver, recount_statements_stored
from quizlib.results.store.rows import LearnerRow, StatementRow

T0 = datetime(2027, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
CET = timezone(timedelta(hours=1))


def _rows(learner_id: str, n: int) -> list[dict]:
    """Statement rows with every kind of value the columns hold: None, booleans, floats, nested JSON, text
    beyond ASCII, times in another zone and with microseconds."""
    out = []
    for i in range(n):
        answered = i % 3 != 2
        out.append(
            {
                "id": str(uuid.uuid4()),
                "learner_id": learner_id,
                "verb": "answered" if answered else "completed",
                "quiz_id": "sensitivity",
                "question_id": f"q{i}" if answered else None,
                "attempt_id": str(uuid.uuid4()),
                "try_number": 1 + i % 2 if answered else None,
                "registration": None if i % 2 else str(uuid.uuid4()),
                "timestamp": (T0 + timedelta(seconds=i, microseconds=7 * i)).astimezone(CET if i % 2 else UTC),
                "stored": T0 + timedelta(minutes=1),
                "credit": [0.0, 0.5, 1.0, None][i % 4],
                "final": [True, False, None][i % 3],
                "percentage": None if answered else 66.6667,
                "passed": None if answered else bool(i % 2),
                "detail": {"response": ["a", "b"] if i % 2 else "a", "try_credit": 0.25, "note": "é – “x”"},
                "received": json.dumps({"id": str(i), "text": "naïve – ok"}, ensure_ascii=False),
                "statement": {"id": str(i), "nested": {"list": [1, 2.5, None, True]}, "text": "Ünïcode"},
            }
        )
    return out


def _raw_rows(conn: sa.Connection, ids: list[str]) -> list[tuple]:
    """The rows of ``ids`` as the driver returns them (SQLite: the stored text itself), without the id."""
    cursor = conn.connection.cursor()
    try:
        marks = ", ".join(["?" if conn.dialect.paramstyle == "qmark" else "%s"] * len(ids))
        columns = [c.name for c in StatementRow.__table__.columns if c.name != "id"]
        cursor.execute(
            f"SELECT id, {', '.join(conn.dialect.identifier_preparer.quote(c) for c in columns)} "
            f"FROM statements WHERE id IN ({marks})",
            ids,
        )
        by_id = {row[0]: tuple(row[1:]) for row in cursor.fetchall()}
    finally:
        cursor.close()
    return [by_id[i] for i in ids]


def test_rows_the_driver_stores_are_the_rows_sqlalchemy_stores(store):
    trainer = store.add_staff("Tess", "trainer", "x")
    cohort = store.add_cohort("Spring", trainer.id)
    learner, _ = store.add_learner(cohort.id, "Ana")
    by_sqlalchemy = _rows(learner.id, 12)
    by_driver = [dict(row, id=str(uuid.uuid4())) for row in by_sqlalchemy]
    table = StatementRow.__table__
    with store.engine.begin() as conn:
        conn.execute(sa.insert(table), by_sqlalchemy)
        sql = driver.for_dialect(conn.dialect)
        cursor = conn.connection.cursor()
        sql.insert(cursor, table, by_driver)
        cursor.close()
    outbox = driver.OUTBOX
    queued = {"queued_at": T0.astimezone(CET), "state": "pending", "attempts": 0}
    with store.engine.begin() as conn:
        conn.execute(sa.insert(outbox), [{"statement_id": r["id"], **queued} for r in by_sqlalchemy])
        cursor = conn.connection.cursor()
        driver.for_dialect(conn.dialect).insert(
            cursor, outbox, [{"statement_id": r["id"], **queued} for r in by_driver]
        )
        cursor.close()
    with store.engine.connect() as conn:
        cursor = conn.connection.cursor()
        cursor.execute("SELECT statement_id, queued_at, state, attempts FROM lrs_outbox")
        queued_rows = {row[0]: tuple(row[1:]) for row in cursor.fetchall()}
        cursor.close()
        assert [queued_rows[r["id"]] for r in by_driver] == [queued_rows[r["id"]] for r in by_sqlalchemy]
        first = _raw_rows(conn, [r["id"] for r in by_sqlalchemy])
        second = _raw_rows(conn, [r["id"] for r in by_driver])
        assert second == first
        if conn.dialect.name == "sqlite":  # the very text: times as SQLAlchemy writes them, in UTC
            assert first[1][7] == "2027-03-01 09:30:16.123463"
    # And SQLAlchemy reads them back alike (zones, JSON, booleans).
    with store.engine.connect() as conn:
        for a, b in zip(by_sqlalchemy, by_driver):
            got_a = conn.execute(sa.select(table).where(table.c.id == a["id"])).one()._asdict()
            got_b = conn.execute(sa.select(table).where(table.c.id == b["id"])).one()._asdict()
            assert {**got_a, "id": None} == {**got_b, "id": None}
            assert got_b["timestamp"] == a["timestamp"] and got_b["statement"] == a["statement"]


def test_what_the_driver_reads_is_what_sqlalchemy_reads(store):
    trainer = store.add_staff("Tess", "trainer", "x")
    cohort = store.add_cohort("Spring", trainer.id)
    ana, _ = store.add_learner(cohort.id, "Ana")
    ben, _ = store.add_learner(cohort.id, "Ben")
    store.merge_learners(ana.id, ben.id)
    rows = _rows(ana.id, 9)
    for i, row in enumerate(rows):
        row["stored"] = T0 + timedelta(seconds=10 * i)
    table = StatementRow.__table__
    with store.engine.begin() as conn:
        conn.execute(sa.insert(table), rows)  # written without the store: the learners' counts are set after
        recount_statements_stored(conn)
    with store.engine.connect() as conn:
        sql = driver.for_dialect(conn.dialect)
        cursor = conn.connection.cursor()
        assert conn.execute(sa.select(LearnerRow.statements_stored).where(LearnerRow.id == ana.id)).scalar() == 9
        assert sql.merged_into(cursor, [ana.id, ben.id, "nobody"]) == {ana.id: None, ben.id: ana.id}
        wanted = [rows[0]["id"], rows[5]["id"], str(uuid.uuid4())]
        assert sql.received(cursor, wanted) == {r["id"]: r["received"] for r in (rows[0], rows[5])}
        for since in (T0 - timedelta(days=1), T0 + timedelta(seconds=35), T0.astimezone(CET), T0 + timedelta(days=1)):
            total = conn.execute(sa.select(sa.func.count()).where(table.c.learner_id == ana.id)).scalar()
            recent = conn.execute(
                sa.select(sa.func.count()).where(
                    table.c.learner_id == ana.id, table.c.stored >= since, table.c.verb.in_(driver.OWN_VERBS)
                )
            ).scalar()
            assert sql.usage(cursor, ana.id, since) == (total, recent)
        # Ben was merged into Ana: what he sends is stored as hers, and counted with hers.
        assert sql.usage(cursor, ben.id, T0) == (9, 9)
        # The three in one query (the ingest's way) read the same.
        since = {ana.id: T0 + timedelta(seconds=35), ben.id: T0}
        assert sql.look_up(cursor, [ana.id, ben.id, "nobody"], wanted, since) == (
            sql.merged_into(cursor, [ana.id, ben.id, "nobody"]),
            sql.received(cursor, wanted),
            {ana.id: (9, 5), ben.id: (9, 9)},
        )
        assert sql.look_up(cursor, [ana.id], [], {}) == ({ana.id: None}, {}, {})
        cursor.close()
    assert store.learner_usage(ana.id, T0 + timedelta(seconds=35)) == (9, 5)  # stored at 40 s to 80 s


def test_begun_attempts_keep_the_earliest_answer(store):
    trainer = store.add_staff("Tess", "trainer", "x")
    cohort = store.add_cohort("Spring", trainer.id)
    ana, _ = store.add_learner(cohort.id, "Ana")
    attempt = str(uuid.uuid4())
    key = (ana.id, "sensitivity", attempt)
    begun = driver.BEGUN
    for at in (T0, T0 + timedelta(minutes=5), T0 - timedelta(seconds=1), T0.astimezone(CET)):
        with store.engine.begin() as conn:
            cursor = conn.connection.cursor()
            driver.for_dialect(conn.dialect).note_begun(cursor, {key: at})
            cursor.close()
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(begun.c.attempt_id, begun.c.first_at)).all()
    assert rows == [(attempt, T0 - timedelta(seconds=1))]


def _answer(learner_id: str) -> StatementRecord:
    return answered(learner_id, datetime.now(UTC), detail={"response": "a"})


def test_the_group_writer_keeps_its_connection_and_stores_on_when_postgresql_ends_it(store):
    """The writer keeps its connection between transactions; when PostgreSQL ends that connection (as on a
    restart), the next answers are stored all the same, on a fresh one, and none is lost."""
    trainer = store.add_staff("Tess", "trainer", "x")
    cohort = store.add_cohort("Spring", trainer.id)
    ana, _ = store.add_learner(cohort.id, "Ana")
    first = [_answer(ana.id) for _ in range(3)]
    assert store.add_statements_together(first).result(timeout=30) == [True] * 3
    kept = store._held
    assert kept is not None  # kept for the next group
    assert store.add_statements_together([_answer(ana.id)]).result(timeout=30) == [True]
    assert store._held is kept
    if store.backend == "postgresql":
        with store.engine.connect() as conn:  # end every other connection to this database
            ended = conn.execute(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar()
            conn.commit()
        assert ended >= 1
    after = [_answer(ana.id) for _ in range(2)]
    assert store.add_statements_together(after).result(timeout=30) == [True, True]
    assert store.statement_ids(r.id for r in first + after) == {r.id for r in first + after}
    assert store.count_statements() == 6


def test_many_ids_are_looked_up_in_several_queries_alike(store):
    trainer = store.add_staff("Tess", "trainer", "x")
    cohort = store.add_cohort("Spring", trainer.id)
    ana, _ = store.add_learner(cohort.id, "Ana")
    rows = _rows(ana.id, 6)
    with store.engine.begin() as conn:
        conn.execute(sa.insert(StatementRow.__table__), rows)
        recount_statements_stored(conn)
    wanted = [r["id"] for r in rows] + [str(uuid.uuid4()) for _ in range(driver.MAX_BOUND)]
    with store.engine.connect() as conn:
        sql = driver.for_dialect(conn.dialect)
        cursor = conn.connection.cursor()
        many = sql.look_up(cursor, [ana.id], wanted, {ana.id: T0})
        few = sql.look_up(cursor, [ana.id], wanted[:6], {ana.id: T0})
        cursor.close()
    assert many == few == ({ana.id: None}, {r["id"]: r["received"] for r in rows}, {ana.id: (6, 6)})


def test_storing_from_another_thread_leaves_the_writers_connection_alone(store):
    trainer = store.add_staff("Tess", "trainer", "x")
    cohort = store.add_cohort("Spring", trainer.id)
    ana, _ = store.add_learner(cohort.id, "Ana")
    assert store.add_statements_together([_answer(ana.id)]).result(timeout=30) == [True]
    kept = store._held
    assert kept is not None
    assert store.add_statements([_answer(ana.id), _answer(ana.id)]) == [True, True]  # this thread's own
    assert store._held is kept
    assert store.add_statements_together([_answer(ana.id)]).result(timeout=30) == [True]
    assert store._held is kept and store.count_statements() == 4


def test_a_database_error_on_the_hot_path_is_raised_as_sqlalchemy_raises_it(store):
    """Callers (the command line) tell a locked or unreachable database by SQLAlchemy's classes."""
    trainer = store.add_staff("Tess", "trainer", "x")
    cohort = store.add_cohort("Spring", trainer.id)
    ana, _ = store.add_learner(cohort.id, "Ana")
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE lrs_outbox RENAME TO lrs_outbox_gone")
    with pytest.raises(sa.exc.DBAPIError, match="lrs_outbox") as raised:
        store.add_statements([_answer(ana.id)])
    assert isinstance(raised.value.orig, store.engine.dialect.dbapi.Error)
    with pytest.raises(sa.exc.DBAPIError):
        store.add_statements_together([_answer(ana.id)]).result(timeout=30)
    assert store.count_statements() == 0  # rolled back: the statements went in before the outbox failed
