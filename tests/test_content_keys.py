"""No tell-tale keys: neither the place nor the length of an option gives the answer away.

- every option of a single-choice or multiple-response question, and every vignette decision, has an explicit,
  stable ``id`` in its YAML file (options are shuffled at display time, so ids by position would change);
- no option refers to other options by position ("all of the above", "A and B"), since the order will change;
- across the course, the key of a single-choice question is the longest option in no more than 35% of questions,
  and the full-credit decision of a vignette stage is the longest in no more than 40% of stages;
- a learner who answers blind, always taking the first option as written or always the longest, fails every
  quiz, and fails the final assessment for every seed tried (and for every possible draw).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from quizlib.quiz import draw, model, score

ROOT = Path(__file__).resolve().parents[1]
QUIZ_FILES = sorted(p for p in (ROOT / "quizzes").glob("*.yaml") if p.name != "references.yaml")
ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")

MAX_KEY_LONGEST = 0.35  # single choice: share of questions whose key is the longest option
MAX_FULL_CREDIT_LONGEST = 0.40  # vignettes: share of stages whose full-credit decision is the longest
FINAL_SEEDS = range(500)


# -- explicit ids ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", QUIZ_FILES, ids=lambda p: p.stem)
def test_every_option_and_decision_has_an_explicit_id(path):
    """Read the YAML itself: the loader fills in a, b, c... by position, which must never be relied on."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    missing, bad = [], []
    for q in data.get("questions") or []:
        if q.get("kind") in ("single_choice", "multiple_response"):
            parts = [(f"{q['id']}/{i}", o) for i, o in enumerate(q.get("options") or [])]
        elif q.get("kind") == "vignette":
            parts = [
                (f"{q['id']}/{s['id']}/{i}", o)
                for s in q.get("stages") or []
                for i, o in enumerate(s.get("options") or [])
            ]
        else:
            continue
        for where, option in parts:
            oid = option.get("id")
            if not oid:
                missing.append(where)
            elif not ID.match(str(oid)) or len(str(oid)) < 2:
                bad.append(f"{where}: {oid!r}")
    assert not missing, f"{path.name}: options without an explicit id: {missing}"
    assert not bad, f"{path.name}: ids should be short, lower-case words that describe the option: {bad}"


# -- options that point at other options -------------------------------------------------------------------

POSITIONAL = re.compile(
    r"\b(all|none|both|either|neither|each|any) of (the )?(above|below|these|those|the other)\b"
    r"|\b(above|below)\b"
    r"|\b(options?|answers?|choices?) [A-Ea-e1-5]\b"
    r"|\b[A-E] (and|or) [A-E]\b"
    r"|\b(first|second|third|fourth|last|previous|next) (option|answer|choice)\b",
    re.IGNORECASE,
)


def _option_texts(course):
    for quiz in course.quizzes.values():
        for q in quiz.questions:
            for o in getattr(q, "options", ()):
                yield f"{quiz.id}/{q.id}/{o.id}", o.text
            for s in getattr(q, "stages", ()):
                for o in s.options:
                    yield f"{quiz.id}/{q.id}/{s.id}/{o.id}", o.text
            for p in getattr(q, "pairs", ()):
                yield f"{quiz.id}/{q.id}/{p.id}", p.right
            for d in getattr(q, "distractors", ()):
                yield f"{quiz.id}/{q.id}/{d.id}", d.text


def test_no_option_refers_to_other_options_by_position(course):
    offenders = [f"{where}: {text}" for where, text in _option_texts(course) if POSITIONAL.search(text)]
    assert not offenders, "options are shuffled at display time; rewrite these:\n" + "\n".join(offenders)


@pytest.mark.parametrize("text", ["All of the above.", "Both A and B", "None of these", "Option C", "the first answer"])
def test_positional_wording_is_caught(text):
    assert POSITIONAL.search(text)


# -- length --------------------------------------------------------------------------------------------------


def _longest(items, text=lambda o: o.text):
    """The first of the longest items (a tie counts against the key: it may still be the one that stands out)."""
    return max(items, key=lambda o: len(text(o)))


def _is_longest(option, options):
    return len(option.text) >= max(len(o.text) for o in options)


def test_the_key_is_rarely_the_longest_option(course):
    singles = [q for quiz in course.quizzes.values() for q in quiz.questions if isinstance(q, model.SingleChoice)]
    key_longest = [q.id for q in singles if _is_longest(next(o for o in q.options if o.correct), q.options)]
    assert singles and len(key_longest) / len(singles) <= MAX_KEY_LONGEST, (
        f"the key is the longest option in {len(key_longest)} of {len(singles)} single-choice questions: {key_longest}"
    )

    stages = [
        (q.id, s)
        for quiz in course.quizzes.values()
        for q in quiz.questions
        if isinstance(q, model.Vignette)
        for s in q.stages
    ]
    best_longest = [
        f"{qid}/{s.id}" for qid, s in stages if any(o.credit == 1 and _is_longest(o, s.options) for o in s.options)
    ]
    assert stages and len(best_longest) / len(stages) <= MAX_FULL_CREDIT_LONGEST, (
        f"the full-credit decision is the longest in {len(best_longest)} of {len(stages)} stages: {best_longest}"
    )


# -- answering blind -----------------------------------------------------------------------------------------


def blind_response(q: model.Question, how: str):
    """What a learner who answers blind gives, with one try. ``how`` is "first" or "longest".

    - single choice: the first option as written in the file, or the longest option;
    - multiple response: only the first option, or only the longest option;
    - true/false: ``True`` for "first" (the first button), ``False`` for "longest" (the longer label, "False");
    - matching: every left item given the same right-hand choice: the first, or the longest, of the choices
      in the order the widget shows them (sorted by text, distractors included);
    - ordering: the steps in the order they are listed in ``items``;
    - numeric: no answer (returns None);
    - vignette: at each stage, the first (or the longest) decision, following the path it leads to.

    Ties for "longest" go to the option listed first.
    """
    pick = (lambda options: options[0]) if how == "first" else _longest
    if isinstance(q, model.SingleChoice):
        return pick(q.options).id
    if isinstance(q, model.MultipleResponse):
        return [pick(q.options).id]
    if isinstance(q, model.TrueFalse):
        return how == "first"
    if isinstance(q, model.Numeric):
        return None
    if isinstance(q, model.Ordering):
        return [item.id for item in q.items]
    if isinstance(q, model.Matching):
        choices = sorted([(p.right, p.id) for p in q.pairs] + [(d.text, d.id) for d in q.distractors])
        chosen = choices[0] if how == "first" else _longest(choices, text=lambda c: c[0])
        return {p.id: chosen[1] for p in q.pairs}
    stages = {s.id: s for s in q.stages}
    path, stage = [], stages[q.start]
    while stage is not None:
        option = pick(stage.options)
        path.append(option.id)
        stage = stages[option.next] if option.next else None
    return path


def blind_result(quiz: model.Quiz, how: str, questions=None) -> score.QuizResult:
    shown = quiz.questions if questions is None else questions
    answers = {}
    for q in shown:
        response = blind_response(q, how)
        if response is not None:
            answers[q.id] = {"tries": [response]}
    return score.score_quiz(quiz, answers, questions=shown)


@pytest.mark.parametrize("how", ["first", "longest"])
def test_answering_blind_fails_every_quiz(course, how):
    passed = {}
    for quiz in course.quizzes.values():
        if quiz.draw:
            continue
        result = blind_result(quiz, how)
        if result.percentage >= quiz.settings.pass_mark:
            passed[quiz.id] = f"{result.percentage}% (pass mark {quiz.settings.pass_mark:g}%)"
    assert not passed, f"always taking the {how} option passes: {passed}"


@pytest.mark.parametrize("how", ["first", "longest"])
def test_answering_blind_fails_the_final_assessment_for_every_seed(course, how):
    final = course.quiz("final")
    passing = {}
    for seed in FINAL_SEEDS:
        result = blind_result(final, how, draw.draw_questions(final, course.quizzes, seed))
        if result.percentage >= final.settings.pass_mark:
            passing[seed] = result.percentage
    assert len(FINAL_SEEDS) >= 200 and not passing, f"always taking the {how} option passes with seeds {passing}"


@pytest.mark.parametrize("how", ["first", "longest"])
def test_no_possible_draw_lets_a_blind_learner_pass_the_final(course, how):
    """The worst case over every draw: the best-scoring questions of each bank, as many as are drawn from it."""
    final = course.quiz("final")
    best_points, count = 0.0, len(final.questions)
    for d in final.draw:
        bank = course.quiz(d.quiz)
        pool = [q for q in bank.questions if not d.kinds or q.kind in d.kinds]
        credits = []
        for q in pool:
            response = blind_response(q, how)
            credits.append(
                0.0 if response is None else score.score_response(q, response, bank.settings).credit * q.points
            )
        best_points += sum(sorted(credits, reverse=True)[: d.count])
        count += d.count
    assert 100 * best_points / count < final.settings.pass_mark, (
        f"{how}: best possible draw scores {best_points} of {count}"
    )


def test_blind_responses_are_what_the_docstring_says():
    option = lambda oid, text, correct=False: model.Option(id=oid, text=text, feedback="f", correct=correct)
    sc = model.SingleChoice(
        id="q",
        objective="o",
        prompt="p",
        options=(option("a", "short"), option("b", "the longest text", True), option("c", "mid one")),
    )
    assert blind_response(sc, "first") == "a" and blind_response(sc, "longest") == "b"
    tf = model.TrueFalse(
        id="t", objective="o", prompt="p", answer=False, feedback=model.TrueFalseFeedback(if_true="a", if_false="b")
    )
    assert blind_response(tf, "first") is True and blind_response(tf, "longest") is False
    steps = (model.OrderItem(id="s2", text="b", feedback="f"), model.OrderItem(id="s1", text="a", feedback="f"))
    ordering = model.Ordering(id="r", objective="o", prompt="p", items=steps, order=("s1", "s2"))
    assert blind_response(ordering, "first") == blind_response(ordering, "longest") == ["s2", "s1"]


def test_matching_blind_choice_follows_the_widget_order():
    pairs = (
        model.Pair(id="x", left="1", right="Zebra", feedback="f"),
        model.Pair(id="y", left="2", right="Ant", feedback="f"),
    )
    match = model.Matching(
        id="m",
        objective="o",
        prompt="p",
        pairs=pairs,
        distractors=(model.Distractor(id="d", text="Aardvarks", feedback="f"),),
    )
    assert blind_response(match, "first") == {"x": "d", "y": "d"}
    assert blind_response(match, "longest") == {"x": "d", "y": "d"}
