"""demo.py: seeded, reproducible, plausible demo data that goes into a real database through the store."""

from __future__ import annotations

import statistics
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from quizlib.quiz import draw, score
from quizlib.quiz.load import load_course
from quizlib.quiz.model import Bibliography, Course
from quizlib.results import demo, report
from quizlib.results.source import ReportSource

DATA = Path(__file__).resolve().parent / "data"
FIXTURE_QUIZZES = DATA / "course" / "quizzes"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
QUIZLIB = str(Path(sys.executable).with_name("quizlib"))


@pytest.fixture(scope="module")
def kinds_course():
    return load_course(FIXTURE_QUIZZES)


@pytest.fixture(scope="module")
def real(course):
    """Demo data for the real course, as `quizlib demo-data` makes it by default."""
    return demo.generate(course, seed=7, now=NOW)


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(kinds_course):
    a = demo.generate(kinds_course, seed=3, now=NOW, cohorts=2, learners_per_cohort=6)
    b = demo.generate(kinds_course, seed=3, now=NOW, cohorts=2, learners_per_cohort=6)
    c = demo.generate(kinds_course, seed=4, now=NOW, cohorts=2, learners_per_cohort=6)
    assert a == b
    assert a.question_scores() == b.question_scores()
    assert [x.tries for x in a.attempts] != [x.tries for x in c.attempts]


def test_people_cohorts_and_deadlines_look_like_a_real_programme(real, course):
    assert len(real.cohorts) == 4 and len(real.trainers) >= 2
    per_cohort = Counter(l.cohort for l in real.learners)
    assert all(16 <= n <= 24 for n in per_cohort.values())
    assert len({l.display_name for l in real.learners}) == len(real.learners)  # pseudonyms, all distinct
    dues = [a.due for a in real.assignments]
    assert min(dues) < NOW.date() < max(dues)  # some deadlines gone, some to come
    assigned = {q for a in real.assignments for q in a.quiz_ids}
    assert assigned == {q.id for q in course.quizzes.values() if q.questions or q.draw}


def test_attempts_include_retakes_unfinished_work_and_learners_who_never_started(real):
    finished = [a for a in real.attempts if a.result is not None]
    unfinished = [a for a in real.attempts if a.result is None]
    assert unfinished and len(unfinished) < 0.25 * len(real.attempts)
    assert all(a.result.complete for a in finished)  # as the server requires of a completed statement
    assert all(a.finished_at <= NOW for a in finished)
    numbers = real.finished_numbers()
    assert max(numbers.values()) >= 2
    retakers = {a.learner for a in finished if numbers[a.key] > 1}
    assert 0.1 * len(real.learners) < len(retakers) < 0.8 * len(real.learners)
    idle = {l.key for l in real.learners} - {a.learner for a in real.attempts}
    assert idle and len(idle) < 0.25 * len(real.learners)


def test_stronger_learners_score_higher(real):
    ability = {l.key: l.ability for l in real.learners}
    firsts = [a for a in real.attempt_scores() if a.attempt_number == 1]
    xs = [ability[a.learner] for a in firsts]
    ys = [a.percentage for a in firsts]
    assert statistics.correlation(xs, ys) > 0.3


def test_item_statistics_fall_in_realistic_ranges(real, course):
    items = report.item_analysis(real.question_scores(), course, attempts=real.attempt_scores())
    judged = [i for i in items if "few-responses" not in i.flags]
    assert len(judged) > 0.5 * sum(len(q.questions) for q in course.quizzes.values())
    facility = statistics.median(i.facility for i in judged)
    discrimination = statistics.median(i.discrimination for i in judged if i.discrimination is not None)
    assert 0.55 < facility < 0.95
    assert 15 < discrimination < 70
    flagged = [i for i in judged if i.flags]
    assert 0 < len(flagged) < 0.6 * len(judged)  # something to review, but not everything
    # The final assessment's questions are drawn: named "<bank>/<id>" and each seen by fewer learners.
    drawn = [i for i in items if "/" in i.question_id]
    assert bool(drawn) == any(q.draw for q in course.quizzes.values())
    assert all(i.quiz_id != i.question_id.split("/")[0] for i in drawn)


def test_progress_shows_passes_failures_and_overdue_learners(real, course):
    progress = report.learner_progress(
        real.enrolments(),
        real.assignment_facts(),
        real.attempt_scores(),
        course,
        started=real.started(),
        cohorts=real.cohort_facts(),
        now=NOW,
    )
    rates = report.completion_rates(progress, by=("module",))
    assert all(0.4 < r.completion_rate < 0.98 for r in rates)
    assert all(0.2 < r.pass_rate <= r.completion_rate for r in rates)
    overdue = report.overdue_learners(progress)
    assert 0 < len(overdue) < len(progress) / 2
    # Some learners started a quiz they have not finished.
    assert any(r.started and not r.finished for r in progress)


def test_every_kind_of_question_and_a_drawn_assessment_get_valid_responses(kinds_course):
    data = demo.generate(kinds_course, seed=11, now=NOW, cohorts=2, learners_per_cohort=12)
    kinds = Counter(r.kind for r in data.question_scores())
    assert set(kinds) == {
        "single_choice",
        "multiple_response",
        "true_false",
        "numeric",
        "ordering",
        "matching",
        "vignette",
    }
    exam = [a for a in data.attempts if a.quiz_id == "exam" and a.result is not None]
    assert exam and all(len(a.question_ids) == 4 and a.question_ids[0] == "own" for a in exam)
    assert all(q.startswith("kinds/") for a in exam for q in a.question_ids[1:])
    # Every try is a response the scorer accepts, and the recorded results are the scorer's.
    for a in data.attempts:
        quiz = kinds_course.quiz(a.quiz_id)
        shown = {
            q.id: q for q in (draw.draw_questions(quiz, kinds_course.quizzes, a.seed) if quiz.draw else quiz.questions)
        }
        for t in a.tries:
            score.score_response(shown[t.question_id], t.response, quiz.settings)
    responses = report.response_frequencies(data.question_scores(), kinds_course)
    assert {r.question_id for r in responses} >= {"sc", "mr", "tf", "num", "dec", "ord", "match", "case"}


def test_a_course_without_questions_cannot_make_demo_data():
    empty = Course(quizzes={}, bibliography=Bibliography(schema_version=1, references={}))
    with pytest.raises(demo.DemoError, match="no quiz with questions"):
        demo.generate(empty, now=NOW)
    with pytest.raises(demo.DemoError, match="at least one cohort"):
        demo.generate(load_course(FIXTURE_QUIZZES), cohorts=0, now=NOW)


# -- into a real database, through the store and the server's ingestor -------------------------------------


def test_fill_stores_exactly_the_generated_results(tmp_path, kinds_course):
    from quizlib.results.store import Store

    data = demo.generate(kinds_course, seed=5, now=NOW, cohorts=2, learners_per_cohort=5)
    store = Store(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    store.upgrade()
    try:
        summary = demo.fill(store, kinds_course, data)
        assert summary.learners == 10 and summary.cohorts == 2 and set(summary.trainers) == set(data.trainers)
        assert store.count_statements() == summary.statements_stored
        names = {l.id: l.display_name for l in store.learners()}
        demo_names = {l.key: l.display_name for l in data.learners}

        def attempts(rows, who):
            return sorted((who[a.learner], a.quiz_id, a.attempt_number, a.percentage, a.passed) for a in rows)

        assert attempts(ReportSource(store).attempt_scores(), names) == attempts(data.attempt_scores(), demo_names)

        def questions(rows, who):
            return sorted(
                (who[q.learner], q.quiz_id, q.attempt_number, q.question_id, q.credit, repr(q.first_response))
                for q in rows
            )

        assert questions(ReportSource(store).question_scores(), names) == questions(data.question_scores(), demo_names)
        assert len(ReportSource(store).started()) == sum(1 for a in data.attempts if a.tries)
        stored_dues = sorted(a.due for a in ReportSource(store).assignments())
        assert stored_dues == sorted(a.due for a in data.assignments)

        with pytest.raises(demo.DemoError, match="already has cohorts"):
            demo.fill(store, kinds_course, data)
    finally:
        store.close()


@pytest.mark.slow  # runs the quizlib command in subprocesses
def test_demo_data_command(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    cmd = [
        QUIZLIB,
        "demo-data",
        "--database",
        url,
        "--quizzes",
        str(FIXTURE_QUIZZES),
        "--cohorts",
        "1",
        "--learners",
        "3",
        "--seed",
        "2",
    ]
    first = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "demo data (seed 2): 1 cohorts, 3 learners" in first.stdout
    assert "trainer trainer-alex: one-time password " in first.stdout
    again = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=120)
    assert again.returncode == 1
    assert (
        again.stderr.strip()
        == "quizlib demo-data: the database already has cohorts; demo data goes only into an empty database"
    )
