"""quizlib's JavaScript (src/quizlib/fronts/assets/): ESLint finds nothing, every kind of question has its
entry in each per-kind registry, and the xAPI statements the browser builds are those quizlib.results.xapi
builds from the same facts (Python is the reference). Runs under Node; the scoring table runs in
tests/test_scoring_parity.py.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from javascript import ASSETS, NODE_MODULES, ROOT, TESTS_JS, run_in_node
from scoring_table import fixture_course

from quizlib.fronts.html import SCRIPTS
from quizlib.quiz import draw, score
from quizlib.quiz.model import KINDS, Quiz, as_json
from quizlib.results import xapi

RUNTIME = [ASSETS / name for name in SCRIPTS]
LINTED = ["src/quizlib/fronts/assets", "tests/js", "eslint.config.js"]


def test_eslint_finds_nothing():
    npx = shutil.which("npx")
    if not npx or not (NODE_MODULES / "eslint").is_dir():
        pytest.fail("ESLint is missing: ./course test installs it (npm ci, from package-lock.json)")
    proc = subprocess.run(
        [npx, "--no-install", "eslint", *LINTED], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, f"ESLint:\n{proc.stdout}{proc.stderr}"


def test_every_kind_has_its_scorer_view_and_xapi_entry():
    """Adding a kind means an entry in each registry: this names the one missing."""
    registries = run_in_node(
        "{'quizlib-core.js KINDS': Object.keys(QuizLibCore.KINDS), 'quizlib-ui.js VIEWS': Object.keys(QuizLibUI.VIEWS),"
        " 'quizlib-sync.js XAPI_KINDS': Object.keys(QuizLibSync.XAPI_KINDS)}",
        RUNTIME,
        None,
    )
    assert {name: sorted(kinds) for name, kinds in registries.items()} == {name: sorted(KINDS) for name in registries}


# -- the browser's statements against quizlib.results.xapi ------------------------------------------------

WHEN = datetime(2026, 11, 25, 10, 0, 0, 123000, tzinfo=UTC)
ATTEMPT = "0f8fad5b-d9cb-469f-a165-70867728950e"
LEARNER = {
    "server": "http://127.0.0.1:8000/",
    "home_page": "http://127.0.0.1:8000/",
    "token": "t",
    "learner_id": "5f0c3c55-8a0e-4d5c-9a57-0a1bb2f2c1d4",
}
# Text where JavaScript and Python could differ: spaces that only one of them counts as spaces, and more than
# 200 characters, some outside the Basic Multilingual Plane (one character in Python, two in JavaScript).
AWKWARD = " Which\u00a0colour\x1cis\u2003the sky\ufeffon a\x85clear day?\n\n" + "\U0001f324 sun" * 60


def _wrong(q) -> Any:
    """A response to ``q`` that is not fully right (for a case: a path with a weaker first decision)."""
    if q.kind == "single_choice":
        return next(o.id for o in q.options if not o.correct)
    if q.kind == "multiple_response":
        return [next(o.id for o in q.options if not o.correct), next(o.id for o in q.options if o.correct)]
    if q.kind == "true_false":
        return not q.answer
    if q.kind == "numeric":
        return "0,00005"  # a decimal comma, and a number Python writes as 5e-05
    if q.kind == "ordering":
        return list(reversed(q.order))
    if q.kind == "matching":
        return {p.id: q.pairs[(i + 1) % len(q.pairs)].id for i, p in enumerate(q.pairs)}
    stages = {s.id: s for s in q.stages}
    stage, path, weaker = stages[q.start], [], True
    while stage is not None:
        option = next((o for o in stage.options if o.credit < 1), None) if weaker else None
        option = option or next(o for o in stage.options if o.credit == 1)
        weaker = False
        path.append(option.id)
        stage = stages[option.next] if option.next else None
    return path


def _steps(quiz: Quiz, shown, wrong_first: set[str]) -> list[tuple[str, Any]]:
    """Every try, in order: a wrong try then the right one where tries allow, else one try; a case one
    decision at a time."""
    steps = []
    for q in shown:
        if q.kind == "vignette":
            path = _wrong(q) if q.id in wrong_first else score.full_credit_response(q)
            steps += [(q.id, path[: n + 1]) for n in range(len(path))]
        elif q.id in wrong_first:
            steps.append((q.id, _wrong(q)))
            if quiz.settings.tries > 1:
                steps.append((q.id, score.full_credit_response(q)))
        else:
            steps.append((q.id, score.full_credit_response(q)))
    return steps


def _durations(steps) -> list[float]:
    """Seconds spent on each step's question so far: awkward values for the ISO 8601 text (whole seconds, a
    hundredth, minutes and hours, a value that rounds up)."""
    values = [0, 0.01, 7.5, 59.999, 61.25, 3600, 3723.456, 0.005]
    return [values[i % len(values)] + i for i in range(len(steps))]


ATTEMPT_SECONDS = 4321.987


def _python_statements(quiz: Quiz, shown, steps, ids, seed, registration) -> list[dict]:
    """What quizlib.results.xapi makes of the same attempt (the tries and the finished quiz)."""
    actor = xapi.agent(LEARNER["learner_id"], LEARNER["home_page"])
    by_id = {q.id: q for q in shown}
    answers: dict[str, dict] = {}
    common: dict[str, Any] = {
        "actor": actor,
        "quiz_id": quiz.id,
        "chapter": quiz.chapter,
        "attempt_id": ATTEMPT,
        "when": WHEN,
        "registration": registration,
        "seed": seed if quiz.draw else None,
    }
    out = []
    for (qid, response), statement_id, seconds in zip(steps, ids, _durations(steps)):
        q = by_id[qid]
        tries = answers.setdefault(qid, {"tries": [], "revealed": False})["tries"]
        if q.kind == "vignette":
            tries.clear()  # a case's one try is the path so far
        tries.append(response)
        o = score.outcome(q, tries, quiz.settings)
        out.append(
            xapi.answered(
                statement_id=statement_id,
                question_id=qid,
                kind=q.kind,
                prompt=q.prompt,
                response=response,
                try_number=len(tries),
                credit=o.credit,
                correct=score.score_response(q, response, quiz.settings).correct,
                final=o.final,
                duration=seconds,
                **common,
            )
        )
    result = score.score_quiz(quiz, answers, shown)
    out.append(
        xapi.finished(
            verb="completed",
            statement_id=ids[len(steps)],
            title=quiz.title,
            answers=answers,
            points=result.points,
            max_points=result.max_points,
            percentage=result.percentage,
            passed=result.passed,
            complete=result.complete,
            duration=ATTEMPT_SECONDS,
            **common,
        )
    )
    return json.loads(json.dumps(out))


def _awkward(quiz: Quiz) -> Quiz:
    questions = tuple(dataclasses.replace(q, prompt=AWKWARD) if q.id == "sc" else q for q in quiz.questions)
    return dataclasses.replace(quiz, title=AWKWARD, questions=questions)


SCENARIOS = {
    # quiz, seed, wrong first (question ids; "*" for all), registration
    "every kind, a wrong try first": ("kinds", 1, "*", "6a2f41a3-c54c-4c01-9b2c-7e6b2b1e6c1f"),
    "every kind, right at once, no assignment": ("kinds", 1, "", None),
    "awkward text": ("awkward", 1, "*", None),
    "a drawn assessment, one try each": ("exam", 20261125, "*", "6a2f41a3-c54c-4c01-9b2c-7e6b2b1e6c1f"),
}


def _differences(a: Any, b: Any, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return [
            d
            for k in sorted(set(a) | set(b), key=str)
            for d in (_differences(a.get(k, "<missing>"), b.get(k, "<missing>"), f"{path}.{k}"))
        ]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _differences(x, y, f"{path}[{i}]")]
    if a == b and (type(a) is type(b) or {type(a), type(b)} <= {int, float}):  # JSON has one kind of number
        return []
    return [f"{path}: Python {a!r}, JavaScript {b!r}"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_browser_builds_the_statements_quizlib_xapi_builds(scenario):
    quiz_id, seed, wrong, registration = SCENARIOS[scenario]
    course = fixture_course()
    quiz = _awkward(course.quiz("kinds")) if quiz_id == "awkward" else course.quiz(quiz_id)
    banks = dict(course.quizzes)
    shown = draw.draw_questions(quiz, banks, seed) if quiz.draw else quiz.questions
    if not quiz.draw:
        assert {q.kind for q in shown} == set(KINDS), "every kind is answered"
    steps = _steps(quiz, shown, {q.id for q in shown} if wrong == "*" else set())
    ids = [str(uuid.uuid4()) for _ in range(len(steps) + 1)]
    expected = _python_statements(quiz, shown, steps, ids, seed, registration)

    js = run_in_node(
        "attemptStatements(QuizLibCore, QuizLibSync, input)",
        [*RUNTIME, TESTS_JS / "attempt.js"],
        {
            "quiz": as_json(quiz),
            "banks": {k: as_json(v) for k, v in banks.items()},
            "seed": seed,
            "attempt_id": ATTEMPT,
            "registration": registration,
            "timestamp": xapi.timestamp(WHEN),
            "learner": LEARNER,
            "ids": ids,
            "steps": [{"question": qid, "response": r, "duration": d} for (qid, r), d in zip(steps, _durations(steps))],
            "duration": ATTEMPT_SECONDS,
        },
    )
    assert len(js) == len(expected)
    problems = [
        f"statement {i} ({s['verb']['display']['en']} {s['object']['id']}): {d}"
        for i, (s, got) in enumerate(zip(expected, js))
        for d in _differences(s, got)
    ]
    assert not problems, "\n".join(problems)
    for statement in js:  # and the server accepts what the browser sends
        xapi.check(statement)


def test_the_browser_decodes_the_practice_copy_quizlib_encodes():
    """A summative quiz's practice copy (quizlib.fronts.html.encode_practice) reads back in the browser as
    the same data, text outside ASCII included; its text shows none of the quiz."""
    from quizlib.fronts.html import decode_practice, encode_practice, quiz_data

    data = quiz_data(fixture_course(), "kinds")
    data["quiz"]["title"] = "Ça va ? \U0001f324 “quoted” <b>"
    encoded = encode_practice("kinds", data)
    assert decode_practice("kinds", encoded) == data
    assert "Blue" not in encoded and "feedback" not in encoded and "correct" not in encoded
    decoded = run_in_node("QuizLibUI.practiceData('kinds', input)", RUNTIME, encoded)
    assert decoded == data
