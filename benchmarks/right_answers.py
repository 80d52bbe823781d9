"""What several benchmarks send: a right answer to a question, and a whole attempt answered right at the first
try (its answered statements, then its completed one, scored as quizlib scores it), as a learner's browser
sends them. Imported by the scripts beside it, after they put ``src`` on the path."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from quizlib.quiz import score
from quizlib.results import xapi


def right_answer(quiz, question, actor: dict, *, attempt_id: str | None = None, when: datetime | None = None) -> dict:
    """An *answered* statement giving ``question`` its full-credit response at the first try (a new attempt id
    unless one is given)."""
    return xapi.answered(
        statement_id=str(uuid.uuid4()),
        actor=actor,
        quiz_id=quiz.id,
        chapter=quiz.chapter,
        question_id=question.id,
        kind=question.kind,
        prompt=question.prompt,
        response=score.full_credit_response(question),
        try_number=1,
        attempt_id=attempt_id or str(uuid.uuid4()),
        credit=1,
        correct=True,
        final=True,
        when=when or datetime.now(UTC),
    )


def right_attempt(quiz, actor: dict, *, when: datetime | None = None) -> list[dict]:
    """A whole attempt at ``quiz``, every answer right at the first try: its answered statements, then its
    completed one (which a server scores again over the answers it recorded)."""
    attempt, now = str(uuid.uuid4()), when or datetime.now(UTC)
    answers = {q.id: {"tries": [score.full_credit_response(q)], "revealed": False} for q in quiz.questions}
    result = score.score_quiz(quiz, answers)
    out = [right_answer(quiz, q, actor, attempt_id=attempt, when=now) for q in quiz.questions]
    out.append(
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
    return out
