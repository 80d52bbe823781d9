"""quizlib-core.js against the same table of cases as quizlib/quiz/score.py, under Node and in Chromium.

This is what lets the published pages score without a kernel: their scorer gives exactly the results of
the Python one on every case of the table (every kind, edge cases, partial credit, tries, draws, the
order choices are shown in). Node runs
the whole table in well under a second; Chromium, the browser learners use, runs it too.
"""

from __future__ import annotations

import json

import pytest
from javascript import ASSETS, TESTS_JS, run_in_node
from scoring_table import case_id, fixture_course, quiz_with, table

from quizlib.quiz.model import as_json

T = table()
SECTIONS = ["responses", "outcomes", "quizzes", "numbers", "draws", "generator", "arrangements", "hashes"]
CORE = ASSETS / "quizlib-core.js"
RUNNER = TESTS_JS / "scoring_cases.js"


def _inputs(section: str) -> dict:
    cases = T[section]
    return {
        "kind": section,
        "cases": cases,
        "quizzes": [as_json(quiz_with(c.get("settings") if isinstance(c, dict) else None)) for c in cases],
        "banks": {k: as_json(v) for k, v in fixture_course().quizzes.items()},
    }


@pytest.fixture(scope="module")
def node_results() -> dict:
    """Every section of the table, run once under Node."""
    runs = [_inputs(s) for s in SECTIONS]
    out = run_in_node(
        "input.map(function (r) { return runScoringCases(QuizLibCore, r.kind, r.cases, r.quizzes, r.banks); })",
        [CORE, RUNNER],
        runs,
    )
    return dict(zip(SECTIONS, out))


@pytest.fixture(scope="module")
def chromium(browser):
    page = browser.new_page()
    page.set_content("<!doctype html><title>parity</title>")
    page.add_script_tag(content=CORE.read_text(encoding="utf-8"))
    page.add_script_tag(content=RUNNER.read_text(encoding="utf-8"))
    yield page
    page.close()


def _expected(section: str, case, got: dict) -> tuple[dict, dict]:
    """What the table expects of ``case``, and the part of ``got`` that the table speaks of."""
    if section in ("numbers", "hashes"):
        return {"value": case[1]}, got
    if section == "arrangements":
        return {"order": case["order"]}, got
    if isinstance(case, dict) and case.get("error"):
        return {"error": True}, got
    if section == "responses":
        expected = {"credit": case["credit"], "complete": case.get("complete", True)}
        compared = {k: got.get(k) for k in ("credit", "complete")}
        if "feedback" in case:
            expected["feedback"] = case["feedback"]
            compared["feedback"] = got.get("feedback")
        return expected, compared
    if section == "outcomes":
        return {"final": case["final"], "credit": case["credit"], "tries": len(case["tries"])}, got
    if section == "quizzes":
        return {k: case[k] for k in ("points", "max_points", "percentage", "passed", "complete")}, got
    if section == "draws":
        return {"questions": case["questions"]}, got
    return {"values": case["values"]}, got


def _check(section: str, results: list, engine: str) -> None:
    cases = T[section]
    assert len(results) == len(cases)
    failures = []
    for case, got in zip(cases, results):
        expected, compared = _expected(section, case, got)
        if compared != expected:
            name = case_id(case) if isinstance(case, dict) else repr(case)
            failures.append(f"{name}: expected {expected}, {engine} gave {compared}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("section", SECTIONS)
def test_javascript_under_node_agrees_with_the_table(node_results, section):
    _check(section, node_results[section], "Node")


@pytest.mark.browser
@pytest.mark.parametrize("section", SECTIONS)
def test_javascript_in_chromium_agrees_with_the_table(chromium, section):
    i = _inputs(section)
    results = chromium.evaluate(
        "([k, c, q, b]) => runScoringCases(window.QuizLibCore, k, c, q, b)",
        [i["kind"], i["cases"], i["quizzes"], i["banks"]],
    )
    _check(section, json.loads(json.dumps(results)), "Chromium")
