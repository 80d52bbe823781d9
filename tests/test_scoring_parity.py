"""static/quizlib-core.js, in Chromium, against the same table of cases as quizlib/score.py.

This is what lets the published pages score without a kernel: their scorer gives exactly the results of
the Python one on every case of the table (every kind, edge cases, partial credit, tries, draws).
"""

from __future__ import annotations

import pytest

from quizlib.quiz.model import as_json
from quizlib.fronts.html import asset
from scoring_table import case_id, fixture_course, quiz_with, table

pytestmark = pytest.mark.browser
T = table()

RUN_CASES = """
([kind, cases, quizzes, banks]) => {
  const C = window.QuizLibCore;
  const out = [];
  cases.forEach((c, i) => {
    const quiz = quizzes[i];
    try {
      if (kind === "responses") {
        const q = quiz.questions.find(x => x.id === c.question);
        const r = C.scoreResponse(q, c.response, quiz.settings);
        out.push({credit: r.credit, complete: r.complete, feedback: r.feedback.map(f => [f.ref, f.correct])});
      } else if (kind === "outcomes") {
        const q = quiz.questions.find(x => x.id === c.question);
        const o = C.outcome(q, c.tries, quiz.settings, !!c.revealed);
        out.push({final: o.final, credit: o.credit, tries: o.tries});
      } else if (kind === "quizzes") {
        const r = C.scoreQuiz(quiz, c.answers);
        out.push({points: r.points, max_points: r.max_points, percentage: r.percentage, passed: r.passed, complete: r.complete});
      } else if (kind === "numbers") {
        out.push({value: C.parseNumber(c[0])});
      } else if (kind === "draws") {
        out.push({questions: C.drawQuestions(banks.exam, banks, c.seed).map(q => q.id)});
      } else if (kind === "generator") {
        const rand = C.mulberry32(c.seed);
        out.push({values: c.values.map(() => rand())});
      }
    } catch (e) {
      if (!(e instanceof C.ResponseError)) throw e;
      out.push({error: true});
    }
  });
  return out;
}
"""


@pytest.fixture(scope="module")
def js(browser):
    page = browser.new_page()
    page.set_content("<!doctype html><title>parity</title>")
    page.add_script_tag(content=asset("quizlib-core.js"))
    yield page
    page.close()


def _run(js, kind):
    """Each case of ``kind`` with what the JavaScript scorer made of it."""
    cases = T[kind]
    quizzes = [as_json(quiz_with(c.get("settings") if isinstance(c, dict) else None)) for c in cases]
    banks = {k: as_json(v) for k, v in fixture_course().quizzes.items()}
    results = js.evaluate(RUN_CASES, [kind, cases, quizzes, banks])
    assert len(results) == len(cases)
    return list(zip(cases, results))


@pytest.mark.parametrize("kind", ["responses", "outcomes", "quizzes", "numbers", "draws", "generator"])
def test_javascript_agrees_with_the_table(js, kind):
    failures = []
    for case, got in _run(js, kind):
        if kind == "numbers":
            expected = {"value": case[1]}
        elif isinstance(case, dict) and case.get("error"):
            expected = {"error": True}
        elif kind == "responses":
            expected = {"credit": case["credit"], "complete": case.get("complete", True)}
            got = {k: got[k] for k in ("credit", "complete")} | ({"feedback": got["feedback"]} if "feedback" in case else {})
            if "feedback" in case:
                expected["feedback"] = case["feedback"]
        elif kind == "outcomes":
            expected = {"final": case["final"], "credit": case["credit"], "tries": len(case["tries"])}
        elif kind == "quizzes":
            expected = {k: case[k] for k in ("points", "max_points", "percentage", "passed", "complete")}
        elif kind == "draws":
            expected = {"questions": case["questions"]}
        else:
            expected = {"values": case["values"]}
        if got != expected:
            failures.append(f"{case_id(case) if isinstance(case, dict) else case!r}: expected {expected}, JavaScript gave {got}")
    assert not failures, "\n".join(failures)
