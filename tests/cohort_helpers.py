"""Helpers for tests that run a cohort: a learner answering a quiz over the real API, with chosen scores."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from quizlib.quiz import score
from quizlib.quiz.score import full_credit_response
from quizlib.results import xapi


def wrong(q):
    """A response to ``q`` that earns nothing (single choice or true/false)."""
    if q.kind == "single_choice":
        return next(o.id for o in q.options if not o.correct)
    if q.kind == "true_false":
        return not q.answer
    raise AssertionError(f"no wrong answer helper for {q.kind}")


def take_quiz(client, who: dict, quiz, *, wrong_ids=(), registration=None, start=None, finish=True, gap=30):
    """Answer every question of ``quiz`` over the API (each question ``gap`` seconds after the last; those in
    ``wrong_ids`` wrong at both tries), then finish it. Returns the server-scored percentage (or None)."""
    attempt = str(uuid.uuid4())
    clock = start or datetime.now(UTC) - timedelta(hours=1)
    actor = xapi.agent(who["learner_id"], who["home_page"])
    answers, statements = {}, []
    for q in quiz.questions:
        tries = [wrong(q)] * quiz.settings.tries if q.id in wrong_ids else [full_credit_response(q)]
        for n, response in enumerate(tries, start=1):
            clock += timedelta(seconds=gap)
            right = q.id not in wrong_ids
            statements.append(
                xapi.answered(
                    statement_id=str(uuid.uuid4()),
                    actor=actor,
                    quiz_id=quiz.id,
                    chapter=quiz.chapter,
                    question_id=q.id,
                    kind=q.kind,
                    prompt=q.prompt,
                    response=response,
                    try_number=n,
                    attempt_id=attempt,
                    credit=1.0 if right else 0.0,
                    correct=right,
                    final=right or n == len(tries),
                    when=clock,
                    registration=registration,
                )
            )
        answers[q.id] = {"tries": tries, "revealed": False}
    result = score.score_quiz(quiz, answers)
    if finish:
        statements.append(
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
                when=clock + timedelta(seconds=5),
                registration=registration,
            )
        )
    r = client.post("api/v1/statements", json=statements, headers={"Authorization": f"Bearer {who['token']}"})
    assert r.status_code == 200, r.text
    return result.percentage if finish else None


def two_wrong(quiz) -> tuple[str, str]:
    """Two single-choice or true/false questions of ``quiz``: both wrong scores 80% of a ten-question quiz."""
    ids = [q.id for q in quiz.questions if q.kind in ("single_choice", "true_false")]
    return ids[0], ids[1]
