"""GIFT, Moodle's text format for questions: one writer per question kind in :data:`GIFT_KINDS`.

Texts are written as ``[html]`` (paragraphs kept), with GIFT's special characters ``~ = # { } :`` and the
backslash escaped everywhere, titles and feedback included. Per-option feedback follows ``#``; partial credit
is a ``%weight%``; the sources go in the general feedback (``####``). GIFT has no ordering or branching case:
an ordering is written as a matching of each step to its place (Moodle then credits each step in its right
place, not the longest run in order), and a case as one question per decision, each decision weighted by its
credit; both are reported as approximations.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from quizlib.fronts.banks.common import (
    Written,
    category,
    decision_feedback,
    ordinal,
    paragraphs,
    question_name,
    sources_text,
    weight,
)
from quizlib.quiz.model import (
    Course,
    Matching,
    MultipleResponse,
    Numeric,
    Ordering,
    Question,
    Quiz,
    SingleChoice,
    TrueFalse,
    Vignette,
)

_SPECIAL = "\\~=#{}:"


def escape(text: str) -> str:
    """``text`` safe anywhere in a GIFT file: special characters escaped, on one line."""
    out = "".join("\\" + c if c in _SPECIAL else c for c in text)
    return " ".join(out.split())


def _html(text: str) -> str:
    """Plain text as GIFT [html]: paragraphs as <p>, HTML's own characters escaped, then GIFT's."""
    paras = paragraphs(text)
    body = (
        "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paras)
        if len(paras) > 1
        else html.escape(paras[0] if paras else "", quote=False)
    )
    return escape(body)


def _inline(text: str) -> str:
    return escape(html.escape(" ".join(text.split()), quote=False))


def _match_left(text: str) -> str:
    # "->" ends the left side of a pair and cannot be escaped.
    return _inline(text.replace("->", "→"))


def _general(course: Course, q: Question, extra: Sequence[str] = ()) -> str:
    parts = [*extra, sources_text(course, q)]
    text = " ".join(p for p in parts if p)
    return f"\n####{_inline(text)}" if text else ""


def _question(name: str, stem: str, answers: Sequence[str], general: str) -> str:
    body = "\n".join(f"  {a}" for a in answers)
    return f"::{escape(name)}::[html]{stem} {{\n{body}{general}\n}}"


Entry = tuple[str, int, str]  # (GIFT text, questions in it, approximation note or "")


def _single(course: Course, quiz: Quiz, q: SingleChoice) -> Entry:
    answers = [f"{'=' if o.correct else '~'}{_inline(o.text)}#{_inline(o.feedback)}" for o in q.options]
    return _question(question_name(quiz, q), _html(q.prompt), answers, _general(course, q)), 1, ""


def _multiple(course: Course, quiz: Quiz, q: MultipleResponse) -> Entry:
    right = sum(o.correct for o in q.options)
    wrong = len(q.options) - right
    answers = []
    for o in q.options:
        w = weight(1 / right) if o.correct else weight(-1 / wrong)
        answers.append(f"~%{w}%{_inline(o.text)}#{_inline(o.feedback)}")
    return _question(question_name(quiz, q), _html(q.prompt), answers, _general(course, q)), 1, ""


def _true_false(course: Course, quiz: Quiz, q: TrueFalse) -> Entry:
    # {T#feedback when answered wrongly#feedback when answered rightly}
    if q.answer:
        answer = f"TRUE#{_inline(q.feedback.if_false)}#{_inline(q.feedback.if_true)}"
    else:
        answer = f"FALSE#{_inline(q.feedback.if_true)}#{_inline(q.feedback.if_false)}"
    return _question(question_name(quiz, q), _html(q.prompt), [answer], _general(course, q)), 1, ""


def _number(x: float) -> str:
    return f"{x:g}" if abs(x) < 1e15 else repr(x)


def _numeric(course: Course, quiz: Quiz, q: Numeric) -> Entry:
    tolerance = q.tolerance if q.tolerance is not None else quiz.settings.numeric_tolerance
    answers = [f"={_number(q.answer)}:{_number(tolerance)}#{_inline(q.feedback.correct)}"]
    answers += [f"=%0%{_number(w.value)}:{_number(tolerance)}#{_inline(w.feedback)}" for w in q.wrong_answers]
    stem = _html(q.prompt + (f" (Answer in {q.unit}.)" if q.unit else ""))
    general = _general(course, q, [f"If your answer was wrong: {' '.join(q.feedback.incorrect.split())}"])
    body = "\n".join(f"  {a}" for a in answers)
    return f"::{escape(question_name(quiz, q))}::[html]{stem} {{#\n{body}{general}\n}}", 1, ""


def _matching(course: Course, quiz: Quiz, q: Matching) -> Entry:
    answers = [f"={_match_left(p.left)} -> {_inline(p.right)}" for p in q.pairs]
    answers += [f"= -> {_inline(d.text)}" for d in q.distractors]
    explained = [f"{p.left} → {p.right}: {p.feedback}" for p in q.pairs]
    explained += [f"{d.text}: {d.feedback}" for d in q.distractors]
    return _question(question_name(quiz, q), _html(q.prompt), answers, _general(course, q, explained)), 1, ""


def _ordering(course: Course, quiz: Quiz, q: Ordering) -> Entry:
    items = {i.id: i for i in q.items}
    answers = [f"={_match_left(items[s].text)} -> {ordinal(n)}" for n, s in enumerate(q.order, start=1)]
    explained = [f"{ordinal(n)}: {items[s].text}. {items[s].feedback}" for n, s in enumerate(q.order, start=1)]
    stem = _html(q.prompt + "\n\nMatch each step to its place in the order.")
    note = f"{question_name(quiz, q)} (ordering): written as a matching of each step to its place"
    return _question(question_name(quiz, q), stem, answers, _general(course, q, explained)), 1, note


def _vignette(course: Course, quiz: Quiz, q: Vignette) -> Entry:
    out = []
    for n, stage in enumerate(q.stages, start=1):
        answers = []
        for o in stage.options:
            mark = "=" if o.credit == 1 else (f"~%{weight(o.credit)}%" if o.credit > 0 else "~")
            answers.append(f"{mark}{_inline(o.text)}#{_inline(decision_feedback(stage, o))}")
        stem = _html(f"{q.title}, decision {n} of {len(q.stages)}.\n\n{q.prompt}\n\n{stage.text}\n\n{stage.prompt}")
        out.append(_question(question_name(quiz, q, stage.id), stem, answers, _general(course, q)))
    note = f"{question_name(quiz, q)} (vignette): written as one question per decision ({len(q.stages)})"
    return "\n\n".join(out), len(q.stages), note


GIFT_KINDS: dict[str, Callable[..., Entry]] = {
    "single_choice": _single,
    "multiple_response": _multiple,
    "true_false": _true_false,
    "numeric": _numeric,
    "ordering": _ordering,
    "matching": _matching,
    "vignette": _vignette,
}


def write(course: Course, quizzes: Sequence[Quiz], title: str) -> Written:
    blocks = []
    notes = []
    count = 0
    for quiz in quizzes:
        blocks.append(f"// {' '.join(quiz.title.split())} ({quiz.id})\n$CATEGORY: {category(title, quiz)}")
        for q in quiz.questions:
            text, n, note = GIFT_KINDS[q.kind](course, quiz, q)
            blocks.append(text)
            count += n
            if note:
                notes.append(note)
    return Written("\n\n".join(blocks) + "\n", count, tuple(notes))
