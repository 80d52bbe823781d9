"""The rules of each question kind, one :class:`Kind` per kind behind one registry (:data:`KINDS`).

A kind says how a response to it is scored, what its key is, how its answer reads, how a response is
written as an xAPI string, which cross-field checks the loader runs on it, and how many tries it allows.
Everything else asks the registry (``KINDS[question.kind]`` or :func:`kind_of`) rather than switching on
the kind, so a new kind is added here, in the model, in ``fronts/assets/quizlib-core.js`` (the scoring
twin), and in the registries of the fronts (widgets, the HTML view), the reports and the demo data, which
``tests/test_architecture.py`` holds to the same set of kinds.

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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from quizlib.quiz.model import (
    KINDS as KIND_NAMES,
)
from quizlib.quiz.model import (
    Matching,
    MultipleResponse,
    Numeric,
    Option,
    Ordering,
    Question,
    Settings,
    SingleChoice,
    Stage,
    StageOption,
    TrueFalse,
    Vignette,
)
from quizlib.quiz.numbers import number_text, parse_number, round_half_up


class ResponseError(ValueError):
    """A response that does not fit its question (wrong type, unknown option). Says what was expected."""


@dataclass(frozen=True)
class Feedback:
    # ref: option, step or pair id; "stage/option" in a vignette; "true"/"false"; numeric: "correct",
    # "incorrect" or "wrong-N" (the Nth of the question's wrong_answers)
    ref: str
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


class Check(Protocol):
    """What a kind's cross-field check reports through (the loader implements it and gives each problem its
    file and line). Fields are relative to the question: ``"options"``, ``"stages[2].options[1].next"``."""

    settings: Settings  # the quiz's settings

    def problem(self, field: str, message: str) -> None: ...

    def unique(self, objects: Sequence[Any], what: str) -> None:
        """Report every object whose ``id`` repeats an earlier one's (``what``: "option", "step"...)."""

    def cites(self, keys: Sequence[str], field: str) -> None:
        """Report every key that names no source in the bibliography."""


# Who picks a choice: a callable from (role, id) to the name the learner's browser sees for it. Roles:
# "option" (single choice, multiple response), "step" (ordering), "pair" and "choice" (matching: the left
# items and the right-hand choices), "stage" and "decision" (a case; a decision is named "<stage>/<option>").
Rename = Callable[[str, str], str]
# The choices a learner picks from, by part, in the order written, each with whether it is ``fixed``:
# "options" (single choice, multiple response), "choices" (matching) and, in a case, each stage by its id.
Choices = dict[str, list[tuple[str, bool]]]


@dataclass(frozen=True)
class Kind:
    """The rules of one question kind."""

    name: str
    model: type
    interaction_type: str  # the xAPI cmi.interaction type of its statements
    one_try: bool  # answered once, whatever the quiz's tries (a case is walked once)
    score: Callable[[Any, Any, Settings], QuestionResult]  # one try; raises ResponseError
    key: Callable[[Any], Any]  # a response that earns full credit
    answer_text: Callable[[Any], str]  # the answer, as shown when it is revealed
    response_string: Callable[[Any], str]  # the xAPI ``result.response`` of a response
    check: Callable[[Any, Check], None]  # the loader's checks across the question's fields
    # The choices shown in an order drawn for each learner and attempt (quiz/shuffle.py); none by default.
    choices: Callable[[Any], Choices] = field(default=lambda q: {})
    # The question as a learner may see it before an attempt is submitted (no key, no feedback), as JSON:
    # (question, order of each part of ``choices``, rename) -> the kind's own fields. ``from_public`` turns a
    # response given in those names back into the question's ids, or raises ResponseError.
    public: Callable[[Any, Mapping[str, Sequence[str]], Rename], dict] = field(default=lambda q, order, rename: {})
    from_public: Callable[[Any, Any, Rename], Any] = field(default=lambda q, response, rename: response)
    # What a feedback item (by its ``ref``) is about, in words: an option's text, a step, a left item.
    feedback_label: Callable[[Any, str], str] = field(default=lambda q, ref: "")
    # What the learner reads after the feedback once a response has finished the question: a case's ending.
    closing: Callable[[Any, Any], str] = field(default=lambda q, response: "")

    def tries_allowed(self, settings: Settings) -> int:
        return 1 if self.one_try else settings.tries


def _ids(values: Any, what: str) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise ResponseError(f"expected a list of {what} ids")
    return values


def _option_feedback(option: Option | StageOption, correct: bool) -> Feedback:
    return Feedback(option.id, option.feedback, correct, tuple(option.cite))


def _joined(values: Sequence[Any]) -> str:
    return "[,]".join(str(x) for x in values)


def _check_options(q: SingleChoice | MultipleResponse, check: Check) -> None:
    check.unique(q.options, "option")
    for i, o in enumerate(q.options, start=1):
        check.cites(o.cite, f"options[{i}]")
        check_position_words(o.text, o.fixed, f"options[{i}].text", check)


# Choices are shown in an order drawn for each learner, so wording that points at other choices by place
# would point at the wrong ones. "None of these" (or "all of the above") may stay, on a choice that is fixed.
_WHOLE_SET = re.compile(r"\b(all|none|any) of (the )?(above|below|these|those|the others?|them)\b", re.IGNORECASE)
_BY_PLACE = re.compile(
    r"\b(both|either|neither|each) of (the )?(above|below|these|those|them)\b"
    r"|\b(above|below)\b"
    r"|\b(options?|answers?|choices?) [A-Ea-e1-5]\b"
    r"|\b[A-E] (and|or) [A-E]\b"
    r"|\b(first|second|third|fourth|last|previous|next) (option|answer|choice)\b",
    re.IGNORECASE,
)


def position_words(text: str, fixed: bool) -> str | None:
    """The words of ``text`` that refer to other choices by their place, or None.

    A choice kept in its place (``fixed``) may speak of the whole set ("None of these", "All of the above");
    no choice may name others by letter, number or place ("Both A and B", "the first option").
    """
    whole = _WHOLE_SET.search(text)
    if whole and not fixed:
        return whole.group(0)
    rest = _WHOLE_SET.sub("", text) if whole else text
    by_place = _BY_PLACE.search(rest)
    return by_place.group(0) if by_place else None


def check_position_words(text: str, fixed: bool, field: str, check: Check) -> None:
    words = position_words(text, fixed)
    if words is None:
        return
    if _WHOLE_SET.fullmatch(words):
        instead = "keep it and add `fixed: true` so it stays where it is written, or name the choices it means"
    else:
        instead = "name the choices it means in words"
    check.problem(
        field,
        f"refers to other choices by their place ({words!r}), but choices are shown in an order drawn for each "
        f"learner; {instead}",
    )


# -- single choice ----------------------------------------------------------------------------------------


def _single_score(q: SingleChoice, response: Any, settings: Settings) -> QuestionResult:
    options = {o.id: o for o in q.options}
    if not isinstance(response, str) or response not in options:
        raise ResponseError(f"expected one of the option ids {', '.join(options)}")
    chosen = options[response]
    return QuestionResult(1.0 if chosen.correct else 0.0, (_option_feedback(chosen, chosen.correct),))


def _single_check(q: SingleChoice, check: Check) -> None:
    _check_options(q, check)
    correct = [i for i, o in enumerate(q.options, start=1) if o.correct]
    if len(correct) != 1:
        which = f" (options {', '.join(map(str, correct))})" if correct else ""
        check.problem(
            "options", f"a single-choice question needs exactly one correct option; found {len(correct)}{which}"
        )


# -- multiple response -----------------------------------------------------------------------------------


def _multiple_score(q: MultipleResponse, response: Any, settings: Settings) -> QuestionResult:
    options = {o.id: o for o in q.options}
    chosen_ids = _ids(response, "option")
    unknown = [c for c in chosen_ids if c not in options]
    if unknown or len(set(chosen_ids)) != len(chosen_ids):
        raise ResponseError(f"expected distinct option ids among {', '.join(options)}")
    n_right = sum(o.correct for o in q.options)
    n_wrong = len(q.options) - n_right
    hits = sum(options[c].correct for c in chosen_ids)
    misses = len(chosen_ids) - hits
    credit = hits / n_right - (misses / n_wrong if n_wrong else 0.0)
    credit = round_half_up(max(0.0, credit), 4)
    # Feedback in the options' own order, so both fronts list it alike.
    feedback = tuple(_option_feedback(o, o.correct) for o in q.options if o.id in chosen_ids)
    return QuestionResult(credit, feedback)


def _multiple_check(q: MultipleResponse, check: Check) -> None:
    _check_options(q, check)
    if not any(o.correct for o in q.options):
        check.problem("options", "a multiple-response question needs at least one correct option; found 0")


def _correct_options_text(q: SingleChoice | MultipleResponse) -> str:
    return "; ".join(o.text for o in q.options if o.correct)


# -- true or false ---------------------------------------------------------------------------------------


def _true_false_score(q: TrueFalse, response: Any, settings: Settings) -> QuestionResult:
    if not isinstance(response, bool):
        raise ResponseError("expected true or false")
    right = response == q.answer
    text = q.feedback.if_true if response else q.feedback.if_false
    return QuestionResult(
        1.0 if right else 0.0, (Feedback("true" if response else "false", text, right, tuple(q.cite)),)
    )


# -- numeric ---------------------------------------------------------------------------------------------


def within(value: float, target: float, tolerance: float) -> bool:
    # The small allowance absorbs binary rounding (0.2 - 0.19 is 0.010000000000000009).
    return abs(value - target) <= tolerance + 1e-9 * max(1.0, abs(target))


def _tolerance(q: Numeric, settings: Settings) -> float:
    return q.tolerance if q.tolerance is not None else settings.numeric_tolerance


def _numeric_score(q: Numeric, response: Any, settings: Settings) -> QuestionResult:
    if not isinstance(response, (str, int, float)) or isinstance(response, bool):
        raise ResponseError("expected a number or the text typed")
    value = parse_number(response, q.unit)
    if value is None:
        raise ResponseError(f"expected a number, found {response!r}")
    tolerance = _tolerance(q, settings)
    if within(value, q.answer, tolerance):
        return QuestionResult(1.0, (Feedback("correct", q.feedback.correct, True, tuple(q.cite)),))
    for i, w in enumerate(q.wrong_answers, start=1):
        if within(value, w.value, tolerance):
            return QuestionResult(0.0, (Feedback(f"wrong-{i}", w.feedback, False, tuple(q.cite)),))
    return QuestionResult(0.0, (Feedback("incorrect", q.feedback.incorrect, False, tuple(q.cite)),))


def _numeric_key(q: Numeric) -> str:
    return str(int(q.answer)) if q.answer.is_integer() else repr(q.answer)


def _numeric_response_string(response: Any) -> str:
    value = parse_number(response)
    return number_text(value) if value is not None else str(response)


def _numeric_check(q: Numeric, check: Check) -> None:
    tolerance = _tolerance(q, check.settings)
    for i, w in enumerate(q.wrong_answers, start=1):
        if abs(w.value - q.answer) <= tolerance:
            check.problem(
                f"wrong_answers[{i}].value",
                f"{w.value:g} is within the tolerance ({tolerance:g}) of the answer {q.answer:g}, so it "
                "would be marked right; expected a value outside it",
            )


# -- ordering --------------------------------------------------------------------------------------------


def longest_increasing_run(values: Sequence[int]) -> int:
    """Length of the longest strictly increasing subsequence (not necessarily adjacent)."""
    best = [0] * len(values)
    for i, v in enumerate(values):
        best[i] = 1 + max((best[j] for j in range(i) if values[j] < v), default=0)
    return max(best, default=0)


def _ordering_score(q: Ordering, response: Any, settings: Settings) -> QuestionResult:
    order = _ids(response, "step")
    if sorted(order) != sorted(q.order):
        raise ResponseError(f"expected every step id once: {', '.join(q.order)}")
    position = {step: i for i, step in enumerate(q.order)}
    run = longest_increasing_run([position[s] for s in order])
    credit = round_half_up(run / len(order), 4) if run >= 2 else 0.0
    items = {item.id: item for item in q.items}
    feedback = tuple(
        Feedback(step, items[step].feedback, position[step] == i, tuple(q.cite)) for i, step in enumerate(order)
    )
    return QuestionResult(credit, feedback)


def _ordering_text(q: Ordering) -> str:
    items = {i.id: i.text for i in q.items}
    return "  ".join(f"{n}. {items[s]}" for n, s in enumerate(q.order, start=1))


def _ordering_check(q: Ordering, check: Check) -> None:
    ids = [item.id for item in q.items]
    if tuple(ids) == q.order:
        check.problem(
            "items",
            "the steps are listed in the correct order, which gives the answer away; "
            "expected them shuffled (the correct order goes in `order`)",
        )
    check.unique(q.items, "step")
    expected = ", ".join(ids)
    for step in ids:
        if step not in q.order:
            check.problem("order", f"step {step!r} is missing; expected every step id once: {expected}")
    seen = set()
    for step in q.order:
        if step not in ids:
            check.problem("order", f"no step {step!r} in items; expected every step id once: {expected}")
        elif step in seen:
            check.problem("order", f"step {step!r} is listed twice; expected every step id once: {expected}")
        seen.add(step)


# -- matching --------------------------------------------------------------------------------------------


def _matching_score(q: Matching, response: Any, settings: Settings) -> QuestionResult:
    if not isinstance(response, Mapping) or not all(isinstance(v, str) for v in response.values()):
        raise ResponseError("expected a mapping of pair id to chosen id")
    pairs = {p.id: p for p in q.pairs}
    distractors = {d.id: d for d in q.distractors}
    unknown = [k for k in response if k not in pairs]
    bad = [v for v in response.values() if v not in pairs and v not in distractors]
    if unknown or bad:
        raise ResponseError(f"expected pair ids among {', '.join(pairs)} mapped to pair or distractor ids")
    right = 0
    feedback = []
    for p in q.pairs:
        chosen = response.get(p.id)
        ok = chosen == p.id
        right += ok
        feedback.append(Feedback(p.id, p.feedback, ok, tuple(q.cite)))
        if chosen in distractors:
            feedback.append(Feedback(chosen, distractors[chosen].feedback, False, tuple(q.cite)))
    return QuestionResult(round_half_up(right / len(q.pairs), 4), tuple(feedback))


def _matching_check(q: Matching, check: Check) -> None:
    check.unique((*q.pairs, *q.distractors), "pair or distractor")
    rights: dict[str, int] = {}
    for i, p in enumerate(q.pairs, start=1):
        if p.right in rights:
            check.problem(
                f"pairs[{i}].right",
                f"the same right-hand text as pairs[{rights[p.right]}]; expected each right-hand item once",
            )
        rights.setdefault(p.right, i)
    for i, d in enumerate(q.distractors, start=1):
        if d.text in rights:
            check.problem(
                f"distractors[{i}].text", "the same text as a correct right-hand item; expected a different one"
            )
    for i, p in enumerate(q.pairs, start=1):
        check_position_words(p.right, False, f"pairs[{i}].right", check)
    for i, d in enumerate(q.distractors, start=1):
        check_position_words(d.text, d.fixed, f"distractors[{i}].text", check)


# -- vignette --------------------------------------------------------------------------------------------


def vignette_path(q: Vignette, response: Any) -> list[tuple[Stage, StageOption]]:
    """The (stage, option) pairs a list of chosen option ids walks through from the start stage."""
    chosen = _ids(response, "option")
    stages = {s.id: s for s in q.stages}
    path = []
    stage: Stage | None = stages[q.start]
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


def _vignette_score(q: Vignette, response: Any, settings: Settings) -> QuestionResult:
    path = vignette_path(q, response)
    credits = [option.credit for _, option in path]
    complete = bool(path) and not path[-1][1].next
    credit = round_half_up(sum(credits) / len(credits), 4) if credits else 0.0
    feedback = tuple(
        Feedback(f"{stage.id}/{option.id}", option.feedback, option.credit == 1, tuple(option.cite))
        for stage, option in path
    )
    return QuestionResult(credit, feedback, complete)


def _vignette_closing(q: Vignette, response: Any) -> str:
    """The ending shown after the path ``response`` walks: its last decision's own, else its stage's."""
    path = vignette_path(q, response)
    if not path or path[-1][1].next:
        return ""
    stage, option = path[-1]
    return stage.ending_after(option)


def _vignette_key(q: Vignette) -> list[str]:
    """The path that takes a best decision (credit 1) at every stage."""
    stages = {s.id: s for s in q.stages}
    path: list[str] = []
    stage: Stage | None = stages[q.start]
    while stage is not None:
        best = next(o for o in stage.options if o.credit == 1)
        path.append(best.id)
        stage = stages[best.next] if best.next else None
    return path


def _vignette_check(q: Vignette, check: Check) -> None:
    stage_ids = [s.id for s in q.stages]
    check.unique(q.stages, "stage")
    known = ", ".join(stage_ids)
    if q.start not in stage_ids:
        check.problem("start", f"no stage {q.start!r}; expected one of: {known}")
    for n, stage in enumerate(q.stages, start=1):
        spath = f"stages[{n}]"
        check.unique(stage.options, "option")
        if not any(o.credit == 1 for o in stage.options):
            check.problem(
                f"{spath}.options", "expected one decision with credit 1 (the best choice at this stage); found none"
            )
        for i, o in enumerate(stage.options, start=1):
            check.cites(o.cite, f"{spath}.options[{i}]")
            check_position_words(o.text, o.fixed, f"{spath}.options[{i}].text", check)
            if o.next and o.next not in stage_ids:
                check.problem(f"{spath}.options[{i}].next", f"no stage {o.next!r}; expected one of: {known}")
            if o.next == stage.id:
                check.problem(f"{spath}.options[{i}].next", "a decision cannot lead back to its own stage")
            if o.next and o.ending:
                check.problem(
                    f"{spath}.options[{i}].ending",
                    f"this decision leads on to stage {o.next!r}, so its ending is never shown; expected `ending` "
                    "only on a decision without `next` (one that ends the case)",
                )
        if stage.ending and all(o.next or o.ending for o in stage.options):
            check.problem(
                f"{spath}.ending",
                "this ending is never shown: every decision here leads on or has its own ending; expected it left "
                "out, or a decision that ends the case without an ending of its own",
            )
    by_id = {s.id: s for s in q.stages}
    if q.start in by_id:
        reachable, cycle = _walk(by_id, q.start)
        if cycle:
            check.problem("stages", f"the stages loop ({' -> '.join(cycle)}); expected every path to end")
        for n, stage in enumerate(q.stages, start=1):
            if stage.id not in reachable:
                check.problem(
                    f"stages[{n}].id", f"stage {stage.id!r} cannot be reached from the start stage {q.start!r}"
                )


def _walk(by_id: dict[str, Stage], start: str) -> tuple[set[str], list[str]]:
    """Stages reachable from ``start`` and, if there is one, a loop among them (depth-first search).

    Iterative, with the path so far kept once: a case of thousands of stages neither overflows Python's stack
    nor copies its path at every step.
    """
    reachable: set[str] = set()
    finished: set[str] = set()
    cycle: list[str] = []
    if start not in by_id:
        return reachable, cycle
    trail: list[str] = [start]
    on_trail: set[str] = {start}
    reachable.add(start)
    pending = [iter(by_id[start].options)]
    while pending:
        step = next(pending[-1], None)
        if step is None:
            pending.pop()
            done = trail.pop()
            on_trail.discard(done)
            finished.add(done)
            continue
        nxt = step.next
        if not nxt or nxt == trail[-1] or nxt not in by_id or nxt in finished:
            continue
        if nxt in on_trail:
            cycle = cycle or [*trail[trail.index(nxt) :], nxt]
            continue
        reachable.add(nxt)
        trail.append(nxt)
        on_trail.add(nxt)
        pending.append(iter(by_id[nxt].options))
    return reachable, cycle


def _no_check(q: Question, check: Check) -> None:
    return None


# -- shown before submitting: choices in order, no key, no feedback ----------------------------------------
# For a summative quiz served by ``quizlib serve``, the browser gets each question without its key and
# feedback, and with every id it answers with renamed for the attempt (``Rename``): an option's id could
# itself give the answer away ("right-one"), and in matching the right-hand choice of a pair has the pair's
# own id. ``from_public`` maps a response back, refusing names the attempt never showed.


def _unknown(what: str) -> ResponseError:
    return ResponseError(f"expected {what} shown in this attempt")


def _inverse(role: str, ids: Sequence[str], rename: Rename) -> dict[str, str]:
    return {rename(role, i): i for i in ids}


def _real(table: Mapping[str, str], name: Any, what: str) -> str:
    if not isinstance(name, str) or name not in table:
        raise _unknown(what)
    return table[name]


def _option_choices(q: SingleChoice | MultipleResponse) -> Choices:
    return {"options": [(o.id, o.fixed) for o in q.options]}


def _public_options(q: SingleChoice | MultipleResponse, order: Mapping[str, Sequence[str]], rename: Rename) -> dict:
    texts = {o.id: o.text for o in q.options}
    return {"options": [{"id": rename("option", i), "text": texts[i]} for i in order["options"]]}


def _single_from_public(q: SingleChoice, response: Any, rename: Rename) -> Any:
    return _real(_inverse("option", [o.id for o in q.options], rename), response, "one of the options")


def _multiple_from_public(q: MultipleResponse, response: Any, rename: Rename) -> Any:
    table = _inverse("option", [o.id for o in q.options], rename)
    return [_real(table, r, "options") for r in _ids(response, "option")]


def _option_label(q: SingleChoice | MultipleResponse, ref: str) -> str:
    return next((o.text for o in q.options if o.id == ref), "")


def _public_ordering(q: Ordering, order: Mapping[str, Sequence[str]], rename: Rename) -> dict:
    return {"items": [{"id": rename("step", i.id), "text": i.text} for i in q.items]}


def _ordering_from_public(q: Ordering, response: Any, rename: Rename) -> Any:
    table = _inverse("step", [i.id for i in q.items], rename)
    return [_real(table, r, "the steps") for r in _ids(response, "step")]


def _matching_choices(q: Matching) -> Choices:
    return {"choices": [(p.id, False) for p in q.pairs] + [(d.id, d.fixed) for d in q.distractors]}


def _public_matching(q: Matching, order: Mapping[str, Sequence[str]], rename: Rename) -> dict:
    texts = {**{p.id: p.right for p in q.pairs}, **{d.id: d.text for d in q.distractors}}
    return {
        "pairs": [{"id": rename("pair", p.id), "left": p.left} for p in q.pairs],
        "choices": [{"id": rename("choice", i), "text": texts[i]} for i in order["choices"]],
    }


def _matching_from_public(q: Matching, response: Any, rename: Rename) -> Any:
    if not isinstance(response, Mapping):
        raise ResponseError("expected a mapping of pair id to chosen id")
    pairs = _inverse("pair", [p.id for p in q.pairs], rename)
    choices = _inverse("choice", [p.id for p in q.pairs] + [d.id for d in q.distractors], rename)
    return {_real(pairs, k, "the items to match"): _real(choices, v, "the choices") for k, v in response.items()}


def _matching_label(q: Matching, ref: str) -> str:
    for p in q.pairs:
        if p.id == ref:
            return p.left
    return next((d.text for d in q.distractors if d.id == ref), "")


def _vignette_choices(q: Vignette) -> Choices:
    return {s.id: [(o.id, o.fixed) for o in s.options] for s in q.stages}


def _public_vignette(q: Vignette, order: Mapping[str, Sequence[str]], rename: Rename) -> dict:
    stages = []
    for s in q.stages:
        options = {o.id: o for o in s.options}
        stages.append(
            {
                "id": rename("stage", s.id),
                "text": s.text,
                "prompt": s.prompt,
                "options": [
                    {
                        "id": rename("decision", f"{s.id}/{i}"),
                        "text": options[i].text,
                        "next": rename("stage", options[i].next) if options[i].next else "",
                    }
                    for i in order[s.id]
                ],
            }
        )
    return {"title": q.title, "start": rename("stage", q.start), "stages": stages}


def _vignette_from_public(q: Vignette, response: Any, rename: Rename) -> Any:
    table = _inverse("decision", [f"{s.id}/{o.id}" for s in q.stages for o in s.options], rename)
    stages = {s.id: s for s in q.stages}
    path: list[str] = []
    stage: Stage | None = stages[q.start]
    for name in _ids(response, "option"):
        if stage is None:
            raise ResponseError(f"the case ends after {len(path)} decisions; expected no more")
        stage_id, _, option_id = _real(table, name, "decisions").partition("/")
        if stage_id != stage.id:
            raise _unknown(f"a decision of stage {len(path) + 1}")
        option = next(o for o in stage.options if o.id == option_id)
        path.append(option_id)
        stage = stages[option.next] if option.next else None
    return path


def _vignette_label(q: Vignette, ref: str) -> str:
    stage_id, _, option_id = ref.partition("/")
    for s in q.stages:
        if s.id == stage_id:
            return next((o.text for o in s.options if o.id == option_id), "")
    return ""


def _public_numeric(q: Numeric, order: Mapping[str, Sequence[str]], rename: Rename) -> dict:
    return {"unit": q.unit}


def _step_label(q: Ordering, ref: str) -> str:
    return next((i.text for i in q.items if i.id == ref), "")


def _true_false_label(q: TrueFalse, ref: str) -> str:
    return "True" if ref == "true" else "False"


# -- the registry ----------------------------------------------------------------------------------------

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "single_choice",
            SingleChoice,
            "choice",
            False,
            _single_score,
            lambda q: next(o.id for o in q.options if o.correct),
            _correct_options_text,
            str,
            _single_check,
            choices=_option_choices,
            public=_public_options,
            from_public=_single_from_public,
            feedback_label=_option_label,
        ),
        Kind(
            "multiple_response",
            MultipleResponse,
            "choice",
            False,
            _multiple_score,
            lambda q: [o.id for o in q.options if o.correct],
            _correct_options_text,
            _joined,
            _multiple_check,
            choices=_option_choices,
            public=_public_options,
            from_public=_multiple_from_public,
            feedback_label=_option_label,
        ),
        Kind(
            "true_false",
            TrueFalse,
            "true-false",
            False,
            _true_false_score,
            lambda q: q.answer,
            lambda q: "True" if q.answer else "False",
            lambda r: "true" if r else "false",
            _no_check,
            feedback_label=_true_false_label,
        ),
        Kind(
            "numeric",
            Numeric,
            "numeric",
            False,
            _numeric_score,
            _numeric_key,
            lambda q: f"{q.answer:g} {q.unit}".strip(),
            _numeric_response_string,
            _numeric_check,
            public=_public_numeric,
        ),
        Kind(
            "ordering",
            Ordering,
            "sequencing",
            False,
            _ordering_score,
            lambda q: list(q.order),
            _ordering_text,
            _joined,
            _ordering_check,
            public=_public_ordering,
            from_public=_ordering_from_public,
            feedback_label=_step_label,
        ),
        Kind(
            "matching",
            Matching,
            "matching",
            False,
            _matching_score,
            lambda q: {p.id: p.id for p in q.pairs},
            lambda q: "; ".join(f"{p.left} → {p.right}" for p in q.pairs),
            lambda r: "[,]".join(f"{k}[.]{r[k]}" for k in sorted(r)),
            _matching_check,
            choices=_matching_choices,
            public=_public_matching,
            from_public=_matching_from_public,
            feedback_label=_matching_label,
        ),
        Kind(
            "vignette",
            Vignette,
            "other",
            True,
            _vignette_score,
            _vignette_key,
            lambda q: "",
            _joined,
            _vignette_check,
            choices=_vignette_choices,
            public=_public_vignette,
            from_public=_vignette_from_public,
            feedback_label=_vignette_label,
            closing=_vignette_closing,
        ),
    )
}
assert tuple(KINDS) == KIND_NAMES, "every kind of the model needs its rules here, in the model's order"


def kind_of(question: Question) -> Kind:
    """The rules of ``question``'s kind."""
    return KINDS[question.kind]
