"""results.py: report records read from the narrow result tables are exactly the records the store made
before those tables existed (by decoding every completed statement), on SQLite and PostgreSQL, and
migration 0003 fills the tables from statements stored earlier exactly as the write path would have."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from quizlib.quiz.load import load_course
from quizlib.results import demo, report
from quizlib.results.report import AttemptScore, QuestionScore
from quizlib.results.source import ReportSource, ResponseDecoder
from quizlib.results.store import StatementRecord, Store, current_revision, head_revision, make_engine, upgrade

KINDS_QUIZZES = Path(__file__).resolve().parent / "data" / "course" / "quizzes"  # every question kind
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
OLD_TABLES = ("staff", "cohorts", "assignments", "learners", "statements")  # in the order their keys need


@pytest.fixture(scope="module")
def kinds_course():
    return load_course(KINDS_QUIZZES)


@pytest.fixture(scope="module")
def demo_data(kinds_course):
    data = demo.generate(kinds_course, seed=28, now=NOW, cohorts=3, learners_per_cohort=7)
    assert max(data.finished_numbers().values()) >= 3  # retakes, so attempt numbers are tested
    return data


@pytest.fixture
def demo_store(database_url, kinds_course, demo_data):
    store = Store(database_url)
    store.upgrade()
    demo.fill(store, kinds_course, demo_data)
    yield store
    store.close()


@pytest.fixture
def second_database_url(database_url, request, tmp_path) -> str:
    """Another empty database on the same backend as ``database_url``."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'second.sqlite3'}"
    return request.getfixturevalue("postgres").create_database()


def records_as_before(store: Store, *, cohort_id: str | None = None, quiz_id: str | None = None):
    """(attempts, questions) as ``Store`` made them before migration 0003: every completed statement's
    ``detail`` decoded, ordered by learner, quiz, time and id, attempts numbered as they come (with the time
    spent that the detail records from migration 0008 on)."""
    cohort_of = {learner.id: learner.cohort_id for learner in store.learners()}
    completed = [
        s
        for s in store.statements(verb="completed")  # by (timestamp, id)
        if (cohort_id is None or cohort_of[s.learner_id] == cohort_id) and (quiz_id is None or s.quiz_id == quiz_id)
    ]
    completed.sort(key=lambda s: (s.learner_id, s.quiz_id))  # stable, so (learner, quiz, timestamp, id)
    number: dict[tuple[str, str], int] = {}
    attempts, questions = [], []
    for s in completed:
        key = (s.learner_id, s.quiz_id)
        number[key] = n = number.get(key, 0) + 1
        attempts.append(
            AttemptScore(
                learner=s.learner_id,
                cohort=cohort_of[s.learner_id],
                quiz_id=s.quiz_id,
                attempt_id=s.attempt_id,
                attempt_number=n,
                percentage=s.percentage,
                passed=bool(s.detail.get("quiz_passed", s.passed)),
                completed_at=s.timestamp,
                duration=s.detail.get("duration"),
            )
        )
        for q in s.detail.get("questions", ()):
            questions.append(
                QuestionScore(
                    learner=s.learner_id,
                    cohort=cohort_of[s.learner_id],
                    quiz_id=s.quiz_id,
                    attempt_id=s.attempt_id,
                    attempt_number=n,
                    question_id=q["question_id"],
                    credit=q["credit"],
                    max_points=q["max_points"],
                    first_response=q.get("first_response"),
                    kind=q["kind"],
                    duration=q.get("duration"),
                )
            )
    return attempts, questions


def by_quiz(records: list) -> list:
    """The same records in the store's order now: by quiz, then learner (a stable sort keeps the rest)."""
    return sorted(records, key=lambda r: (r.quiz_id, r.learner))


def _types(questions: list[QuestionScore]) -> list[tuple[type, ...]]:
    # Records compare by value, where 1 == 1.0 == True; CSV exports would still show the difference.
    return [(type(q.first_response), type(q.credit), type(q.max_points)) for q in questions]


def test_the_records_are_exactly_those_the_store_made_before(demo_store, kinds_course):
    attempts, questions = records_as_before(demo_store)
    assert len(questions) > 200 and {q.kind for q in questions} >= {
        "single_choice",
        "multiple_response",
        "numeric",
        "matching",
        "ordering",
        "vignette",
    }
    assert len({q.quiz_id for q in questions}) > 1 and by_quiz(questions) != questions  # so the order is tested
    assert ReportSource(demo_store).attempt_scores() == by_quiz(attempts)
    new_questions = ReportSource(demo_store).question_scores()
    assert new_questions == by_quiz(questions) and _types(new_questions) == _types(by_quiz(questions))
    firsts = [q for q in questions if q.attempt_number == 1]
    assert len(firsts) < len(questions)
    assert list(ReportSource(demo_store).iter_question_scores(first_only=True)) == by_quiz(firsts)
    assert list(ReportSource(demo_store).iter_attempt_scores(first_only=True)) == by_quiz(
        [a for a in attempts if a.attempt_number == 1]
    )
    for cohort in demo_store.cohorts():
        old_attempts, old_questions = records_as_before(demo_store, cohort_id=cohort.id)
        assert ReportSource(demo_store).question_scores(cohort_id=cohort.id) == by_quiz(old_questions)
        assert ReportSource(demo_store).attempt_scores(cohort_id=cohort.id, first_only=True) == by_quiz(
            [a for a in old_attempts if a.attempt_number == 1]
        )
    for quiz in kinds_course.quizzes:
        old_attempts, old_questions = records_as_before(demo_store, quiz_id=quiz)
        assert ReportSource(demo_store).question_scores(quiz_id=quiz, first_only=True) == [
            q for q in old_questions if q.attempt_number == 1
        ]
        assert ReportSource(demo_store).attempt_scores(quiz_id=quiz) == old_attempts
    # The item analysis the lead's page streams equals the one made before from every attempt's records.
    streamed = report.analyse_items(
        ReportSource(demo_store).iter_question_scores(first_only=True),
        kinds_course,
        attempts=ReportSource(demo_store).iter_attempt_scores(first_only=True),
    )
    assert streamed == report.analyse_items(questions, kinds_course, attempts=attempts)
    assert streamed.items and streamed.responses


def test_an_attempt_that_arrives_late_takes_its_place_and_ties_go_by_statement_id(store_with_learner):
    store, learner = store_with_learner
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    ids = sorted(str(uuid.uuid4()) for _ in range(3))

    def finished(statement_id, when, percentage):
        return StatementRecord(
            id=statement_id,
            learner_id=learner.id,
            verb="completed",
            quiz_id="sensitivity",
            attempt_id=str(uuid.uuid4()),
            timestamp=when,
            statement={},
            received={"id": statement_id},
            percentage=percentage,
            passed=percentage >= 50,
            detail={
                "questions": [
                    {
                        "question_id": "q1",
                        "credit": percentage / 100,
                        "max_points": 1.0,
                        "first_response": "a",
                        "kind": "single_choice",
                    }
                ]
            },
        )

    store.add_statements([finished(ids[2], t0, 30.0), finished(ids[1], t0 + timedelta(days=1), 60.0)])
    store.add_statements([finished(ids[0], t0, 90.0)])  # sent later from an offline browser, finished as early
    assert [(a.percentage, a.attempt_number) for a in ReportSource(store).attempt_scores()] == [
        (90.0, 1),
        (30.0, 2),
        (60.0, 3),
    ]
    assert [(q.credit, q.attempt_number) for q in ReportSource(store).question_scores()] == [
        (0.9, 1),
        (0.3, 2),
        (0.6, 3),
    ]
    assert [q.credit for q in ReportSource(store).question_scores(first_only=True)] == [0.9]


@pytest.fixture
def store_with_learner(database_url):
    store = Store(database_url)
    store.upgrade()
    trainer = store.add_staff("Tess", "trainer", "hash")
    learner, _ = store.add_learner(store.add_cohort("Spring", trainer.id).id, "Bea")
    yield store, learner
    store.close()


def test_deleting_a_learner_deletes_their_results(demo_store):
    attempts, questions = ReportSource(demo_store).attempt_scores(), ReportSource(demo_store).question_scores()
    leaving = questions[0].learner
    demo_store.delete_learner(leaving)
    assert ReportSource(demo_store).question_scores() == [q for q in questions if q.learner != leaving]
    assert ReportSource(demo_store).attempt_scores() == [a for a in attempts if a.learner != leaving]
    with demo_store.engine.connect() as c:
        orphans = c.execute(
            sa.text(
                "SELECT count(*) FROM attempt_results a WHERE NOT EXISTS "
                "(SELECT 1 FROM statements s WHERE s.id = a.statement_id)"
            )
        ).scalar()
        questions_left = c.execute(sa.text("SELECT count(*) FROM question_results")).scalar()
    assert orphans == 0 and questions_left == len([q for q in questions if q.learner != leaving])


def _copy_tables(source: sa.Engine, target: sa.Engine, tables) -> None:
    """Copy rows table by table, only the columns the (older) target schema has."""
    with source.connect() as src, target.begin() as dst:
        for name in tables:
            old = sa.Table(name, sa.MetaData(), autoload_with=dst)
            new = sa.Table(name, sa.MetaData(), autoload_with=src)
            rows = [dict(r._mapping) for r in src.execute(sa.select(*[new.c[c.name] for c in old.columns]))]
            if rows:
                dst.execute(old.insert(), rows)


def _result_tables(engine: sa.Engine) -> dict[str, list[tuple]]:
    """Every row of the result tables, without the time spent (migration 0008), which no statement stored
    before 0008 can have had, and which the write path records from this version on."""
    with engine.connect() as c:
        out = {}
        for name in ("attempt_results", "question_results"):
            columns = [
                col.name for col in sa.Table(name, sa.MetaData(), autoload_with=c).columns if col.name != "duration"
            ]
            out[name] = sorted(tuple(r) for r in c.execute(sa.text(f"SELECT {', '.join(columns)} FROM {name}")))
        return out


def _timeless(records: list) -> list:
    return [dataclasses.replace(r, duration=None) for r in records]


def test_migration_0003_fills_the_result_tables_as_the_write_path_does(demo_store, second_database_url):
    """A database made before 0003 (demo data copied into schema 0002) upgrades in place to the same rows."""
    old = make_engine(second_database_url)
    upgrade(old, "0002")
    _copy_tables(demo_store.engine, old, OLD_TABLES)
    old.dispose()

    upgraded = Store(second_database_url)
    upgraded.upgrade()
    assert current_revision(upgraded.engine) == head_revision()
    try:
        assert upgraded.count_statements() == demo_store.count_statements()
        assert _result_tables(upgraded.engine) == _result_tables(demo_store.engine)
        # Time spent is recorded from migration 0008 on: a database from before it has none to fill in.
        assert (
            _timeless(ReportSource(upgraded).question_scores())
            == _timeless(ReportSource(demo_store).question_scores())
            == _timeless(by_quiz(records_as_before(upgraded)[1]))
        )
        assert _timeless(ReportSource(upgraded).attempt_scores()) == _timeless(
            ReportSource(demo_store).attempt_scores()
        )
        assert {a.duration for a in ReportSource(upgraded).attempt_scores()} == {None}
    finally:
        upgraded.close()


def test_the_response_decoder_never_hands_two_records_the_same_list():
    decode = ResponseDecoder(limit=2)
    first, second = decode('["a","b"]'), decode('["a","b"]')
    assert first == second == ["a", "b"] and first is not second
    assert decode('{"p1":"x"}') == {"p1": "x"} and decode('{"p1":"x"}') is not decode('{"p1":"x"}')
    assert decode('[["a"],["b"]]') == [["a"], ["b"]]
    assert decode('"7,636"') == "7,636" and decode("2.5") == 2.5 and decode("true") is True and decode(None) is None
    assert len(decode.cache) == 2  # bounded: free-text answers cannot grow it without end


def test_a_stream_left_part_way_closes_its_cursors(demo_store):
    """A page that stops reading early (an error, a client gone) leaves no cursor open on either database."""
    for stream in (ReportSource(demo_store).iter_question_scores(), ReportSource(demo_store).iter_attempt_scores()):
        first = next(stream)
        stream.close()
        assert first.attempt_number == 1
    assert len(ReportSource(demo_store).question_scores()) > 0  # and the store still reads
