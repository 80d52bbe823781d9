"""The one source of scoring truth: responses in, results out. Pure functions, no I/O.

``fronts/assets/quizlib-core.js`` is this module's JavaScript twin for the published pages; the shared table
``tests/data/scoring_cases.yaml`` proves the two agree. Change both, or neither. How each kind scores one
try is in :mod:`quizlib.quiz.kinds`; this module adds tries, the retry penalty, revealing the answer and a
whole quiz.

Partial credit (documented for learners in the README):

- multiple response: (correct chosen / all correct) - (wrong chosen / all wrong), never below 0;
- ordering: the longest run of steps in the right relative order (not necessarily adjacent) over the
  number of steps; a run of one step earns nothing;
- matching: pairs matched correctly over the number of pairs;
- vignette: mean credit of the decisions on the path taken.

Every credit is rounded half up to 4 decimals and every percentage to 2, the same way in both languages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from quizlib.quiz.kinds import Feedback, QuestionResult, ResponseError, kind_of, longest_increasing_run, vignette_path
from quizlib.quiz.model import Question, Quiz, Settings
from quizlib.quiz.numbers import parse_number, round_half_up

__all__ = [
    "Feedback",
    "QuestionOutcome",
    "QuestionResult",
    "QuizResult",
    "ResponseError",
    "full_credit_response",
    "longest_increasing_run",
    "outcome",
    "parse_number",
    "round_half_up",
    "score_quiz",
    "score_response",
    "try_credit",
    "vignette_path",
]


@dataclass(frozen=True)
class QuestionOutcome:
    """A question after all the tries a learner made."""

    question_id: str
    tries: int
    final: bool  # no further try possible: right, out of tries, or answer revealed
    credit: float  # after the retry penalty
    points: float  # credit times the question's weight
    max_points: float
    last: QuestionResult | None


@dataclass(frozen=True)
class QuizResult:
    quiz_id: str
    points: float
    max_points: float
    percentage: float
    passed: bool
    complete: bool  # every question final
    questions: tuple[QuestionOutcome, ...] = field(default_factory=tuple)


def score_response(question: Question, response: Any, settings: Settings) -> QuestionResult:
    """Score one try. Raises :class:`ResponseError` if ``response`` cannot be a response to ``question``."""
    return kind_of(question).score(question, response, settings)


def full_credit_response(question: Question) -> Any:
    """A response that earns full credit: the key, as quizlib reads responses (for tests, demos, benchmarks).

    For a vignette, the path that takes a best decision (credit 1) at every stage.
    """
    return kind_of(question).key(question)


def try_credit(question: Question, settings: Settings, result: QuestionResult, try_number: int) -> tuple[float, bool]:
    """The question's credit after try ``try_number`` (from 1) whose result is ``result``, and whether it
    allows no further try: the try's credit less ``retry_penalty`` for each try after the first; final when
    right or out of tries. A case that has not reached its end has no credit yet and is not final.

    The one place this rule lives: :func:`outcome`, the server's ingest, the demo data and the fronts use it.
    """
    if not result.complete:
        return 0.0, False
    kind = kind_of(question)
    penalty = 0.0 if kind.one_try else settings.retry_penalty * (try_number - 1)
    credit = round_half_up(max(0.0, result.credit * (1 - penalty)), 4)
    return credit, result.correct or try_number >= kind.tries_allowed(settings)


# -- a whole quiz -----------------------------------------------------------------------------------------


def outcome(question: Question, tries: Sequence[Any], settings: Settings, revealed: bool = False) -> QuestionOutcome:
    """A question after the learner's ``tries`` (responses, oldest first); ``revealed`` if they asked for the answer.

    The credit is that of the last try, less ``retry_penalty`` for each try after the first.
    A vignette is walked once: its one "try" is the path taken.
    """
    limit = kind_of(question).tries_allowed(settings)
    if len(tries) > limit:
        raise ResponseError(f"expected at most {limit} tries, found {len(tries)}")
    if revealed and (settings.reveal_after == 0 or len(tries) < settings.reveal_after):
        raise ResponseError(f"the answer can be shown only after {settings.reveal_after or 'no'} tries")
    last = score_response(question, tries[-1], settings) if tries else None
    credit, final = try_credit(question, settings, last, len(tries)) if last is not None else (0.0, False)
    final = final or revealed
    return QuestionOutcome(
        question_id=question.id,
        tries=len(tries),
        final=final,
        credit=credit,
        points=credit * question.points,
        max_points=question.points,
        last=last,
    )


def score_quiz(
    quiz: Quiz,
    answers: Mapping[str, Mapping[str, Any]],
    questions: Sequence[Question] | None = None,
) -> QuizResult:
    """Score a quiz from ``answers``: question id -> ``{"tries": [response, ...], "revealed": bool}``.

    ``questions`` are those shown, for an assessment whose questions were drawn; by default the quiz's own.
    A question without answers scores 0. The quiz passes when its percentage reaches the pass mark.
    """
    shown = tuple(quiz.questions if questions is None else questions)
    known = {q.id for q in shown}
    stray = [k for k in answers if k not in known]
    if stray:
        raise ResponseError(f"no question {stray[0]!r} in quiz {quiz.id!r}")
    outcomes = []
    for q in shown:
        a = answers.get(q.id, {})
        outcomes.append(outcome(q, a.get("tries", []), quiz.settings, bool(a.get("revealed", False))))
    points = sum(o.points for o in outcomes)
    max_points = sum(o.max_points for o in outcomes)
    percentage = round_half_up(100 * points / max_points, 2) if max_points else 0.0
    return QuizResult(
        quiz_id=quiz.id,
        points=round_half_up(points, 4),
        max_points=max_points,
        percentage=percentage,
        passed=percentage >= quiz.settings.pass_mark,
        complete=all(o.final for o in outcomes),
        questions=tuple(outcomes),
    )
