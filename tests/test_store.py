"""store.py on real databases: a SQLite file and a real PostgreSQL server (see tests/server_fixtures.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from quizlib.results.source import ReportSource
from quizlib.results.store import (
    DuplicateName,
    NotFound,
    SchemaNotCurrent,
    StatementConflict,
    StatementRecord,
    Store,
    current_revision,
    head_revision,
    make_engine,
    upgrade,
)

QUIZLIB = str(Path(sys.executable).with_name("quizlib"))


def _record(learner_id: str, **over) -> StatementRecord:
    sid = over.pop("id", str(uuid.uuid4()))
    values = {
        "id": sid,
        "learner_id": learner_id,
        "verb": "answered",
        "quiz_id": "sensitivity",
        "question_id": "q1",
        "attempt_id": str(uuid.uuid4()),
        "try_number": 1,
        "timestamp": datetime.now(UTC),
        "statement": {"id": sid, "note": "stored"},
        "received": {"id": sid, "note": "as sent"},
        "credit": 1.0,
        "final": True,
        "detail": {"response": "a"},
    }
    values.update(over)
    return StatementRecord(**values)


def _people(store: Store):
    trainer = store.add_staff("Tess Trainer", "trainer", "hash")
    cohort = store.add_cohort("Spring", trainer.id)
    learner, token = store.add_learner(cohort.id, "Bea")
    return trainer, cohort, learner, token


def test_a_new_database_is_made_by_the_migrations_and_upgrading_again_changes_nothing(database_url):
    s = Store(database_url)
    with pytest.raises(SchemaNotCurrent, match="quizlib db upgrade"):
        s.check_schema()
    s.upgrade()
    s.upgrade()
    s.check_schema()
    assert current_revision(s.engine) == head_revision()
    assert len(s.session_secret()) == 32
    s.close()


def test_an_existing_database_upgrades_in_place_without_losing_data(database_url):
    """Data written under the first schema (0001) is all there after upgrading to the newest."""
    engine = make_engine(database_url)
    upgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    now = datetime.now(UTC)
    with engine.begin() as c:
        secret = c.execute(sa.text("SELECT value FROM quizlib_settings WHERE key = 'session_secret'")).scalar_one()
        c.execute(sa.text("INSERT INTO staff VALUES ('s1', 'Old Trainer', 'trainer', 'h', false, 0, :t)"), {"t": now})
        c.execute(sa.text("INSERT INTO cohorts VALUES ('c1', 'Old cohort', 'oldcode', 's1', :t)"), {"t": now})
        c.execute(sa.text("INSERT INTO learners VALUES ('l1', 'c1', 'Old Learner', 'tokenhash', :t)"), {"t": now})
        c.execute(
            sa.text(
                "INSERT INTO statements (id, learner_id, verb, quiz_id, attempt_id, timestamp, stored, detail, "
                "received, statement) VALUES ('00000000-0000-4000-8000-000000000001', 'l1', 'answered', "
                "'sensitivity', 'a1', :t, :t, '{}', '{}', '{\"id\": \"x\"}')"
            ),
            {"t": now},
        )
        # Two finished attempts, the second sent first: only their detail JSON held the questions' results.
        for sid, attempt, when, percentage, detail in (
            (
                "00000000-0000-4000-8000-000000000003",
                "a3",
                now + timedelta(hours=1),
                50.0,
                json.dumps(
                    {
                        "quiz_passed": False,
                        "questions": [
                            {
                                "question_id": "q1",
                                "credit": 0.5,
                                "max_points": 2.0,
                                "first_response": {"p": "x", "o": "y"},
                                "kind": "matching",
                            },
                            {
                                "question_id": "q2",
                                "credit": 0.0,
                                "max_points": 1.0,
                                "first_response": None,
                                "kind": "numeric",
                            },
                        ],
                    }
                ),
            ),
            (
                "00000000-0000-4000-8000-000000000002",
                "a2",
                now,
                100.0,
                json.dumps(
                    {
                        "quiz_passed": True,
                        "questions": [
                            {
                                "question_id": "q1",
                                "credit": 1.0,
                                "max_points": 2.0,
                                "first_response": ["a", "b"],
                                "kind": "ordering",
                            }
                        ],
                    }
                ),
            ),
        ):
            c.execute(
                sa.text(
                    "INSERT INTO statements (id, learner_id, verb, quiz_id, attempt_id, timestamp, stored, "
                    "percentage, passed, detail, received, statement) VALUES (:id, 'l1', 'completed', "
                    "'sensitivity', :a, :t, :t, :p, true, :d, '{}', '{}')"
                ),
                {"id": sid, "a": attempt, "t": when, "p": percentage, "d": detail},
            )
    engine.dispose()

    s = Store(database_url)
    s.upgrade()
    s.check_schema()
    learner = s.learner("l1")
    assert learner.display_name == "Old Learner" and learner.email is None
    assert s.cohort("c1").name == "Old cohort"
    old_trainer = s.staff_by_name("Old Trainer")
    assert old_trainer.role == "trainer" and old_trainer.active  # 0004: accounts made before are active
    assert not s.set_active(old_trainer.id, False).active  # and the new column works
    assert [st.id for st in s.statements(learner_id="l1")] == [
        f"00000000-0000-4000-8000-00000000000{i}" for i in (1, 2, 3)
    ]
    assert s.session_secret().hex() == secret  # sessions signed before the upgrade stay valid
    assert s.set_learner_email("l1", "old@example.org").email == "old@example.org"  # the new column works
    # Migration 0003 filled the result tables from the finished attempts stored before it.
    assert [
        (a.attempt_id, a.attempt_number, a.percentage, a.passed, a.cohort) for a in ReportSource(s).attempt_scores()
    ] == [("a2", 1, 100.0, True, "c1"), ("a3", 2, 50.0, False, "c1")]
    assert [
        (q.attempt_id, q.attempt_number, q.question_id, q.credit, q.max_points, q.first_response, q.kind)
        for q in ReportSource(s).question_scores()
    ] == [
        ("a2", 1, "q1", 1.0, 2.0, ["a", "b"], "ordering"),
        ("a3", 2, "q1", 0.5, 2.0, {"p": "x", "o": "y"}, "matching"),
        ("a3", 2, "q2", 0.0, 1.0, None, "numeric"),
    ]
    assert [q.attempt_id for q in ReportSource(s).question_scores(first_only=True)] == ["a2"]
    s.close()


def test_people_cohorts_and_assignments(store):
    trainer, cohort, learner, token = _people(store)
    assert store.learner_by_token(token) == learner
    assert store.learner_by_token("not-a-token") is None
    assert store.cohort_by_code(cohort.code.upper()) == cohort  # codes are read aloud: case does not matter
    with pytest.raises(DuplicateName, match="already a staff account"):
        store.add_staff("Tess Trainer", "lead", "hash")
    a = store.add_assignment(
        cohort.id,
        title="First",
        chapters=["chapters/02-sensitivity"],
        quiz_ids=["sensitivity"],
        include_final=False,
        pass_mark=70,
        due_date=date(2027, 1, 31),
    )
    assert store.assignments(cohort.id) == [a] and a.due_date == date(2027, 1, 31)
    with pytest.raises(ValueError, match="0 to 100"):
        store.add_assignment(
            cohort.id, title="x", chapters=[], quiz_ids=["q"], include_final=False, pass_mark=120, due_date=None
        )
    other = store.add_staff("Other", "trainer", "hash")
    store.add_cohort("Autumn", other.id)
    assert [c.name for c in store.cohorts(trainer.id)] == ["Spring"]
    assert len(store.cohorts()) == 2


def test_the_token_itself_is_never_stored(store):
    _, _, _learner, token = _people(store)
    with store.engine.connect() as c:
        rows = c.execute(sa.text("SELECT * FROM learners")).all()
    assert token not in repr(rows)


def test_statements_are_stored_once_by_id_and_conflicts_are_refused(store):
    _, _, learner, _ = _people(store)
    first = _record(learner.id)
    assert store.add_statements([first]) == [True]
    assert store.add_statements([first]) == [False]  # a resend
    assert store.add_statements([first, first]) == [False, False]
    changed = _record(learner.id, id=first.id, received={"id": first.id, "note": "different"})
    with pytest.raises(StatementConflict) as info:
        store.add_statements([_record(learner.id), changed])
    assert info.value.ids == [first.id]
    assert store.count_statements() == 1  # the batch with a conflict stored nothing
    stored = store.statement(first.id)
    assert stored.statement["stored"].endswith("Z") and stored.statement["note"] == "stored"
    assert stored.timestamp.tzinfo is not None


def test_a_learners_data_is_exported_and_deleted(store):
    _, cohort, learner, _ = _people(store)
    other, _ = store.add_learner(cohort.id, "Cy")
    store.add_statements([_record(learner.id), _record(learner.id), _record(other.id)])
    exported = store.export_learner(learner.id)
    assert exported["learner"]["display_name"] == "Bea" and len(exported["statements"]) == 2
    assert store.delete_learner(learner.id) == 2
    with pytest.raises(NotFound):
        store.learner(learner.id)
    assert [s.learner_id for s in store.statements()] == [other.id]


def test_report_records_come_from_finished_attempts(store):
    _, cohort, learner, _ = _people(store)
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    questions = [
        {"question_id": "q1", "credit": 1.0, "max_points": 1.0, "first_response": "a", "kind": "single_choice"},
        {"question_id": "q2", "credit": 0.5, "max_points": 2.0, "first_response": ["x"], "kind": "multiple_response"},
    ]
    attempts = [str(uuid.uuid4()) for _ in range(2)]
    store.add_statements(
        [
            _record(
                learner.id,
                attempt_id=attempts[1],
                verb="completed",
                question_id=None,
                try_number=None,
                percentage=40.0,
                passed=True,
                timestamp=t0 + timedelta(days=2),
                detail={"questions": questions, "quiz_passed": False},
            ),
            _record(
                learner.id,
                attempt_id=attempts[0],
                verb="completed",
                question_id=None,
                try_number=None,
                percentage=100.0,
                passed=True,
                timestamp=t0,
                detail={"questions": questions, "quiz_passed": True},
            ),
            _record(learner.id, attempt_id=str(uuid.uuid4())),  # an answer in an unfinished attempt
        ]
    )
    scores = ReportSource(store).attempt_scores()
    assert [(a.attempt_id, a.attempt_number, a.percentage, a.passed) for a in scores] == [
        (attempts[0], 1, 100.0, True),
        (attempts[1], 2, 40.0, False),
    ]
    assert scores[0].cohort == cohort.id
    qs = ReportSource(store).question_scores(quiz_id="sensitivity")
    assert len(qs) == 4 and {q.attempt_number for q in qs} == {1, 2}
    assert qs[1].first_response == ["x"] and qs[1].max_points == 2.0
    assert len(ReportSource(store).started()) == 1
    assert ReportSource(store).enrolments()[0].display_name == "Bea"


def test_sqlite_commits_are_durable(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    with s.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    s.close()


def test_postgresql_urls_use_psycopg_3(postgres):
    s = Store(postgres.url("postgres").replace("postgresql+psycopg://", "postgresql://"))
    assert s.engine.dialect.driver == "psycopg"
    with s.engine.connect() as c:
        assert c.exec_driver_sql("SELECT 1").scalar() == 1
    s.close()


@pytest.mark.slow  # runs the quizlib command in subprocesses
def test_cli_db_upgrade_and_create_lead(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    up = subprocess.run([QUIZLIB, "db", "upgrade", "--database", url], capture_output=True, text=True, check=True)
    assert "empty -> " in up.stdout
    made = subprocess.run(
        [QUIZLIB, "create-lead", "Ada Lead", "--database", url], capture_output=True, text=True, check=True
    )
    password = made.stdout.strip().splitlines()[-1]
    s = Store(url)
    lead = s.staff_by_name("Ada Lead")
    from quizlib.results.store.passwords import verify_password

    assert lead.role == "lead" and lead.must_change_password and verify_password(lead.password_hash, password)
    s.close()
    twice = subprocess.run(
        [QUIZLIB, "create-lead", "Ada Lead", "--database", url], check=False, capture_output=True, text=True
    )
    assert twice.returncode == 1 and "already a staff account" in twice.stderr and "Traceback" not in twice.stderr


def test_the_orm_and_the_migrations_describe_the_same_schema(database_url):
    """What the ORM declares (tables, columns, types, indexes) is what the migrations make, on each database."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from quizlib.results.store.rows import Base

    store = Store(database_url)
    store.upgrade()
    with store.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    store.close()
    assert differences == []
