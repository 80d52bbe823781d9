"""A summative attempt as the learner's browser may see it before submitting: no key and no feedback.

Used by the course server for server-scored quizzes. Each question keeps its id, prompt and points and
shows its choices in the attempt's order (:mod:`quizlib.quiz.shuffle`) under names made for the attempt
(``rename``, which the server derives from a secret and the attempt id): an id could give the answer away,
and a matching choice carries its pair's id. :func:`real_answers` maps what the browser sends back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from quizlib.quiz.kinds import Rename, ResponseError, kind_of
from quizlib.quiz.model import Question
from quizlib.quiz.shuffle import arrangement


def public_question(question: Question, seed: int, rename: Rename) -> dict[str, Any]:
    """``question`` as JSON without its key, feedback, credits or citations, choices in the attempt's order."""
    kind = kind_of(question)
    return {
        "id": question.id,
        "kind": question.kind,
        "prompt": question.prompt,
        "points": question.points,
        "arranged": True,  # the choices are in the order to show: the browser does not shuffle them again
        **kind.public(question, arrangement(question, seed), rename),
    }


def real_answers(
    questions: Sequence[Question], responses: Mapping[str, Any], rename: Rename
) -> dict[str, dict[str, Any]]:
    """``responses`` (question id -> response in the attempt's names, or None) as :func:`score.score_quiz`
    reads answers: one try each, in the questions' own ids. Raises :class:`ResponseError` naming the question
    whose response does not fit."""
    shown = {q.id: q for q in questions}
    answers: dict[str, dict[str, Any]] = {}
    for question_id, response in responses.items():
        question = shown.get(question_id)
        if question is None:
            raise ResponseError(f"no question {question_id!r} in this attempt")
        if response is None:
            continue
        try:
            answers[question_id] = {"tries": [kind_of(question).from_public(question, response, rename)]}
        except ResponseError as e:
            raise ResponseError(f"question {question_id!r}: {e}") from None
    return answers
