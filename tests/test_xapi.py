"""xapi.py: the statements quizlib builds are valid xAPI (ralph's model), and check() refuses bad ones."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime

import pytest
from ralph.models.xapi.base.statements import BaseXapiStatement

from quizlib.quiz import score
from quizlib.results import xapi

WHEN = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
ACTOR = xapi.agent("7d7c2c1e-0d0b-4bde-9b8e-2f3f6c1f3a11", "http://127.0.0.1:8000/")


def _answered(course, quiz_id="sensitivity", index=0, response=None, **over):
    quiz = course.quiz(quiz_id)
    q = quiz.questions[index]
    if response is None:
        response = score.full_credit_response(q)
    args = {
        "statement_id": str(uuid.uuid4()),
        "actor": ACTOR,
        "quiz_id": quiz.id,
        "chapter": quiz.chapter,
        "question_id": q.id,
        "kind": q.kind,
        "prompt": q.prompt,
        "response": response,
        "try_number": 1,
        "attempt_id": str(uuid.uuid4()),
        "credit": 1.0,
        "correct": True,
        "final": True,
        "when": WHEN,
        "registration": str(uuid.uuid4()),
    }
    args.update(over)
    return xapi.answered(**args)


def test_every_kind_of_answer_builds_a_valid_statement(course):
    kinds_seen = set()
    for quiz in course.quizzes.values():
        for i, q in enumerate(quiz.questions):
            s = _answered(course, quiz.id, i)
            BaseXapiStatement.model_validate(s)
            assert score.score_response(q, s["result"]["extensions"][xapi.EXT_RESPONSE], quiz.settings).correct
            kinds_seen.add(q.kind)
    assert {"single_choice", "true_false"} <= kinds_seen


@pytest.mark.parametrize("verb", ["completed", "passed", "failed"])
def test_finished_quiz_statements_are_valid(course, verb):
    quiz = course.quiz("sensitivity")
    answers = {q.id: {"tries": [score.full_credit_response(q)], "revealed": False} for q in quiz.questions}
    r = score.score_quiz(quiz, answers)
    s = xapi.finished(
        verb=verb,
        statement_id=str(uuid.uuid4()),
        actor=ACTOR,
        quiz_id=quiz.id,
        chapter=quiz.chapter,
        title=quiz.title,
        answers=answers,
        points=r.points,
        max_points=r.max_points,
        percentage=r.percentage,
        passed=r.passed,
        complete=r.complete,
        attempt_id=str(uuid.uuid4()),
        when=WHEN,
        registration=str(uuid.uuid4()),
        seed=12345,
    )
    parsed = BaseXapiStatement.model_validate(s)
    assert str(parsed.verb.id) == xapi.VERBS[verb]
    assert s["result"]["score"]["scaled"] == 1.0


def test_statement_carries_quiz_chapter_registration_attempt_try_and_both_responses(course):
    quiz = course.quiz("sensitivity")
    q = quiz.questions[0]
    reg, attempt = str(uuid.uuid4()), str(uuid.uuid4())
    s = _answered(course, registration=reg, attempt_id=attempt, try_number=2)
    ctx = s["context"]
    assert ctx["registration"] == reg
    assert ctx["contextActivities"]["parent"][0]["id"] == "urn:quizlib:quiz:sensitivity"
    assert ctx["contextActivities"]["grouping"][0]["id"] == f"urn:quizlib:chapter:{quiz.chapter}"
    assert ctx["extensions"][xapi.EXT_ATTEMPT] == attempt
    assert ctx["extensions"][xapi.EXT_TRY] == 2
    assert s["object"]["id"] == f"urn:quizlib:quiz:sensitivity:question:{q.id}"
    assert s["result"]["extensions"][xapi.EXT_RESPONSE] == score.full_credit_response(q)
    assert s["result"]["response"] == xapi.response_string(q.kind, score.full_credit_response(q))
    assert s["timestamp"] == "2026-11-25T10:30:00.000Z"
    assert s["version"] == "1.0.3"


def test_iris_are_stable_and_valid():
    # The same ids wherever the course is served from: they name the course's content, not a host.
    assert xapi.quiz_iri("sensitivity") == "urn:quizlib:quiz:sensitivity"
    assert (
        xapi.question_iri("final", "sensitivity/core-objective")
        == "urn:quizlib:quiz:final:question:sensitivity/core-objective"
    )
    for iri in (
        xapi.quiz_iri("a-b"),
        xapi.question_iri("final", "x/y"),
        xapi.chapter_iri("chapters/02-x"),
        *xapi.VERBS.values(),
        xapi.EXT_ATTEMPT,
        xapi.EXT_TRY,
        xapi.EXT_SEED,
        xapi.EXT_RESPONSE,
        xapi.EXT_ANSWERS,
    ):
        assert xapi.is_iri(iri), iri
    assert not xapi.is_iri("not an iri")


@pytest.mark.parametrize(
    ("kind", "response", "text"),
    [
        ("single_choice", "b", "b"),
        ("multiple_response", ["a", "c"], "a[,]c"),
        ("true_false", False, "false"),
        ("numeric", "7,636", "7636"),
        ("numeric", "0,19", "0.19"),
        ("ordering", ["s2", "s1"], "s2[,]s1"),
        ("matching", {"p2": "x", "p1": "p1"}, "p1[.]p1[,]p2[.]x"),
        ("vignette", ["a", "c"], "a[,]c"),
    ],
)
def test_response_strings_follow_xapi_interaction_formats(kind, response, text):
    assert xapi.response_string(kind, response) == text


def test_check_reads_the_facts_back(course):
    s = _answered(course, seed=7, try_number=2)
    got = xapi.check(s)
    assert (got.verb, got.quiz_id, got.question_id, got.try_number, got.seed) == (
        "answered",
        "sensitivity",
        course.quiz("sensitivity").questions[0].id,
        2,
        7,
    )
    assert got.learner_id == ACTOR["account"]["name"]
    assert got.registration == s["context"]["registration"]
    assert got.timestamp == WHEN


def _broken(course, change):
    s = copy.deepcopy(_answered(course))
    change(s)
    return s


BROKEN = {
    "id not a uuid": (lambda s: s.update(id="123"), "id"),
    "id missing": (lambda s: s.pop("id"), "id"),
    "actor not an object": (lambda s: s.update(actor="me"), "actor"),
    "account name a number": (lambda s: s["actor"]["account"].update(name=5), "actor.account.name"),
    "homePage not an IRI": (lambda s: s["actor"]["account"].update(homePage="my page"), "actor.account.homePage"),
    "unknown verb": (lambda s: s["verb"].update(id="http://adlnet.gov/expapi/verbs/liked"), "verb.id"),
    "object not quizlib's": (lambda s: s["object"].update(id="http://example.org/q1"), "object.id"),
    "try a string": (
        lambda s: s["context"]["extensions"].update({xapi.EXT_TRY: "1"}),
        f"context.extensions[{xapi.EXT_TRY}]",
    ),
    "try a boolean": (
        lambda s: s["context"]["extensions"].update({xapi.EXT_TRY: True}),
        f"context.extensions[{xapi.EXT_TRY}]",
    ),
    "try zero": (lambda s: s["context"]["extensions"].update({xapi.EXT_TRY: 0}), f"context.extensions[{xapi.EXT_TRY}]"),
    "attempt missing": (
        lambda s: s["context"]["extensions"].pop(xapi.EXT_ATTEMPT),
        f"context.extensions[{xapi.EXT_ATTEMPT}]",
    ),
    "registration not a uuid": (lambda s: s["context"].update(registration="x"), "context.registration"),
    "response missing": (
        lambda s: s["result"]["extensions"].pop(xapi.EXT_RESPONSE),
        f"result.extensions[{xapi.EXT_RESPONSE}]",
    ),
    "timestamp without zone": (lambda s: s.update(timestamp="2026-11-25T10:00:00"), "timestamp"),
    "timestamp not a time": (lambda s: s.update(timestamp="yesterday"), "timestamp"),
    "scaled above 1": (lambda s: s["result"]["score"].update(scaled=1.5), "result.score.scaled"),
    "parent another quiz": (
        lambda s: s["context"]["contextActivities"].update(parent=[{"id": "urn:quizlib:quiz:other"}]),
        "context.contextActivities.parent",
    ),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_check_refuses_malformed_statements_naming_the_field(course, name):
    change, path = BROKEN[name]
    with pytest.raises(xapi.StatementError) as info:
        xapi.check(_broken(course, change))
    assert info.value.path == path
    assert info.value.message


def test_check_refuses_what_is_not_an_object():
    for value in (None, [], "statement", 3):
        with pytest.raises(xapi.StatementError, match="expected an object"):
            xapi.check(value)
