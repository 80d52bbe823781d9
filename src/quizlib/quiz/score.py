"""The one source of scoring truth: responses in, results out. Pure functions, no I/O.

``static/quizlib-core.js`` is this module's JavaScript twin for the published pages; the shared table
``tests/data/scoring_cases.json`` proves the two agree. Change both, or neither.

Responses are plain JSON values, the same in both languages:

===================  ==========================================================================
kind                 response
===================  ==========================================================================
single_choice        the chosen option id, e.g. ``"b"``
multiple_response    a list of chosen option ids, e.g. ``["a", "c"]``
true_false           ``true`` or ``false``
numeric              the text typed (``"7,636"``) or a number
ordering             a list of every step id, in the learner's order
matching             a mapping of pair id to the chosen pair or distractor id
vignette             the list of option ids chosen, one per stage, along the path from the start
===================  ==========================================================================

Partial credit (documented for learners in the README):

- multiple response: (correct chosen / all correct) - (wrong chosen / all wrong), never below 0;
- ordering: the longest run of steps in the right relative order (not necessarily adjacent) over the
  number of steps; a run of one step earns nothing;
- matching: pairs matched correctly over the number of pairs;
- vignette: mean credit of the decisions on the path taken.

Every credit is rounded half up to 4 decimals and every percentage to 2, the same way in both languages.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from quizlib.quiz.model import (
    Matching,
    MultipleResponse,
    Numeric,
    Ordering,
    Question,
    Quiz,
    Settings,
    SingleChoice,
    TrueFalse,
    Vignette,
)


class ResponseError(ValueError):
    """A response that does not fit its question (wrong type, unknown option). Says what was expected."""


@dataclass(frozen=True)
class Feedback:
    ref: str  # option, step or pair id; "stage/option" in a vignette; "true"/"false"; numeric: "correct",
    # "incorrect" or "wrong-N" (the Nth of the question's wrong_answers)
    text: str
    correct: bool
    cite: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuestionResult:
    """The result of one try at one question."""

    credit: float  # 0 to 1
    feedback: tuple[Feedback, ...]
    complete: bool = True  # False for a vignette whose path has not reached an end

    @property
    def correct(self) -> bool:
        return self.credit == 1


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


def round_half_up(value: float, places: int) -> float:
    scale = 10**places
    return math.floor(value * scale + 0.5) / scale


# -- numbers as learners type them ------------------------------------------------------------------------

# ASCII digits only, and an explicit list of spaces: JavaScript's \d and \s differ from Python's.
_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]+,[0-9]+")
_PLAIN = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)")
_SPACES = re.compile("[ \t\n\r\f\v\u00a0\u202f]+")


def parse_number(text: str | float | int | None) -> float | None:
    """A number from what a learner typed, or None if it is not one.

    Spaces are ignored; ``7,636`` and ``7 636`` are seven thousand six hundred and thirty-six; ``0,19``
    (a decimal comma) is 0.19; ``1,500`` is one thousand five hundred.
    """
    if isinstance(text, bool) or text is None:
        return None
    if isinstance(text, (int, float)):
        return float(text) if math.isfinite(text) else None
    s = _SPACES.sub("", str(text))
    if _THOUSANDS.fullmatch(s):
        s = s.replace(",", "")
    elif _DECIMAL_COMMA.fullmatch(s):
        s = s.replace(",", ".")
    if not _PLAIN.fullmatch(s):
        return None
    return float(s)


# -- one try at one question ------------------------------------------------------------------------------


def _ids(values: Any, what: str) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ResponseError(f"expected a list of {what} ids")
    return values


def _option_feedback(option, correct: bool) -> Feedback:
    return Feedback(option.id, option.feedback, correct, tuple(option.cite))


def score_response(question: Question, response: Any, settings: Settings) -> QuestionResult:
    """Score one try. Raises :class:`ResponseError` if ``response`` cannot be a response to ``question``."""
    if isinstance(question, SingleChoice):
        options = {o.id: o for o in question.options}
        if not isinstance(response, str) or response not in options:
            raise ResponseError(f"expected one of the option ids {', '.join(options)}")
        chosen = options[response]
        return QuestionResult(1.0 if chosen.correct else 0.0, (_option_feedback(chosen, chosen.correct),))

    if isinstance(question, MultipleResponse):
        options = {o.id: o for o in question.options}
        chosen_ids = _ids(response, "option")
        unknown = [c for c in chosen_ids if c not in options]
        if unknown or len(set(chosen_ids)) != len(chosen_ids):
            raise ResponseError(f"expected distinct option ids among {', '.join(options)}")
        n_right = sum(o.correct for o in question.options)
        n_wrong = len(question.options) - n_right
        hits = sum(options[c].correct for c in chosen_ids)
        misses = len(chosen_ids) - hits
        credit = hits / n_right - (misses / n_wrong if n_wrong else 0.0)
        credit = round_half_up(max(0.0, credit), 4)
        # Feedback in the options' own order, so both fronts list it alike.
        feedback = tuple(_option_feedback(o, o.correct) for o in question.options if o.id in chosen_ids)
        return QuestionResult(credit, feedback)

    if isinstance(question, TrueFalse):
        if not isinstance(response, bool):
            raise ResponseError("expected true or false")
        right = response == question.answer
        text = question.feedback.if_true if response else question.feedback.if_false
        return QuestionResult(1.0 if right else 0.0, (Feedback("true" if response else "false", text, right, tuple(question.cite)),))

    if isinstance(question, Numeric):
        if not isinstance(response, (str, int, float)) or isinstance(response, bool):
            raise ResponseError("expected a number or the text typed")
        value = parse_number(response)
        if value is None:
            raise ResponseError(f"expected a number, found {response!r}")
        tolerance = question.tolerance if question.tolerance is not None else settings.numeric_tolerance
        if _within(value, question.answer, tolerance):
            return QuestionResult(1.0, (Feedback("correct", question.feedback.correct, True, tuple(question.cite)),))
        for i, w in enumerate(question.wrong_answers, start=1):
            if _within(value, w.value, tolerance):
                return QuestionResult(0.0, (Feedback(f"wrong-{i}", w.feedback, False, tuple(question.cite)),))
        return QuestionResult(0.0, (Feedback("incorrect", question.feedback.incorrect, False, tuple(question.cite)),))

    if isinstance(question, Ordering):
        order = _ids(response, "step")
        if sorted(order) != sorted(question.order):
            raise ResponseError(f"expected every step id once: {', '.join(question.order)}")
        position = {step: i for i, step in enumerate(question.order)}
        run = longest_increasing_run([position[s] for s in order])
        n = len(order)
        credit = round_half_up(run / n, 4) if run >= 2 else 0.0
        items = {item.id: item for item in question.items}
        feedback = tuple(
            Feedback(step, items[step].feedback, position[step] == i, tuple(question.cite)) for i, step in enumerate(order)
        )
        return QuestionResult(credit, feedback)

    if isinstance(question, Matching):
        if not isinstance(response, Mapping) or not all(isinstance(v, str) for v in response.values()):
            raise ResponseError("expected a mapping of pair id to chosen id")
        pairs = {p.id: p for p in question.pairs}
        distractors = {d.id: d for d in question.distractors}
        unknown = [k for k in response if k not in pairs]
        bad = [v for v in response.values() if v not in pairs and v not in distractors]
        if unknown or bad:
            raise ResponseError(f"expected pair ids among {', '.join(pairs)} mapped to pair or distractor ids")
        right = 0
        feedback = []
        for p in question.pairs:
            chosen = response.get(p.id)
            ok = chosen == p.id
            right += ok
            feedback.append(Feedback(p.id, p.feedback, ok, tuple(question.cite)))
            if chosen in distractors:
                feedback.append(Feedback(chosen, distractors[chosen].feedback, False, tuple(question.cite)))
        return QuestionResult(round_half_up(right / len(question.pairs), 4), tuple(feedback))

    if isinstance(question, Vignette):
        path = vignette_path(question, response)
        credits = [option.credit for _, option in path]
        complete = bool(path) and not path[-1][1].next
        credit = round_half_up(sum(credits) / len(credits), 4) if credits else 0.0
        feedback = tuple(
            Feedback(f"{stage.id}/{option.id}", option.feedback, option.credit == 1, tuple(option.cite))
            for stage, option in path
        )
        return QuestionResult(credit, feedback, complete)

    raise TypeError(f"not a question: {question!r}")


def _within(value: float, target: float, tolerance: float) -> bool:
    # The small allowance absorbs binary rounding (0.2 - 0.19 is 0.010000000000000009).
    return abs(value - target) <= tolerance + 1e-9 * max(1.0, abs(target))


def longest_increasing_run(values: Sequence[int]) -> int:
    """Length of the longest strictly increasing subsequence (not necessarily adjacent)."""
    best = [0] * len(values)
    for i, v in enumerate(values):
        best[i] = 1 + max((best[j] for j in range(i) if values[j] < v), default=0)
    return max(best, default=0)


def full_credit_response(question: Question) -> Any:
    """A response that earns full credit: the key, as quizlib reads responses (for tests, demos, benchmarks).

    For a vignette, the path that takes a best decision (credit 1) at every stage.
    """
    if isinstance(question, SingleChoice):
        return next(o.id for o in question.options if o.correct)
    if isinstance(question, MultipleResponse):
        return [o.id for o in question.options if o.correct]
    if isinstance(question, TrueFalse):
        return question.answer
    if isinstance(question, Numeric):
        value = question.answer
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(question, Ordering):
        return list(question.order)
    if isinstance(question, Matching):
        return {p.id: p.id for p in question.pairs}
    stages = {s.id: s for s in question.stages}
    path, stage = [], stages[question.start]
    while stage is not None:
        best = next(o for o in stage.options if o.credit == 1)
        path.append(best.id)
        stage = stages[best.next] if best.next else None
    return path


def vignette_path(question: Vignette, response: Any):
    """The (stage, option) pairs a list of chosen option ids walks through from the start stage."""
    chosen = _ids(response, "option")
    stages = {s.id: s for s in question.stages}
    path = []
    stage = stages[question.start]
    for n, option_id in enumerate(chosen, start=1):
        if stage is None:
            raise ResponseError(f"the case ends after {n - 1} decisions; expected no more")
        options = {o.id: o for o in stage.options}
        if option_id not in options:
            raise ResponseError(f"decision {n} (stage {stage.id}): expected one of {', '.join(options)}")
        option = options[option_id]
        path.append((stage, option))
        stage = stages[option.next] if option.next else None
    return path


# -- a whole quiz -----------------------------------------------------------------------------------------


def outcome(question: Question, tries: Sequence[Any], settings: Settings, revealed: bool = False) -> QuestionOutcome:
    """A question after the learner's ``tries`` (responses, oldest first); ``revealed`` if they asked for the answer.

    The credit is that of the last try, less ``retry_penalty`` for each try after the first.
    A vignette is walked once: its one "try" is the path taken.
    """
    limit = 1 if isinstance(question, Vignette) else settings.tries
    if len(tries) > limit:
        raise ResponseError(f"expected at most {limit} tries, found {len(tries)}")
    if revealed and (settings.reveal_after == 0 or len(tries) < settings.reveal_after):
        raise ResponseError(f"the answer can be shown only after {settings.reveal_after or 'no'} tries")
    last = score_response(question, tries[-1], settings) if tries else None
    if last is None or not last.complete:
        final = revealed
        credit = 0.0
    else:
        final = last.correct or len(tries) >= limit or revealed
        penalty = 0.0 if isinstance(question, Vignette) else settings.retry_penalty * (len(tries) - 1)
        credit = round_half_up(max(0.0, last.credit * (1 - penalty)), 4)
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


# -- drawing an assessment --------------------------------------------------------------------------------


def mulberry32(seed: int):
    """A small seeded generator of floats in [0, 1), bit for bit the same as its JavaScript twin."""
    state = seed & 0xFFFFFFFF

    def imul(a: int, b: int) -> int:
        return (a * b) & 0xFFFFFFFF

    def next_float() -> float:
        nonlocal state
        state = (state + 0x6D2B79F5) & 0xFFFFFFFF
        t = imul(state ^ (state >> 15), 1 | state)
        t = ((t + imul(t ^ (t >> 7), 61 | t)) & 0xFFFFFFFF) ^ t
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    return next_float


def draw_questions(quiz: Quiz, banks: Mapping[str, Quiz], seed: int) -> tuple[Question, ...]:
    """The questions an assessment shows for ``seed``, in the order shown.

    The quiz's own questions come first. Each ``draw`` entry then shuffles its bank (Fisher-Yates, seeded)
    and takes the first ``count``. A drawn question is renamed ``"<bank>/<id>"`` and its objective
    ``"<bank>/<objective>"``, and a numeric question keeps its bank's tolerance. The same seed always gives
    the same selection.
    """
    rand = mulberry32(seed)
    chosen: list[Question] = list(quiz.questions)
    for d in quiz.draw:
        bank = banks[d.quiz]
        pool = [q for q in bank.questions if not d.kinds or q.kind in d.kinds]
        for i in range(len(pool) - 1, 0, -1):
            j = math.floor(rand() * (i + 1))
            pool[i], pool[j] = pool[j], pool[i]
        for q in pool[: d.count]:
            changes: dict[str, Any] = {"id": f"{bank.id}/{q.id}", "objective": f"{bank.id}/{q.objective}"}
            if isinstance(q, Numeric) and q.tolerance is None:
                changes["tolerance"] = bank.settings.numeric_tolerance
            chosen.append(dataclasses.replace(q, **changes))
    return tuple(chosen)
