"""Moodle XML: the question format Moodle and Totara import and export, one writer per kind in
:data:`MOODLE_KINDS`.

Single choice and multiple response are ``multichoice`` (the right options of a multiple response share 100%,
the wrong ones share -100%, which is quizlib's rule; Moodle keeps a total below zero at zero); true/false is
``truefalse``; numeric is ``numerical`` with its tolerance, each likely wrong answer at 0% with its feedback, and
a catch-all ``*`` with the feedback for any other answer; matching is ``matching`` (distractors as extra
answers); ordering is ``ordering`` (Moodle 4.4 and later, or the Ordering plugin) graded by the longest ordered
subset, quizlib's rule. A case (vignette) is written as one single-choice question per decision, each decision
weighted by its credit, and reported as an approximation. Every question carries its name and id number
``quiz/question`` (the same at every export), its points as default mark, the quiz's retry penalty, and its
sources in the general feedback.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence

from quizlib.fronts.banks.common import (
    Written,
    category,
    decision_feedback,
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


def html_text(text: str) -> str:
    """Plain text with paragraphs as HTML (what Moodle shows)."""
    return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs(text))


def _text(parent: ET.Element, tag: str, text: str, *, format: str | None = "html") -> ET.Element:
    node = ET.SubElement(parent, tag, {"format": format} if format else {})
    ET.SubElement(node, "text").text = text
    return node


def _field(parent: ET.Element, tag: str, value: str) -> None:
    ET.SubElement(parent, tag).text = value


def _question(
    bank: ET.Element, qtype: str, name: str, prompt: str, points: float, penalty: float, general: str
) -> ET.Element:
    node = ET.SubElement(bank, "question", {"type": qtype})
    _text(node, "name", name, format=None)
    _text(node, "questiontext", html_text(prompt))
    _text(node, "generalfeedback", html_text(general) if general else "")
    _field(node, "defaultgrade", f"{points:g}")
    _field(node, "penalty", f"{penalty:.7f}")
    _field(node, "hidden", "0")
    _field(node, "idnumber", name)
    return node


def _answer(node: ET.Element, fraction: float, text: str, feedback: str, *, as_html: bool = True) -> ET.Element:
    a = ET.SubElement(node, "answer", {"fraction": weight(fraction), "format": "html" if as_html else "plain_text"})
    ET.SubElement(a, "text").text = html_text(text) if as_html else text
    _text(a, "feedback", html_text(feedback))
    return a


def _general(course: Course, q: Question, extra: Sequence[str] = ()) -> str:
    return "\n\n".join(p for p in (*extra, sources_text(course, q)) if p)


def _choice_fields(node: ET.Element, single: bool) -> None:
    _field(node, "single", "true" if single else "false")
    _field(node, "shuffleanswers", "true")
    _field(node, "answernumbering", "abc")
    for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        _text(node, tag, "")


Entry = tuple[int, str]  # (questions written, approximation note or "")


def _single(bank: ET.Element, course: Course, quiz: Quiz, q: SingleChoice) -> Entry:
    node = _question(
        bank,
        "multichoice",
        question_name(quiz, q),
        q.prompt,
        q.points,
        quiz.settings.retry_penalty,
        _general(course, q),
    )
    _choice_fields(node, True)
    for o in q.options:
        _answer(node, 1.0 if o.correct else 0.0, o.text, o.feedback)
    return 1, ""


def _multiple(bank: ET.Element, course: Course, quiz: Quiz, q: MultipleResponse) -> Entry:
    node = _question(
        bank,
        "multichoice",
        question_name(quiz, q),
        q.prompt,
        q.points,
        quiz.settings.retry_penalty,
        _general(course, q),
    )
    _choice_fields(node, False)
    right = sum(o.correct for o in q.options)
    wrong = len(q.options) - right
    for o in q.options:
        _answer(node, 1 / right if o.correct else -1 / wrong, o.text, o.feedback)
    return 1, ""


def _true_false(bank: ET.Element, course: Course, quiz: Quiz, q: TrueFalse) -> Entry:
    node = _question(
        bank, "truefalse", question_name(quiz, q), q.prompt, q.points, quiz.settings.retry_penalty, _general(course, q)
    )
    _answer(node, 1.0 if q.answer else 0.0, "true", q.feedback.if_true, as_html=False)
    _answer(node, 0.0 if q.answer else 1.0, "false", q.feedback.if_false, as_html=False)
    return 1, ""


def _number(x: float) -> str:
    return f"{x:g}" if abs(x) < 1e15 else repr(x)


def _numeric(bank: ET.Element, course: Course, quiz: Quiz, q: Numeric) -> Entry:
    prompt = q.prompt + (f" (Answer in {q.unit}.)" if q.unit else "")
    node = _question(
        bank, "numerical", question_name(quiz, q), prompt, q.points, quiz.settings.retry_penalty, _general(course, q)
    )
    tolerance = q.tolerance if q.tolerance is not None else quiz.settings.numeric_tolerance
    answers = [(1.0, _number(q.answer), q.feedback.correct)]
    answers += [(0.0, _number(w.value), w.feedback) for w in q.wrong_answers]
    answers.append((0.0, "*", q.feedback.incorrect))
    for fraction, value, feedback in answers:
        a = _answer(node, fraction, value, feedback, as_html=False)
        _field(a, "tolerance", _number(tolerance) if value != "*" else "0")
    _field(node, "unitgradingtype", "0")
    _field(node, "unitpenalty", "0.1000000")
    _field(node, "showunits", "3")
    _field(node, "unitsleft", "0")
    return 1, ""


def _matching(bank: ET.Element, course: Course, quiz: Quiz, q: Matching) -> Entry:
    explained = [f"{p.left} → {p.right}: {p.feedback}" for p in q.pairs]
    explained += [f"{d.text}: {d.feedback}" for d in q.distractors]
    node = _question(
        bank,
        "matching",
        question_name(quiz, q),
        q.prompt,
        q.points,
        quiz.settings.retry_penalty,
        _general(course, q, explained),
    )
    _field(node, "shuffleanswers", "true")
    for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        _text(node, tag, "")
    for p in q.pairs:
        sub = _text(node, "subquestion", html_text(p.left))
        ET.SubElement(ET.SubElement(sub, "answer"), "text").text = p.right
    for d in q.distractors:
        sub = _text(node, "subquestion", "")
        ET.SubElement(ET.SubElement(sub, "answer"), "text").text = d.text
    return 1, ""


def _ordering(bank: ET.Element, course: Course, quiz: Quiz, q: Ordering) -> Entry:
    items = {i.id: i for i in q.items}
    explained = [f"{n}. {items[s].text}: {items[s].feedback}" for n, s in enumerate(q.order, start=1)]
    node = _question(
        bank,
        "ordering",
        question_name(quiz, q),
        q.prompt,
        q.points,
        quiz.settings.retry_penalty,
        _general(course, q, explained),
    )
    _field(node, "layouttype", "VERTICAL")
    _field(node, "selecttype", "ALL")
    _field(node, "selectcount", "0")
    _field(node, "gradingtype", "LONGEST_ORDERED_SUBSET")
    _field(node, "showgrading", "SHOW")
    _field(node, "numberingstyle", "none")
    for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        _text(node, tag, "")
    for n, s in enumerate(q.order, start=1):
        a = ET.SubElement(node, "answer", {"fraction": f"{n}.0000000", "format": "html"})
        ET.SubElement(a, "text").text = html_text(items[s].text)
        _text(a, "feedback", "")
    return 1, ""


def _vignette(bank: ET.Element, course: Course, quiz: Quiz, q: Vignette) -> Entry:
    for n, stage in enumerate(q.stages, start=1):
        prompt = f"{q.title}, decision {n} of {len(q.stages)}.\n\n{q.prompt}\n\n{stage.text}\n\n{stage.prompt}"
        node = _question(
            bank,
            "multichoice",
            question_name(quiz, q, stage.id),
            prompt,
            q.points / len(q.stages),
            0.0,
            _general(course, q),
        )
        _choice_fields(node, True)
        for o in stage.options:
            _answer(node, o.credit, o.text, decision_feedback(stage, o))
    return len(q.stages), f"{question_name(quiz, q)} (vignette): written as one question per decision ({len(q.stages)})"


MOODLE_KINDS: dict[str, Callable[..., Entry]] = {
    "single_choice": _single,
    "multiple_response": _multiple,
    "true_false": _true_false,
    "numeric": _numeric,
    "ordering": _ordering,
    "matching": _matching,
    "vignette": _vignette,
}


def write(course: Course, quizzes: Sequence[Quiz], title: str) -> Written:
    bank = ET.Element("quiz")
    notes = []
    count = 0
    for quiz in quizzes:
        cat = ET.SubElement(bank, "question", {"type": "category"})
        _text(cat, "category", category(title, quiz), format=None)
        _text(cat, "info", html_text(quiz.intro) if quiz.intro else "")
        for q in quiz.questions:
            n, note = MOODLE_KINDS[q.kind](bank, course, quiz, q)
            count += n
            if note:
                notes.append(note)
    ET.indent(bank)
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(bank, encoding="unicode") + "\n"
    return Written(text, count, tuple(notes))
