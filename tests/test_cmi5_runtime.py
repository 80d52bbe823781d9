"""The cmi5 package runs for real: an AU in Chromium, with @xapi/cmi5 bundled in the package, against a small
LMS stand-in started here that issues the auth token (once), serves LMS.LaunchData and the learner
preferences, and keeps every statement and state document. Every statement is validated by ralph-malph's xAPI
model, and the session rules are asserted: the token fetched once; launch data and preferences read before the
first statement; initialized first and terminated last; completed, passed and failed at most once per
registration; nothing but initialized and terminated in Review mode; returnURL on exit.
"""

from __future__ import annotations

import http.server
import json
import threading
import uuid
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from conftest import new_guarded_page
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from ralph.models.xapi.base.statements import BaseXapiStatement
from test_lms_runtime import answer_all, keys_for

from quizlib.fronts.packages import build

ROOT = Path(__file__).resolve().parents[1]
ACTOR = {"objectType": "Agent", "account": {"homePage": "http://127.0.0.1/", "name": "learner-1"}}


class StandIn:
    """The LMS's side of cmi5: what the AU asks for, in order, and what it sent."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.log: list[str] = []
        self.statements: list[dict] = []
        self.states: dict[tuple[str, str], bytes] = {}
        self.tokens: dict[str, str] = {}  # fetch key -> token (once)
        self.fetched: set[str] = set()
        self.launch_data: dict[str, dict] = {}  # registration -> LMS.LaunchData
        self.lock = threading.Lock()

    def handler(self):
        lms = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(lms.folder), **kwargs)

            def log_message(self, *args):
                pass

            def _json(self, status: int, data) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _empty(self, status: int) -> None:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _authorised(self) -> bool:
                token = (self.headers.get("Authorization") or "").removeprefix("Basic ")
                return token in lms.tokens.values()

            def _route(self, method: str) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if not url.path.startswith(("/fetch/", "/xapi/")):
                    return super().do_GET() if method == "GET" else self._empty(405)
                with lms.lock:
                    if url.path.startswith("/fetch/"):
                        key = url.path.rsplit("/", 1)[-1]
                        lms.log.append("fetch")
                        if method != "POST":
                            return self._empty(405)
                        if key in lms.fetched:
                            return self._json(200, {"error-code": "1", "error-text": "already returned"})
                        lms.fetched.add(key)
                        return self._json(200, {"auth-token": lms.tokens[key]})
                    if not self._authorised():
                        return self._json(401, {"error": "no token"})
                    resource = url.path.removeprefix("/xapi/")
                    if resource == "activities/state":
                        state_id = query["stateId"]
                        lms.log.append(f"{method} state {state_id}")
                        if state_id == "LMS.LaunchData":
                            if method != "GET":
                                return self._empty(403)
                            return self._json(200, lms.launch_data[query["registration"]])
                        key = (query["registration"], state_id)
                        if method == "GET":
                            if key not in lms.states:
                                return self._empty(404)
                            return self._json(200, json.loads(lms.states[key]))
                        lms.states[key] = self._body()
                        return self._empty(204)
                    if resource == "agents/profile":
                        lms.log.append("GET preferences")
                        return self._json(200, {"languagePreference": "en-GB", "audioPreference": "off"})
                    if resource == "statements" and method in ("POST", "PUT"):
                        data = json.loads(self._body())
                        items = data if isinstance(data, list) else [data]
                        for s in items:
                            lms.log.append(f"statement {s['verb']['id'].rsplit('/', 1)[-1]}")
                            lms.statements.append(s)
                        return self._json(200, [s["id"] for s in items])
                    return self._empty(404)

            def do_GET(self):
                self._route("GET")

            def do_POST(self):
                self._route("POST")

            def do_PUT(self):
                self._route("PUT")

        return Handler

    def launch_url(
        self, base: str, module: str, au_id: str, registration: str, mode: str, mastery: float | None
    ) -> str:
        key = uuid.uuid4().hex
        self.tokens[key] = uuid.uuid4().hex
        session = str(uuid.uuid4())
        activity_id = f"http://127.0.0.1/lms/activities/{module}"
        data = {
            "contextTemplate": {
                "registration": registration,
                "contextActivities": {"grouping": [{"objectType": "Activity", "id": au_id}]},
                "extensions": {"https://w3id.org/xapi/cmi5/context/extensions/sessionid": session},
            },
            "launchMode": mode,
            "moveOn": "CompletedAndPassed",
            "returnURL": f"{base}/returned.html",
        }
        if mastery is not None:
            data["masteryScore"] = mastery
        self.launch_data[registration] = data
        query = {
            "module": module,
            "endpoint": f"{base}/xapi/",
            "fetch": f"{base}/fetch/{key}",
            "actor": json.dumps(ACTOR),
            "registration": registration,
            "activityId": activity_id,
        }
        return f"{base}/pkg/index.html?{urlencode(query)}"


@pytest.fixture(scope="module")
def cmi5_package(built_book, tmp_path_factory):
    return build(built_book, ROOT, "cmi5", (), tmp_path_factory.mktemp("cmi5"))


def verbs(statements):
    return [s["verb"]["id"].rsplit("/", 1)[-1] for s in statements]


def run_session(browser, base, lms, url, keys=None, wrong=0):
    """One AU session: open, answer the module if ``keys``, then Save and exit (back to returnURL)."""
    before = len(lms.statements)
    context, page, guard = new_guarded_page(browser)
    try:
        page.goto(url)
        launcher = page.locator("body")
        try:
            page.locator("#qll-exit").wait_for()
        except PlaywrightTimeout:
            pytest.fail(f"the AU did not start: {page.locator('#qll-status').inner_text()}; {guard.errors}")
        frame = page.frame_locator("#qll-frame")
        frame.locator(".quizlib[data-quizlib=quiz][data-mounted]").wait_for()
        if keys is not None:
            answer_all(frame, keys, wrong=wrong)
            page.wait_for_function("() => QuizLibLaunch.launcher.adapter !== null")
        page.get_by_role("button", name="Save and exit").click()
        page.wait_for_url(f"{base}/returned.html")
        assert launcher is not None
    finally:
        context.close()
    guard.check()
    return lms.statements[before:]


def test_an_au_keeps_the_cmi5_session_rules(browser, cmi5_package, course, tmp_path):
    site = tmp_path / "lms"
    with zipfile.ZipFile(cmi5_package.path) as z:
        z.extractall(site / "pkg")
    (site / "returned.html").write_text(
        '<!DOCTYPE html><html lang="en"><title>LMS</title><main>Back in the LMS</main></html>'
    )
    lms = StandIn(site)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), lms.handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    module = next(m for m in cmi5_package.modules if m.name == "04-meta-analyses")
    au_id = f"{cmi5_package.course_id}/au/{module.name}"
    registration = str(uuid.uuid4())
    keys = keys_for(course, list(module.quiz_ids))
    try:
        # 1. Normal mode; the LMS's mastery score (0.99) is above the quiz's own pass mark (70%), and two
        #    answers are wrong: the AU reports failed, by the LMS's score.
        first = run_session(
            browser, base, lms, lms.launch_url(base, module.name, au_id, registration, "Normal", 0.99), keys, wrong=2
        )
        log = lms.log[:]
        assert log.count("fetch") == 1
        assert log.index("GET state LMS.LaunchData") < log.index("statement initialized")
        assert log.index("GET preferences") < log.index("statement initialized")
        names = verbs(first)
        assert names[0] == "initialized" and names[-1] == "terminated"
        assert names.count("answered") >= len(course.quiz("meta-analyses").questions)
        assert names.count("failed") == 1 and "passed" not in names and names.count("completed") == 1
        failed = next(s for s in first if verbs([s]) == ["failed"])
        assert failed["result"]["success"] is False and failed["result"]["score"]["scaled"] < 0.99
        assert failed["context"]["extensions"]["https://w3id.org/xapi/cmi5/context/extensions/masteryscore"] == 0.99
        for s in first:
            assert s["context"]["registration"] == registration
            assert s["context"]["contextActivities"]["grouping"] == [{"objectType": "Activity", "id": au_id}]
            assert "https://w3id.org/xapi/cmi5/context/extensions/sessionid" in s["context"]["extensions"]
            categories = [c["id"] for c in s["context"]["contextActivities"].get("category", [])]
            if verbs([s]) == ["answered"]:
                assert "https://w3id.org/xapi/cmi5/context/categories/cmi5" not in categories  # cmi5 allowed
            else:
                assert "https://w3id.org/xapi/cmi5/context/categories/cmi5" in categories  # cmi5 defined

        # 2. The same registration again: the answers resume from the LMS, and nothing is judged twice.
        second = run_session(browser, base, lms, lms.launch_url(base, module.name, au_id, registration, "Normal", 0.99))
        assert verbs(second) == ["initialized", "terminated"]

        # 3. Review mode, a fresh registration: only initialized and terminated, whatever the learner does.
        other = str(uuid.uuid4())
        third = run_session(browser, base, lms, lms.launch_url(base, module.name, au_id, other, "Review", None), keys)
        assert verbs(third) == ["initialized", "terminated"]

        # Once per registration, across sessions; every statement a valid xAPI statement.
        mine = [s for s in lms.statements if s["context"]["registration"] == registration]
        for verb in ("completed", "passed", "failed"):
            assert verbs(mine).count(verb) <= 1
        for s in lms.statements:
            BaseXapiStatement.model_validate(s)
        assert lms.log.count("fetch") == 3  # one token per session, each fetched once
    finally:
        server.shutdown()
        server.server_close()
