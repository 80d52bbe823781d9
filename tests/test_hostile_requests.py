"""A server that trusts no client: every value a learner's browser sends is bounded and checked before use,
anything out of range is a 4xx naming the field (never a 5xx), the server keeps its own clock, and a client
that hangs up halfway is logged quietly. benchmarks/stress_server.py sends thousands of such requests."""

from __future__ import annotations

import socket
import time
import uuid
from datetime import UTC, datetime

import pytest
from server_fixtures import join
from test_server_api import answered, completed

from quizlib.quiz.score import full_credit_response as _right
from quizlib.results import xapi
from quizlib.results.store import Store


@pytest.fixture
def cohort(live):
    trainer = live.store.add_staff("Tess", "trainer", "x")
    return live.store.add_cohort("Spring", trainer.id)


@pytest.fixture
def learner(live, cohort):
    who = join(live, cohort.code)
    client = live.client()
    client.headers["Authorization"] = f"Bearer {who['token']}"
    who["client"] = client
    yield who
    client.close()


def _numeric(course):
    for quiz in course.quizzes.values():
        for q in quiz.questions:
            if q.kind == "numeric" and not quiz.draw:
                return quiz, q
    raise AssertionError("the course has no numeric question")


@pytest.mark.parametrize(
    "response",
    ["9" * 400, "-" + "9" * 400, 10**400, "1e400", "Infinity", "9" * 400 + ",5"],
    ids=["400 nines", "minus 400 nines", "an integer of 400 digits", "1e400", "Infinity", "with a decimal comma"],
)
def test_a_number_no_float_can_hold_is_a_422_naming_the_response(live, learner, course, response):
    """Before: 500 (OverflowError in score.parse_number and xapi.number_text)."""
    quiz, q = _numeric(course)
    s = answered(learner, quiz, q, "1")
    s["result"]["extensions"][xapi.EXT_RESPONSE] = response
    r = learner["client"].post("api/v1/statements", json=s)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["path"] == f"result.extensions[{xapi.EXT_RESPONSE}]"
    assert "expected a number" in r.json()["error"]
    assert live.store.count_statements() == 0


@pytest.mark.parametrize(
    "stamp",
    ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "+275760-09-13T00:00:00Z", "2026-11-25T10:00:00"],
)
def test_a_time_outside_what_can_be_stored_is_a_400_naming_the_timestamp(live, learner, course, stamp):
    """Before: 500 (OverflowError: date value out of range in xapi.parse_timestamp)."""
    quiz = course.quiz("sensitivity")
    q = quiz.questions[0]
    s = answered(learner, quiz, q, _right(q))
    s["timestamp"] = stamp
    r = learner["client"].post("api/v1/statements", json=s)
    assert r.status_code == 400, r.text
    assert r.json()["errors"][0]["path"] == "timestamp" and "expected a time" in r.json()["error"]


def test_the_server_keeps_its_own_clock(live, learner, course):
    """A time before the learner joined is moved up to when they joined; a time in the future down to when
    the server received it. ``stored`` is always the server's own time."""
    quiz = course.quiz("sensitivity")
    q = quiz.questions[0]
    joined = live.store.learner(learner["learner_id"]).created_at
    past, future, fine, year_one = (answered(learner, quiz, q, _right(q)) for _ in range(4))
    past["timestamp"] = "2024-01-15T09:00:00.000Z"
    year_one["timestamp"] = "0001-01-01T00:00:00Z"
    future["timestamp"] = "9999-12-30T00:00:00.000Z"
    time.sleep(0.01)
    fine["timestamp"] = xapi.timestamp(datetime.now(UTC))  # after joining, before sending: kept as it is
    before = datetime.now(UTC)
    assert learner["client"].post("api/v1/statements", json=[past, future, fine, year_one]).status_code == 200
    after = datetime.now(UTC)
    stored = {s.id: s for s in live.store.statements()}
    assert stored[past["id"]].timestamp == stored[year_one["id"]].timestamp == joined
    assert before <= stored[future["id"]].timestamp <= after
    assert stored[fine["id"]].timestamp == xapi.parse_timestamp(fine["timestamp"])
    for s in stored.values():
        assert before <= s.stored <= after
        assert s.statement["timestamp"] == xapi.timestamp(s.timestamp)
        assert s.statement["stored"] == xapi.timestamp(s.stored)


@pytest.mark.parametrize(
    "home_page",
    ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "ftp://x/", "http://" + "a" * 3000 + "/"],
)
def test_an_actor_home_page_that_is_not_a_web_address_is_refused(live, learner, course, home_page):
    """Before: javascript: and data: IRIs were accepted and stored as the learner's account."""
    quiz = course.quiz("sensitivity")
    q = quiz.questions[0]
    s = answered(learner, quiz, q, _right(q))
    s["actor"]["account"]["homePage"] = home_page
    r = learner["client"].post("api/v1/statements", json=s)
    assert r.status_code == 400 and r.json()["errors"][0]["path"] == "actor.account.homePage", r.text
    assert len(r.text) < 2000


def test_the_stored_actor_is_the_servers_own_account(live, learner, course):
    quiz = course.quiz("sensitivity")
    q = quiz.questions[0]
    s = answered(learner, quiz, q, _right(q))
    s["actor"]["account"]["homePage"] = "https://elsewhere.example/"
    assert learner["client"].post("api/v1/statements", json=s).status_code == 200
    assert live.store.statement(s["id"]).statement["actor"]["account"] == {
        "homePage": learner["home_page"],
        "name": learner["learner_id"],
    }


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("response", "x" * 100_000),
        ("object.id", xapi.question_iri("sensitivity", "q" * 50_000)),
        ("context.contextActivities.grouping", [{"id": "urn:quizlib:chapter:" + "c" * 100_000}]),
    ],
)
def test_long_strings_are_refused_with_a_short_reason(live, learner, course, where, value):
    quiz = course.quiz("sensitivity")
    q = quiz.questions[0]
    s = answered(learner, quiz, q, _right(q))
    if where == "response":
        s["result"]["extensions"][xapi.EXT_RESPONSE] = value
    elif where == "object.id":
        s["object"]["id"] = value
    else:
        s["context"]["contextActivities"]["grouping"] = value
    r = learner["client"].post("api/v1/statements", json=s)
    assert 400 <= r.status_code < 500 and len(r.text) < 2000, (r.status_code, r.text[:300])
    assert live.store.count_statements() == 0


@pytest.mark.parametrize("scaled", [10**400, -(10**400), 2**64, "1"], ids=["huge", "minus huge", "2**64", "text"])
def test_a_score_out_of_range_is_a_400_naming_it(live, learner, course, scaled):
    """Found by benchmarks/stress_server.py: an integer of 400 digits as result.score.scaled was a 500."""
    quiz = course.quiz("sensitivity")
    q = quiz.questions[0]
    s = answered(learner, quiz, q, _right(q))
    s["result"]["score"]["scaled"] = scaled
    r = learner["client"].post("api/v1/statements", json=s)
    assert r.status_code == 400 and r.json()["errors"][0]["path"] == "result.score.scaled", r.text


def test_a_finished_quiz_with_hostile_answers_is_a_4xx(live, learner, course):
    """A whole attempt in one request, as the browser sends it after being offline: its answers, one of them
    400 nines, then its completed statement. A 4xx naming what is wrong, and nothing stored."""
    quiz, q = _numeric(course)
    attempt = str(uuid.uuid4())
    answers = {x.id: {"tries": [_right(x)], "revealed": False} for x in quiz.questions}
    answers[q.id] = {"tries": ["9" * 400], "revealed": False}
    sent = [answered(learner, quiz, x, answers[x.id]["tries"][0], attempt=attempt) for x in quiz.questions]
    sent.append(completed(learner, quiz, answers, attempt=attempt))
    r = learner["client"].post("api/v1/statements", json=sent)
    assert r.status_code == 422 and "expected a number" in r.json()["error"], r.text
    assert live.store.count_statements() == 0


def _hang_up(url: str, path: str, headers: str, partial: bytes) -> None:
    host, port = url.split("//", 1)[1].rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(
            f"POST /{path} HTTP/1.1\r\nHost: {host}\r\n{headers}Content-Length: 100000\r\n\r\n".encode() + partial
        )


def test_a_client_that_hangs_up_mid_body_is_logged_quietly(tmp_path, tiny_book, start_server):
    """Before: "Exception in ASGI application" with a traceback for each one."""
    url = f"sqlite:///{tmp_path / 'course.sqlite3'}"
    server = start_server(tiny_book, url)
    store = Store(url)
    cohort = store.add_cohort("Spring", store.add_staff("Tess", "trainer", "x").id)
    store.close()
    status, who = server.request("POST", "api/v1/join", {"code": cohort.code, "display_name": "Bea"})
    assert status == 201
    for path, ctype in (
        ("api/v1/statements", "application/json"),
        ("api/v1/join", "application/json"),
        ("signin", "application/x-www-form-urlencoded"),
    ):
        for _ in range(3):
            headers = f"Content-Type: {ctype}\r\nAuthorization: Bearer {who['token']}\r\n"
            _hang_up(server.url, path, headers, b'[{"id": "')
    time.sleep(1)
    assert server.request("GET", "api/v1/config")[0] == 200
    log = server.stderr()
    assert "Traceback" not in log and "Exception in ASGI application" not in log, log[-3000:]
