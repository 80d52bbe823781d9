"""Question banks for other LMSs: GIFT read back by gift-pegjs (the strict parser Moodle's format is tested
with) and Moodle XML read back element by element, each question compared with its quiz file."""

from __future__ import annotations

import html
import json
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import javascript
import pytest

from quizlib.cli import main
from quizlib.fronts.banks import BankError, export
from quizlib.fronts.banks.gift import GIFT_KINDS, escape
from quizlib.fronts.banks.moodle_xml import MOODLE_KINDS
from quizlib.quiz.model import KINDS, Course, Quiz
from quizlib.quiz.model import Question as QuestionModel

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


def parse_gift(text: str) -> list[dict]:
    proc = subprocess.run(
        [javascript.node(), str(javascript.TESTS_JS / "parse_gift.js")],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def plain(text: str) -> str:
    """What a learner reads: tags dropped, entities resolved, whitespace as single spaces."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text or "")).split())


# gift-pegjs reads an escaped character in the right-hand side of a matching pair but leaves its own mark for it
# there (it decodes the marks everywhere else); Moodle reads the character itself.
_MARKS = {"&&092;": "\\", "&&058;": ":", "&&035;": "#", "&&061;": "=", "&&123;": "{", "&&125;": "}", "&&126;": "~"}


def subanswer(text: str) -> str:
    for mark, char in _MARKS.items():
        text = text.replace(mark, char)
    return plain(text)


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def fixture_course():
    from quizlib.quiz.load import load_course

    return load_course(DATA / "course" / "quizzes")


def all_questions(course: Course) -> list[tuple[Quiz, QuestionModel]]:
    return [(quiz, q) for quiz in course.quizzes.values() for q in quiz.questions]


def test_each_format_has_one_writer_per_kind():
    assert tuple(GIFT_KINDS) == KINDS
    assert tuple(MOODLE_KINDS) == KINDS


# -- GIFT -------------------------------------------------------------------------------------------------


def gift_expected(quiz: Quiz, q) -> list[dict]:
    """What gift-pegjs must read for question ``q``: one entry per GIFT question."""
    name = f"{quiz.id}/{q.id}"
    if q.kind in ("single_choice", "multiple_response"):
        return [
            {
                "title": name,
                "type": "MC",
                "stem": words(q.prompt),
                "choices": [(words(o.text), words(o.feedback), o.correct) for o in q.options],
            }
        ]
    if q.kind == "true_false":
        wrong, right = (
            (q.feedback.if_false, q.feedback.if_true) if q.answer else (q.feedback.if_true, q.feedback.if_false)
        )
        return [
            {
                "title": name,
                "type": "TF",
                "stem": words(q.prompt),
                "isTrue": q.answer,
                "fb": [words(wrong), words(right)],
            }
        ]
    if q.kind == "numeric":
        return [{"title": name, "type": "Numerical", "answer": q.answer, "wrong": [w.value for w in q.wrong_answers]}]
    if q.kind == "matching":
        pairs = [(words(p.left), words(p.right)) for p in q.pairs] + [("", words(d.text)) for d in q.distractors]
        return [{"title": name, "type": "Matching", "pairs": pairs}]
    if q.kind == "ordering":
        items = {i.id: i.text for i in q.items}
        return [{"title": name, "type": "Matching", "steps": [words(items[s]) for s in q.order]}]
    assert q.kind == "vignette"
    return [
        {
            "title": f"{name}/{s.id}",
            "type": "MC",
            "choices": [(words(o.text), o.credit) for o in s.options],
            "decision_feedback": [decision_feedback_expected(s, o) for o in s.options],
        }
        for s in q.stages
    ]


def decision_feedback_expected(stage, option) -> str:
    """A decision's feedback in a bank: a decision that ends the case goes on with its own ending, else the
    stage's (what the learner reads at the end of the case in the book)."""
    if option.next:
        return words(option.feedback)
    return words(f"{option.feedback} {option.ending or stage.ending}")


def check_gift_question(parsed: dict, want: dict, course: Course, q) -> None:
    assert parsed["title"] == want["title"]
    assert parsed["type"] == want["type"], want["title"]
    general = plain((parsed.get("globalFeedback") or {}).get("text", ""))
    refs = course.bibliography.references
    for key in q.cite:
        assert refs[key].short in general, (want["title"], key)
    if "stem" in want:
        assert plain(parsed["stem"]["text"]) == want["stem"]
    if want["type"] == "MC" and "choices" in want and len(want["choices"][0]) == 3:
        got = [(plain(c["text"]["text"]), plain(c["feedback"]["text"]), c) for c in parsed["choices"]]
        assert [(t, f) for t, f, _ in got] == [(t, f) for t, f, _ in want["choices"]]
        if q.kind == "single_choice":
            assert [c["isCorrect"] for _, _, c in got] == [ok for _, _, ok in want["choices"]]
        else:  # quizlib's partial credit: right options share 100%, wrong ones share -100%
            right = sum(ok for *_, ok in want["choices"])
            wrong = len(want["choices"]) - right
            for (_, _, c), (_, _, ok) in zip(got, want["choices"]):
                assert c["weight"] == pytest.approx(100 / right if ok else -100 / wrong, abs=1e-4)
    elif want["type"] == "MC":  # a decision of a case: weighted by its credit
        for c, (text, credit), feedback in zip(
            parsed["choices"], want["choices"], want["decision_feedback"], strict=True
        ):
            assert plain(c["text"]["text"]) == text
            assert plain(c["feedback"]["text"]) == feedback
            weight = 100 if c["isCorrect"] else (c["weight"] or 0)
            assert weight == pytest.approx(credit * 100)
    elif want["type"] == "TF":
        assert parsed["isTrue"] is want["isTrue"]
        # Moodle's GIFT reads {T#a#b} as a: feedback for a wrong answer, b: for a right one (gift-pegjs calls
        # them trueFeedback and falseFeedback).
        assert [plain(parsed["trueFeedback"]["text"]), plain(parsed["falseFeedback"]["text"])] == want["fb"]
    elif want["type"] == "Numerical":
        first, *others = parsed["choices"]
        tolerance = q.tolerance if q.tolerance is not None else 0
        assert first["isCorrect"] and first["weight"] is None
        assert first["text"]["number"] == want["answer"]
        assert first["text"].get("range", 0) >= tolerance * 0.999
        assert [c["text"]["number"] for c in others] == want["wrong"]
        assert all(c["weight"] == 0 for c in others)
        assert words(q.feedback.incorrect) in general
    elif "pairs" in want:
        got = [(plain(p["subquestion"]["text"]), subanswer(p["subanswer"])) for p in parsed["matchPairs"]]
        assert got == [(a.replace("->", "→"), b) for a, b in want["pairs"]]
    else:
        got = [plain(p["subquestion"]["text"]) for p in parsed["matchPairs"]]
        assert got == want["steps"]
        assert [p["subanswer"] for p in parsed["matchPairs"]] == [
            "1st",
            "2nd",
            "3rd",
            *(f"{n}th" for n in range(4, len(got) + 1)),
        ][: len(got)]


@pytest.mark.parametrize("which", ["course", "fixture"])
def test_every_gift_question_parses_and_says_what_its_quiz_file_says(which, course, fixture_course):
    c = course if which == "course" else fixture_course
    exported = export(c, "gift")
    parsed = [p for p in parse_gift(exported.text) if p["type"] != "Category"]
    expected = [(w, q) for quiz, q in all_questions(c) for w in gift_expected(quiz, q)]
    assert [p["title"] for p in parsed] == [w["title"] for w, _ in expected]
    assert len(parsed) == exported.questions
    for p, (want, q) in zip(parsed, expected):
        check_gift_question(p, want, c, q)


def test_gift_escapes_its_special_characters_everywhere(tmp_path):
    from quizlib.quiz.load import load_course

    tricky = "Use ~ = # { } : and \\ here: {x} #1 ~2 =3 a->b"
    folder = tmp_path / "quizzes"
    folder.mkdir()
    (folder / "references.yaml").write_text("schema_version: 1\nreferences:\n  k: {short: 'A: B {2003}', full: F}\n")
    (folder / "t.yaml").write_text(
        "schema_version: 1\nid: t\ntitle: 'T: {1}'\nchapter: chapters/t\nsettings: {pass_mark: 50}\n"
        "objectives: [{id: o, text: O}]\nquestions:\n"
        f"  - {{id: q, kind: single_choice, objective: o, prompt: {json.dumps(tricky)}, cite: [k], options: ["
        f"{{text: {json.dumps(tricky)}, feedback: {json.dumps(tricky)}, correct: true}}, {{text: 'b # c', feedback: 'd: e'}}]}}\n"
        f"  - {{id: m, kind: matching, objective: o, prompt: p, pairs: [{{id: a, left: {json.dumps(tricky)}, "
        f"right: 'r {{1}}', feedback: 'f'}}, {{id: b, left: 'l', right: 'r2', feedback: 'g'}}]}}\n"
    )
    c = load_course(folder)
    parsed = [p for p in parse_gift(export(c, "gift").text) if p["type"] != "Category"]
    assert plain(parsed[0]["stem"]["text"]) == tricky
    assert plain(parsed[0]["choices"][0]["text"]["text"]) == tricky
    assert plain(parsed[0]["choices"][0]["feedback"]["text"]) == tricky
    assert "A: B {2003}" in plain(parsed[0]["globalFeedback"]["text"])
    assert plain(parsed[1]["matchPairs"][0]["subquestion"]["text"]) == tricky.replace("->", "→")
    assert subanswer(parsed[1]["matchPairs"][0]["subanswer"]) == "r {1}"
    assert escape("a:b\\c") == "a\\:b\\\\c"


# -- Moodle XML ---------------------------------------------------------------------------------------------


def read_moodle(text: str) -> list[dict]:
    """Every question of a Moodle XML file, read back into plain data."""
    root = ET.fromstring(text)
    assert root.tag == "quiz"
    out = []
    category = None
    for node in root.findall("question"):
        qtype = node.get("type")
        if qtype == "category":
            category = node.findtext("category/text")
            continue

        def t(path: str, n=node) -> str:
            return plain(n.findtext(path) or "")

        q = {
            "type": qtype,
            "name": node.findtext("name/text"),
            "idnumber": node.findtext("idnumber"),
            "category": category,
            "text": t("questiontext/text"),
            "general": t("generalfeedback/text"),
            "grade": float(node.findtext("defaultgrade") or "nan"),
            "penalty": float(node.findtext("penalty") or "nan"),
            "answers": [
                (t("text", a), float(a.get("fraction") or "nan"), t("feedback/text", a), a.findtext("tolerance"))
                for a in node.findall("answer")
            ],
            "single": node.findtext("single"),
            "pairs": [(t("text", s), plain(s.findtext("answer/text") or "")) for s in node.findall("subquestion")],
            "grading": node.findtext("gradingtype"),
        }
        out.append(q)
    return out


def moodle_expected(course: Course, quiz: Quiz, q) -> list[dict]:
    name = f"{quiz.id}/{q.id}"
    base = {
        "name": name,
        "idnumber": name,
        "text": words(q.prompt),
        "grade": q.points,
        "penalty": quiz.settings.retry_penalty,
    }
    if q.kind == "single_choice":
        return [
            {
                **base,
                "type": "multichoice",
                "single": "true",
                "answers": [(words(o.text), 100.0 if o.correct else 0.0, words(o.feedback)) for o in q.options],
            }
        ]
    if q.kind == "multiple_response":
        right = sum(o.correct for o in q.options)
        wrong = len(q.options) - right
        return [
            {
                **base,
                "type": "multichoice",
                "single": "false",
                "answers": [
                    (words(o.text), 100 / right if o.correct else -100 / wrong, words(o.feedback)) for o in q.options
                ],
            }
        ]
    if q.kind == "true_false":
        return [
            {
                **base,
                "type": "truefalse",
                "answers": [
                    ("true", 100.0 if q.answer else 0.0, words(q.feedback.if_true)),
                    ("false", 0.0 if q.answer else 100.0, words(q.feedback.if_false)),
                ],
            }
        ]
    if q.kind == "numeric":
        tol = q.tolerance if q.tolerance is not None else quiz.settings.numeric_tolerance
        text = words(q.prompt + (f" (Answer in {q.unit}.)" if q.unit else ""))
        answers = [(q.answer, 100.0, words(q.feedback.correct), tol)]
        answers += [(w.value, 0.0, words(w.feedback), tol) for w in q.wrong_answers]
        return [{**base, "text": text, "type": "numerical", "answers": answers, "other": words(q.feedback.incorrect)}]
    if q.kind == "matching":
        pairs = [(words(p.left), words(p.right)) for p in q.pairs] + [("", words(d.text)) for d in q.distractors]
        return [{**base, "type": "matching", "pairs": pairs, "explained": [words(p.feedback) for p in q.pairs]}]
    if q.kind == "ordering":
        items = {i.id: i for i in q.items}
        return [
            {
                **base,
                "type": "ordering",
                "steps": [words(items[s].text) for s in q.order],
                "explained": [words(items[s].feedback) for s in q.order],
            }
        ]
    assert q.kind == "vignette"
    return [
        {
            "name": f"{name}/{s.id}",
            "idnumber": f"{name}/{s.id}",
            "type": "multichoice",
            "single": "true",
            "text_has": [words(s.text), words(s.prompt)],
            "grade": q.points / len(q.stages),
            "answers": [(words(o.text), o.credit * 100, decision_feedback_expected(s, o)) for o in s.options],
        }
        for s in q.stages
    ]


@pytest.mark.parametrize("which", ["course", "fixture"])
def test_every_moodle_xml_question_reads_back_as_its_quiz_file(which, course, fixture_course):
    c = course if which == "course" else fixture_course
    exported = export(c, "moodle-xml", title="The course")
    got = read_moodle(exported.text)
    expected = [(w, quiz, q) for quiz, q in all_questions(c) for w in moodle_expected(c, quiz, q)]
    assert [g["name"] for g in got] == [w["name"] for w, _, _ in expected]
    assert len(got) == exported.questions
    refs = c.bibliography.references
    for g, (want, quiz, q) in zip(got, expected):
        assert g["type"] == want["type"], want["name"]
        assert g["idnumber"] == want["idnumber"]
        assert g["category"] == f"$course$/top/The course/{' '.join(quiz.title.replace('/', '-').split())}"
        assert g["grade"] == pytest.approx(want["grade"])
        for key in q.cite:
            assert refs[key].short in g["general"], (want["name"], key)
        if "text" in want:
            assert g["text"] == want["text"]
        for part in want.get("text_has", ()):
            assert part in g["text"]
        if "penalty" in want:
            assert g["penalty"] == pytest.approx(want["penalty"])
        if "single" in want:
            assert g["single"] == want["single"]
        if want["type"] in ("multichoice", "truefalse"):
            assert [(a, pytest.approx(f, abs=1e-4), fb) for a, f, fb, _ in g["answers"]] == want["answers"]
        elif want["type"] == "numerical":
            *answers, other = g["answers"]
            assert [(float(a), f, fb, float(tol or "nan")) for a, f, fb, tol in answers] == [
                (v, f, fb, pytest.approx(t)) for v, f, fb, t in want["answers"]
            ]
            assert other[:3] == ("*", 0.0, want["other"])
        elif want["type"] == "matching":
            assert g["pairs"] == want["pairs"]
            assert all(e in g["general"] for e in want["explained"])
        elif want["type"] == "ordering":
            assert [a for a, *_ in g["answers"]] == want["steps"]
            assert g["grading"] == "LONGEST_ORDERED_SUBSET"
            assert all(e in g["general"] for e in want["explained"])


# -- the command ------------------------------------------------------------------------------------------


def test_export_bank_writes_a_file_and_names_the_documented_forms(tmp_path, capsys):
    out = tmp_path / "bank.xml"
    assert main(["export-bank", "--format", "moodle-xml", "--quiz", "meta-analyses", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "meta-analyses/kerry-and-dan (vignette): written as one question per decision" in err
    assert f"wrote {out}" in err
    assert read_moodle(out.read_text(encoding="utf-8"))
    assert not list(tmp_path.glob(".*.part"))


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--format", "gift", "--quiz", "nope"], "no quiz 'nope' in the course; expected one of: welcome"),
        (["--format", "gift", "--quiz", "final"], "the chosen quizzes have no questions of their own"),
        (["--format", "gift", "--quiz", "meta-analyses", "--exact"], "gift cannot express"),
        (["--format", "gift", "--out", "/proc/no-such-place/bank.gift"], "cannot write /proc/no-such-place/bank.gift"),
    ],
)
def test_export_bank_refuses_bad_input_with_one_line(argv, message, capsys):
    assert main(["export-bank", *argv]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_a_course_folder_that_is_not_there(tmp_path, capsys):
    assert main(["export-bank", "--format", "gift", "--course", str(tmp_path / "none")]) == 1
    assert "quizlib export-bank:" in capsys.readouterr().err


def test_the_export_is_the_same_each_time(course):
    assert export(course, "gift").text == export(course, "gift").text
    with pytest.raises(BankError, match="unknown format 'qti'"):
        export(course, "qti")
