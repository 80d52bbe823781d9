"""ingest.py: each statement is checked once, scoring can be done apart from storing, and a finished attempt's
result rows are stored in the same transaction as its statement."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

import quizlib.results.store as store_module
from quizlib.quiz import score
from quizlib.quiz.draw import draw_questions
from quizlib.quiz.score import full_credit_response as _right
from quizlib.results import xapi
from quizlib.results.ingest import Ingestor, Rejected
from quizlib.results.source import ReportSource
from quizlib.results.store import Store


@pytest.fixture
def setting(tmp_path, course):
    store = Store(f"sqlite:///{tmp_path / 'course.sqlite3'}")
    store.upgrade()
    trainer = store.add_staff("Tess", "trainer", "hash")
    learner, _ = store.add_learner(store.add_cohort("Spring", trainer.id).id, "Bea")
    yield store, learner, Ingestor(course, store, "http://127.0.0.1:8000/")
    store.close()


def _attempt(learner, course) -> list[dict]:
    """A whole attempt at the sensitivity quiz, every answer right: the answers, then the completed statement."""
    quiz = course.quiz("sensitivity")
    actor, attempt, now = xapi.agent(learner.id, "http://127.0.0.1:8000/"), str(uuid.uuid4()), datetime.now(UTC)
    answers = {q.id: {"tries": [_right(q)], "revealed": False} for q in quiz.questions}
    sent = [
        xapi.answered(
            statement_id=str(uuid.uuid4()),
            actor=actor,
            quiz_id=quiz.id,
            chapter=quiz.chapter,
            question_id=q.id,
            kind=q.kind,
            prompt=q.prompt,
            response=_right(q),
            try_number=1,
            attempt_id=attempt,
            credit=1,
            correct=True,
            final=True,
            when=now,
        )
        for q in quiz.questions
    ]
    result = score.score_quiz(quiz, answers)
    sent.append(
        xapi.finished(
            verb="completed",
            statement_id=str(uuid.uuid4()),
            actor=actor,
            quiz_id=quiz.id,
            chapter=quiz.chapter,
            title=quiz.title,
            answers=answers,
            points=result.points,
            max_points=result.max_points,
            percentage=result.percentage,
            passed=result.passed,
            complete=True,
            attempt_id=attempt,
            when=now,
        )
    )
    return sent


def test_each_statement_is_checked_once(setting, course, monkeypatch):
    _store, learner, ingestor = setting
    checked = []
    real_check = xapi.check
    monkeypatch.setattr(xapi, "check", lambda s: checked.append(s["id"]) or real_check(s))
    sent = _attempt(learner, course)
    accepted = ingestor.accept(learner, sent)
    assert accepted.ids == [s["id"] for s in sent] and accepted.new == len(sent)
    assert checked == accepted.ids


def test_scoring_stores_nothing_and_accepting_stores_what_it_scored(setting, course):
    store, learner, ingestor = setting
    sent = _attempt(learner, course)
    scored = ingestor.score(learner, sent)
    assert store.count_statements() == 0
    assert scored.ids == [s["id"] for s in sent]
    assert [r.verb for r in scored.records][-2:] == ["completed", "passed"]  # the server adds its verdict
    store.add_statements(scored.records)
    assert store.count_statements() == len(sent) + 1
    assert [q.question_id for q in ReportSource(store).question_scores()] == [
        q.id for q in course.quiz("sensitivity").questions
    ]
    with pytest.raises(Rejected, match="another learner"):
        ingestor.score(store.add_learner(learner.cohort_id, "Cy")[0], sent)


def test_a_finished_attempt_and_its_result_rows_are_stored_together_or_not_at_all(setting, course, monkeypatch):
    store, learner, ingestor = setting
    sent = _attempt(learner, course)

    def broken(record):
        raise RuntimeError("the result rows could not be made")

    monkeypatch.setattr(store_module, "result_rows", broken)  # as the store calls it
    with pytest.raises(RuntimeError):
        ingestor.accept(learner, sent)
    assert store.count_statements() == 0  # not the answers, not the completed statement
    monkeypatch.undo()
    ingestor.accept(learner, sent)
    assert len(ReportSource(store).attempt_scores()) == 1 and store.count_statements() == len(sent) + 1


def test_a_drawn_practice_assessment_is_scored_on_the_questions_its_seed_drew(tmp_path):
    """A formative quiz that draws (the fixture's exam): the client's seed says which questions it showed."""
    from scoring_table import fixture_course

    course = fixture_course()
    store = Store(f"sqlite:///{tmp_path / 'course.sqlite3'}")
    store.upgrade()
    try:
        trainer = store.add_staff("Tess", "trainer", "hash")
        learner, _ = store.add_learner(store.add_cohort("Spring", trainer.id).id, "Bea")
        ingestor = Ingestor(course, store, "http://127.0.0.1:8000/")
        exam = course.quiz("exam")
        shown = {q.id: q for q in draw_questions(exam, course.quizzes, 1)}
        actor = xapi.agent(learner.id, "http://127.0.0.1:8000/")

        def answer(question_id, response):
            q = shown.get(question_id) or course.quiz("kinds").question(question_id.split("/")[1])
            return xapi.answered(
                statement_id=str(uuid.uuid4()),
                actor=actor,
                quiz_id=exam.id,
                chapter=exam.chapter,
                question_id=question_id,
                kind=q.kind,
                prompt=q.prompt,
                response=response,
                try_number=1,
                attempt_id=str(uuid.uuid4()),
                credit=0,
                correct=False,
                final=True,
                when=datetime.now(UTC),
                seed=1,
            )

        drawn = "kinds/mr"
        ingestor.accept(learner, answer(drawn, _right(shown[drawn])))
        assert store.statements()[0].credit == 1.0
        with pytest.raises(Rejected, match="drawn with this seed"):
            ingestor.accept(learner, answer("kinds/sc", "b"))  # seed 1 drew mr, ord and match
    finally:
        store.close()


def test_a_completed_statement_counts_only_the_answers_recorded_for_its_attempt(setting, course):
    """A completed statement claiming answers the server never received is scored over what it received."""
    store, learner, ingestor = setting
    sent = _attempt(learner, course)
    answers, done = sent[:-1], sent[-1]
    with pytest.raises(Rejected, match="not finished by the answers recorded for this attempt"):
        ingestor.accept(learner, done)  # every answer claimed right, none recorded
    wrong = dict(answers[0])
    quiz = course.quiz("sensitivity")
    first = quiz.questions[0]
    wrong_response = (
        next(o.id for o in first.options if not o.correct) if hasattr(first, "options") else not _right(first)
    )
    wrong["result"] = {**wrong["result"], "extensions": {xapi.EXT_RESPONSE: wrong_response}}
    again = {**wrong, "id": str(uuid.uuid4())}  # a second wrong try: the question is over
    again["context"] = {**wrong["context"], "extensions": {**wrong["context"]["extensions"], xapi.EXT_TRY: 2}}
    ingestor.accept(learner, [wrong, again, *answers[1:], done])  # the completed statement still claims all right
    stored = next(s for s in store.statements(verb="completed"))
    result = score.score_quiz(
        quiz, {q.id: {"tries": [wrong_response] * 2 if q.id == first.id else [_right(q)]} for q in quiz.questions}
    )
    assert stored.percentage == result.percentage < 100
    assert stored.statement["result"]["extensions"][xapi.EXT_ANSWERS][first.id]["tries"] == [wrong_response] * 2
