"""One bad answer never holds back the others, in the browser's outbox (quizlib-sync.js, in Chromium, against
the real server serving the built book) and in the notebook recorder's: a statement the server refuses is set
aside and shown; one the server fails on is found, put behind the others, and set aside in the end.

Before: a learner typed 400 nines into a numeric question and answered three more; the server answered 500,
the sync script retried the head of its outbox for ever, and after 40 s none of the four answers was stored.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import ClassVar

import pytest
from conftest import new_guarded_page
from test_tracking_e2e import _answer

from quizlib.quiz import score
from quizlib.quiz.score import full_credit_response as _right
from quizlib.results import xapi
from quizlib.results.recorder import Credentials, Recorder
from quizlib.results.store import Store

QUIZ = "welcome"  # on the book's first page, with a question of every kind


def _poisoned(quiz, q) -> dict:
    """The statement the browser made, before its scorer refused them, for 400 nines typed as a number (the
    browser adds the actor when it first sends it)."""
    s = xapi.answered(
        statement_id=str(uuid.uuid4()),
        actor=xapi.agent("x", "http://127.0.0.1/"),
        quiz_id=quiz.id,
        chapter=quiz.chapter,
        question_id=q.id,
        kind=q.kind,
        prompt=q.prompt,
        response="1",
        try_number=1,
        attempt_id=str(uuid.uuid4()),
        credit=0,
        correct=False,
        final=False,
        when=datetime.now(UTC),
    )
    s["result"]["extensions"][xapi.EXT_RESPONSE] = s["result"]["response"] = "9" * 400
    del s["actor"]
    return s


def _joined_learner(browser, server, store, quiz):
    cohort = store.add_cohort("Spring", store.add_staff("Tess", "trainer", "x").id)
    ctx, page, guard = new_guarded_page(browser)
    page.goto(server.url + f"join/{cohort.code}")  # the join page's script runs under the page's policy
    page.get_by_label("Your name, as your trainer will see it").fill("Bea")
    page.get_by_role("button", name="Join").click()
    page.get_by_role("link", name="Start the course").wait_for()
    page.goto(server.url + quiz.chapter + ".html")
    page.locator(f"section.ql-question[data-question='{quiz.questions[0].id}']").wait_for()
    return ctx, page, guard


def _push_first(page, statement: dict) -> None:
    page.evaluate(
        """s => { const box = JSON.parse(localStorage.getItem('quizlib:v1:outbox') || '[]');
                  box.unshift(s); localStorage.setItem('quizlib:v1:outbox', JSON.stringify(box)); }""",
        statement,
    )


def _three_good(quiz):
    kinds = ("single_choice", "true_false", "multiple_response")
    return [next(q for q in quiz.questions if q.kind == k) for k in kinds]


def _until_sent(page, seconds: float = 45) -> None:
    deadline = time.monotonic() + seconds
    while page.evaluate("() => window.QuizLibSync.pending()") and time.monotonic() < deadline:
        page.evaluate("() => window.QuizLibSync.flush()")
        page.wait_for_timeout(300)


@pytest.mark.browser
@pytest.mark.book
def test_a_refused_answer_is_set_aside_and_three_good_ones_are_stored(
    browser, built_book, start_server, tmp_path, course
):
    url = f"sqlite:///{tmp_path / 'course.sqlite3'}"
    server = start_server(built_book, url)
    store = Store(url)
    quiz = course.quiz(QUIZ)
    ctx, page, guard = _joined_learner(browser, server, store, quiz)
    try:
        numeric = next(q for q in quiz.questions if q.kind == "numeric")
        # What an older page put in the outbox for 400 nines: first in line, and refused by the server.
        _push_first(page, _poisoned(quiz, numeric))
        # Typed now, 400 nines are not a number: the learner is asked for one, and nothing is queued.
        box = page.locator(f"section.ql-question[data-question='{numeric.id}']")
        box.locator("input.ql-number").fill("9" * 400)
        box.get_by_role("button", name="Check answer", exact=True).click()
        good = _three_good(quiz)
        for q in good:
            _answer(page, q, _right(q))
        _until_sent(page, seconds=40)
        stored = {s.question_id for s in store.statements(verb="answered")}
        assert stored == {q.id for q in good}, f"{len(stored & {q.id for q in good})} of 3 good answers stored"
        assert page.evaluate("() => window.QuizLibSync.pending()") == 0
        box.get_by_text("Please type a number").wait_for()
        [aside] = page.evaluate("() => window.QuizLibSync.rejected()")
        assert "expected a number" in aside["reason"]
        # The learner is told, on the progress page, that one answer was not recorded.
        page.goto(server.url + "chapters/progress.html")
        page.get_by_text("One of your answers was not recorded on the course server").wait_for()
    finally:
        ctx.close()
        store.close()
    guard.check()  # no script error and nothing refused by the pages' Content-Security-Policy


@pytest.mark.browser
@pytest.mark.book
def test_a_statement_the_server_fails_on_is_found_and_set_aside(browser, built_book, start_server, tmp_path, course):
    """A server error for one statement (a bug of the server's, stood in for by the browser's request
    routing): smaller batches find it, the others are stored, and it is set aside in the end."""
    url = f"sqlite:///{tmp_path / 'course.sqlite3'}"
    server = start_server(built_book, url)
    store = Store(url)
    quiz = course.quiz(QUIZ)
    ctx, page, guard = _joined_learner(browser, server, store, quiz)
    numeric = next(q for q in quiz.questions if q.kind == "numeric")
    fatal = _poisoned(quiz, numeric)
    fatal["result"]["extensions"][xapi.EXT_RESPONSE] = "12"
    fatal["result"]["response"] = "12"

    def route(r):
        if fatal["id"] in (r.request.post_data or ""):
            r.fulfill(status=500, content_type="application/json", body='{"error": "a bug", "status": 500}')
        else:
            r.continue_()

    try:
        page.route("**/api/v1/statements", route)
        _push_first(page, fatal)
        good = _three_good(quiz)
        for q in good:
            _answer(page, q, _right(q))
        _until_sent(page)
        stored = {s.question_id for s in store.statements(verb="answered")}
        assert stored == {q.id for q in good}
        assert page.evaluate("() => window.QuizLibSync.pending()") == 0
        [aside] = page.evaluate("() => window.QuizLibSync.rejected()")
        assert aside["statement"]["id"] == fatal["id"] and "error 500" in aside["reason"]
    finally:
        ctx.close()
        store.close()
    guard.check()


def _event(quiz, q, response):
    return {
        "type": "answered",
        "question": q,
        "response": response,
        "result": score.score_response(q, response, quiz.settings),
        "outcome": score.outcome(q, [response], quiz.settings),
        "try_number": 1,
        "quiz": quiz,
        "quiz_id": quiz.id,
        "chapter": quiz.chapter,
        "attempt_id": str(uuid.uuid4()),
        "seed": None,
    }


def test_the_recorder_sets_aside_a_refused_answer_and_sends_the_rest(tmp_path, tiny_book, start_server, course):
    url = f"sqlite:///{tmp_path / 'course.sqlite3'}"
    server = start_server(tiny_book, url)
    store = Store(url)
    cohort = store.add_cohort("Spring", store.add_staff("Tess", "trainer", "x").id)
    recorder = Recorder.join(server.url, cohort.code, "Cy", credentials=tmp_path / "c.json", outbox=tmp_path / "out")
    quiz = course.quiz(QUIZ)
    numeric = next(q for q in quiz.questions if q.kind == "numeric")
    poisoned = _poisoned(quiz, numeric)
    poisoned["actor"] = xapi.agent(recorder.credentials.learner_id, recorder.credentials.home_page)
    recorder._keep(poisoned)  # first in the outbox, as an older recorder would have written it
    good = _three_good(quiz)
    server.stop()
    for q in good:
        recorder(_event(quiz, q, _right(q)))
    server = start_server(tiny_book, url, port=server.port)
    assert recorder.flush() == 3
    assert {s.question_id for s in store.statements(verb="answered")} == {q.id for q in good}
    [aside] = list((tmp_path / "out" / "rejected").glob("*.json"))
    assert "expected a number" in json.loads(aside.read_text())["reason"]
    store.close()


class _StandIn(http.server.BaseHTTPRequestHandler):
    """A course server's statements endpoint that fails on one statement (``fatal``), and says 429 once."""

    fatal = ""
    stored: ClassVar[list[str]] = []
    busy_once = True

    def do_POST(self):
        batch = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if _StandIn.busy_once:
            _StandIn.busy_once = False
            return self._answer(429, {"error": "too many at once", "retry": True}, {"Retry-After": "1"})
        if any(s["id"] == _StandIn.fatal for s in batch):
            return self._answer(500, {"error": "a bug"})
        _StandIn.stored += [s["id"] for s in batch]
        return self._answer(200, [s["id"] for s in batch])

    def _answer(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        for k, v in {"Content-Type": "application/json", "Content-Length": str(len(data)), **(headers or {})}.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_the_recorder_finds_a_statement_the_server_fails_on_and_waits_out_a_429(tmp_path, course):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _StandIn)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/"
        creds = Credentials(server=url, token="t", learner_id="l", display_name="Cy", home_page=url)
        recorder = Recorder(creds, outbox=tmp_path / "out")
        quiz = course.quiz(QUIZ)
        statements = [recorder.statement(_event(quiz, q, _right(q))) for q in quiz.questions[:6]]
        _StandIn.fatal = statements[0]["id"]
        for s in statements:
            recorder._keep(s)
            time.sleep(0.002)  # file names keep their order
        assert recorder.flush() == 0  # 429: waited out, nothing lost
        assert recorder.pending() == 6
        deadline = time.monotonic() + 30
        while recorder.pending() and time.monotonic() < deadline:
            recorder.flush()
            time.sleep(0.2)
        assert _StandIn.stored == [s["id"] for s in statements[1:]]
        [aside] = list((tmp_path / "out" / "rejected").glob("*.json"))
        kept = json.loads(aside.read_text())
        assert kept["statement"]["id"] == statements[0]["id"] and "error 500" in kept["reason"]
    finally:
        httpd.shutdown()
        httpd.server_close()
