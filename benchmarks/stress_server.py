"""Stress: malformed requests to every endpoint and form of a real `quizlib serve` (a figure, not a test).

Starts `quizlib serve` on a temporary SQLite file with a small stand-in book, makes a course lead, a trainer,
a cohort with an assignment and a learner, then sends ``--requests`` requests that are wrong in some way:
bodies that are not JSON or not forms, numbers too large for a float, dates out of every range, strings of
hundreds of thousands of characters, unpaired surrogates, deep nesting, unknown ids, missing or forged CSRF
tokens and session cookies, odd methods, paths and headers, and clients that hang up halfway through a body.
Every endpoint and form is covered, signed in as the right person so the forms are really read.

Prints how many responses were 5xx (by endpoint), how many tracebacks and "Exception in ASGI application"
lines the server logged, and how the server answered (status counts).

    .venv/bin/python benchmarks/stress_server.py [--requests 5000] [--seed 15]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from quizlib.quiz.load import load_course
from quizlib.quiz.score import full_credit_response
from quizlib.results import xapi
from quizlib.results.store import Store
from quizlib.results.store.passwords import hash_password

PASSWORD = "a long and unusual staff password 4711"
QUIZLIB = str(Path(sys.executable).with_name("quizlib"))

HOSTILE_STRINGS = [
    "",
    " ",
    "x" * 300_000,
    "é" * 70_000,
    "\x00",
    "a\x00b",
    "\ud800",
    "\udfff\ud800",
    "\u2028\u2029\x85",
    "9" * 400,
    "-" + "9" * 400,
    "1e400",
    "-1e400",
    "Infinity",
    "NaN",
    "0x1F",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    '=HYPERLINK("http://x")',
    ";=1+1",
    "../../../etc/passwd",
    "%00",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "+275760-09-13T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "2026-11-25T10:00:00",
    "2026-11-25T10:00:00.000+99:00",
    "1970-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "0000-00-00T00:00:00Z",
    str(uuid.uuid4()).upper(),
    "urn:quizlib:quiz:" + "a" * 100_000,
]
HOSTILE_NUMBERS = [
    10**400,
    -(10**400),
    10**308 * 10,
    2**63,
    2**64 + 1,
    -1,
    0,
    1.5,
    1e308,
    -1e308,
    5e-324,
    4294967296,
    4294967295,
    True,
    None,
]


def hostile(rng: random.Random):
    kind = rng.random()
    if kind < 0.45:
        return rng.choice(HOSTILE_STRINGS)
    if kind < 0.8:
        return rng.choice(HOSTILE_NUMBERS)
    if kind < 0.9:
        depth = rng.choice([10, 100, 5000])
        value: object = 1
        for _ in range(depth):
            value = [value]
        return value
    return rng.choice([[], {}, {"a": rng.choice(HOSTILE_STRINGS)}, [rng.choice(HOSTILE_NUMBERS)] * 50])


def wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + "api/v1/config", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("quizlib serve did not answer in time")
        time.sleep(0.05)


def _set_path(obj: dict, path: list[str], value) -> None:
    for key in path[:-1]:
        nxt = obj.get(key)
        if not isinstance(nxt, dict):
            nxt = {}
            obj[key] = nxt
        obj = nxt
    obj[path[-1]] = value


def _paths(obj, prefix=()) -> list[list[str]]:
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.append([*prefix, k])
            out += _paths(v, (*prefix, k))
    return out


def _raw(url: str, payload: bytes, close_after: bool = True, timeout: float = 5) -> bytes:
    """Send raw bytes to the server; read what comes back (or nothing, if we hang up first)."""
    host, port = url.split("//", 1)[1].rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(payload)
        if close_after:
            return b""
        try:
            return s.recv(65536)
        except TimeoutError:
            return b""


class Stress:
    def __init__(self, url: str, course, seed: int):
        self.url = url
        self.course = course
        self.rng = random.Random(seed)
        self.statuses: collections.Counter[int] = collections.Counter()
        self.fives: collections.Counter[str] = collections.Counter()
        self.five_examples: dict[str, str] = {}
        self.sent = 0

    def note(self, endpoint: str, status: int, what: str) -> None:
        self.sent += 1
        self.statuses[status] += 1
        if status >= 500:
            self.fives[endpoint] += 1
            self.five_examples.setdefault(endpoint, what[:200])

    def request(self, client: httpx.Client, endpoint: str, method: str, path: str, what: str = "", **kw) -> None:
        try:
            r = client.request(method, path, **kw)
            self.note(endpoint, r.status_code, what or path)
        except (httpx.TransportError, httpx.InvalidURL, UnicodeEncodeError, ValueError) as e:
            self.note(endpoint, 0, f"{type(e).__name__}: {e}")  # refused by the client library or the connection


def statement(course, who: dict, registration: str) -> dict:
    quiz = course.quiz("sensitivity")
    q = quiz.questions[0]
    return xapi.answered(
        statement_id=str(uuid.uuid4()),
        actor=xapi.agent(who["learner_id"], who["home_page"]),
        quiz_id=quiz.id,
        chapter=quiz.chapter,
        question_id=q.id,
        kind=q.kind,
        prompt=q.prompt,
        response=full_credit_response(q),
        try_number=1,
        attempt_id=str(uuid.uuid4()),
        credit=1,
        correct=True,
        final=True,
        when=datetime.now(UTC),
        registration=registration,
    )


def numeric_statement(course, who: dict, response) -> dict:
    for quiz in course.quizzes.values():
        for q in quiz.questions:
            if q.kind == "numeric":
                s = xapi.answered(
                    statement_id=str(uuid.uuid4()),
                    actor=xapi.agent(who["learner_id"], who["home_page"]),
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
                    final=True,
                    when=datetime.now(UTC),
                )
                s["result"]["extensions"][xapi.EXT_RESPONSE] = response
                s["result"]["response"] = str(response)[:50]
                return s
    raise AssertionError("no numeric question")


def signed_in(url: str, name: str) -> httpx.Client:
    c = httpx.Client(base_url=url, timeout=30)
    page = c.get("signin").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    r = c.post("signin", data={"csrf": csrf, "name": name, "password": PASSWORD})
    assert r.status_code == 303, r.text[:500]
    c.csrf = csrf  # type: ignore[attr-defined]
    return c


def run(url: str, store: Store, course, total: int, seed: int) -> Stress:
    stress = Stress(url, course, seed)
    rng = stress.rng
    lead = signed_in(url, "Lee Lead")
    trainer = signed_in(url, "Tess Trainer")
    anonymous = httpx.Client(base_url=url, timeout=30)
    anonymous.csrf = re.search(r'name="csrf" value="([^"]+)"', anonymous.get("signin").text).group(1)  # type: ignore[attr-defined]
    cohort = store.cohorts()[0]
    assignment = store.assignments(cohort.id)[0]
    learner_client = httpx.Client(base_url=url, timeout=30)
    r = learner_client.post("api/v1/join", json={"code": cohort.code, "display_name": "Bea"})
    who = r.json()
    learner_client.headers["Authorization"] = f"Bearer {who['token']}"
    learner = store.learners(cohort.id)[0]
    staff = {s.name: s for s in store.all_staff()}
    other = staff["Otto Other"]

    def statements_case() -> None:
        s = statement(course, who, assignment.id)
        choice = rng.random()
        if choice < 0.55:
            path = rng.choice(_paths(s))
            _set_path(s, path, hostile(rng))
            what = f"statement {'.'.join(path)}"
            body: object = s if rng.random() < 0.7 else [s, statement(course, who, assignment.id)]
        elif choice < 0.7:
            s = numeric_statement(course, who, hostile(rng))
            what, body = "numeric response", s
        elif choice < 0.8:
            s["timestamp"] = rng.choice(HOSTILE_STRINGS[22:31])
            what, body = f"timestamp {s['timestamp']}", s
        elif choice < 0.9:
            body = hostile(rng)
            what = "whole body"
        else:
            body = [statement(course, who, assignment.id) for _ in range(rng.choice([0, 201, 5000]))]
            what = f"batch of {len(body)}"
        try:
            content = json.dumps(body, allow_nan=True).encode("utf-8", "surrogatepass")
        except (ValueError, RecursionError):
            content = b"[[[["
        headers = {"Content-Type": rng.choice(["application/json"] * 8 + ["text/plain", ""])}
        stress.request(
            learner_client,
            "POST api/v1/statements",
            "POST",
            "api/v1/statements",
            what,
            content=content,
            headers=headers,
        )

    def join_case() -> None:
        body = {"code": hostile(rng) if rng.random() < 0.5 else cohort.code, "display_name": hostile(rng)}
        if rng.random() < 0.2:
            body = hostile(rng)
        try:
            content = json.dumps(body).encode("utf-8", "surrogatepass")
        except (ValueError, RecursionError):
            content = b"{"
        ip = f"198.51.100.{rng.randrange(256)}"
        stress.request(
            anonymous,
            "POST api/v1/join",
            "POST",
            "api/v1/join",
            "join",
            content=content,
            headers={"Content-Type": "application/json", "X-Forwarded-For": ip},
        )

    def api_get_case() -> None:
        token = rng.choice([who["token"], "", "x" * 10_000, "\u00e9", "Bearer", who["token"] + "x"])
        path = rng.choice(["api/v1/me", "api/v1/config", "api/v1/me?x=" + "y" * 5000, "api/v1/nothing"])
        try:
            headers = {"Authorization": f"Bearer {token}"}
            httpx.Headers(headers)
        except (UnicodeEncodeError, ValueError):
            headers = {}
        stress.request(
            anonymous, f"GET {path.split('?')[0]}", rng.choice(["GET", "POST", "PUT", "DELETE"]), path, headers=headers
        )

    def join_page_case() -> None:
        code = rng.choice(["", "x" * 5000, "%00", "%ff", "..%2f..", cohort.code.upper(), "é", "%ed%a0%80"])
        stress.request(anonymous, "GET join/{code}", "GET", f"join/{code}")

    def form_value():
        v = hostile(rng)
        if isinstance(v, str):
            return v
        try:
            return json.dumps(v)[:1000]
        except (ValueError, RecursionError):
            return "[[["

    forms = [
        ("signin", anonymous, ["name", "password", "next"]),
        ("signout", trainer, []),
        ("account/password", trainer, ["current", "new", "confirm"]),
        ("trainer/", trainer, ["name", "trainer"]),
        (f"trainer/cohorts/{cohort.id}", trainer, ["title", "chapters", "final", "pass_mark", "due"]),
        (f"trainer/cohorts/{cohort.id}/learners/{learner.id}", trainer, ["email"]),
        (f"trainer/cohorts/{cohort.id}/trainer", lead, ["trainer"]),
        ("lead/staff", lead, ["name", "role"]),
        (f"lead/staff/{other.id}/password", lead, []),
        (f"lead/staff/{other.id}/deactivate", lead, []),
        (f"lead/staff/{other.id}/reactivate", lead, []),
        (f"lead/learners/{uuid.uuid4()}/delete", lead, ["confirm"]),
    ]

    def form_case() -> None:
        path, client, fields = rng.choice(forms)
        if path == "signout" or (path == "account/password" and rng.random() < 0.9):
            # Keep the session: an odd form, but never one that signs out or changes the password.
            data = {f: form_value() for f in fields}
            data["csrf"] = rng.choice(["", "x", "A" * 88, "%%%"])
        else:
            data = {f: form_value() for f in fields}
            data["csrf"] = client.csrf if rng.random() < 0.8 else rng.choice(["", "x", "A" * 88])
            if path == "account/password":
                data["current"] = "not the password"
        if rng.random() < 0.15:
            content = rng.choice([b"%ff%fe=1", b"a=%00", b"&&&===", b"x" * 70_000, os.urandom(200)])
            stress.request(
                client,
                f"POST {path.split('/')[0]}",
                "POST",
                path,
                path,
                content=content,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            return
        try:
            encoded = httpx.QueryParams(data)
            content = str(encoded).encode("utf-8", "surrogatepass")
        except (UnicodeEncodeError, ValueError):
            content = b"csrf=x"
        ctype = rng.choice(["application/x-www-form-urlencoded"] * 9 + ["multipart/form-data; boundary=x"])
        stress.request(
            client,
            f"POST {re.sub(r'[0-9a-f-]{36}', '{id}', path)}",
            "POST",
            path,
            path,
            content=content,
            headers={"Content-Type": ctype},
        )

    def page_case() -> None:
        client = rng.choice([lead, trainer, anonymous])
        path = rng.choice(
            [
                "lead/",
                "lead/learners",
                f"lead/learners/{learner.id}/export.json",
                f"lead/learners/{rng.choice(['x', 'é', '%00', 'a' * 3000])}/export.json",
                f"lead/quizzes/{rng.choice(['sensitivity', 'nope', 'x' * 3000, '%ff'])}",
                f"lead/export/{rng.choice(['items', 'responses', 'rates', 'progress', 'x'])}.csv?quiz={rng.choice(['sensitivity', 'nope', '%00', 'é' * 100])}",
                f"trainer/cohorts/{rng.choice([cohort.id, 'nope', '%00'])}",
                f"trainer/cohorts/{cohort.id}/learners/{rng.choice([learner.id, 'nope'])}",
                "signin?next=" + rng.choice(["//evil.example", "/trainer/", "javascript:alert(1)", "%00", "é" * 1000]),
                "account/password",
                "lead/staff?done=created&account=" + rng.choice(["x", other.id]),
                rng.choice(
                    ["index.html", "../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd", "a" * 5000, "_static/x.js", "%00"]
                ),
            ]
        )
        method = rng.choice(["GET"] * 6 + ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
        stress.request(client, f"{method} {path.split('/')[0] or '/'}", method, path)

    def cookie_case() -> None:
        junk = rng.choice(["", "x", "a.b", "e30.x", "W10." + "A" * 43, "%%%", "\u00e9", "x" * 5000])
        try:
            client = httpx.Client(base_url=url, timeout=30, cookies={"quizlib_staff": junk, "quizlib_csrf": junk})
        except (UnicodeEncodeError, ValueError):
            return
        with client:
            stress.request(client, "GET trainer/ (forged cookie)", "GET", "trainer/")

    def raw_case() -> None:
        """Malformed HTTP, and clients that hang up halfway through a body."""
        host = url.split("//", 1)[1].rstrip("/")
        which = rng.random()
        if which < 0.6:
            path = rng.choice(["api/v1/statements", "api/v1/join", "signin", "trainer/"])
            ctype = "application/json" if path.startswith("api") else "application/x-www-form-urlencoded"
            head = (
                f"POST /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {ctype}\r\n"
                f"Authorization: Bearer {who['token']}\r\nContent-Length: 100000\r\n\r\n"
            )
            _raw(url, head.encode() + b'[{"id": "' + b"x" * rng.randrange(10, 5000))
            stress.note("hang-up mid-body", 0, path)
        else:
            line = rng.choice(
                [
                    b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
                    b"POST /api/v1/join HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n",
                    b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
                    b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n",
                    b"GET / HTTP/9.9\r\n\r\n",
                    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
                ]
            )
            reply = _raw(url, line, close_after=False, timeout=3)
            m = re.match(rb"HTTP/1\.[01] (\d{3})", reply)
            stress.note("malformed HTTP", int(m.group(1)) if m else 0, line[:60].decode("latin-1"))

    cases = [
        (statements_case, 35),
        (join_case, 8),
        (api_get_case, 6),
        (join_page_case, 4),
        (form_case, 25),
        (page_case, 14),
        (cookie_case, 3),
        (raw_case, 5),
    ]
    makers, weights = zip(*cases, strict=True)
    started = time.perf_counter()
    while stress.sent < total:
        try:
            rng.choices(makers, weights)[0]()
        except RecursionError:  # a value too deep for this script's own json or repr: not sent
            continue
        if stress.sent % 1000 == 0:
            print(f"  {stress.sent} requests, {time.perf_counter() - started:.0f} s", flush=True)
    for c in (lead, trainer, anonymous, learner_client):
        c.close()
    return stress


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    course = load_course(ROOT / "quizzes")
    folder = Path(tempfile.mkdtemp(prefix="quizlib-stress-"))
    book = folder / "book"
    book.mkdir()
    (book / "index.html").write_text("<!doctype html><html lang='en'><title>Book</title><p>Book</p></html>")
    url = f"sqlite:///{folder / 'course.sqlite3'}"
    store = Store(url)
    store.upgrade()
    lead = store.add_staff("Lee Lead", "lead", hash_password(PASSWORD), must_change_password=False)
    trainer = store.add_staff("Tess Trainer", "trainer", hash_password(PASSWORD), must_change_password=False)
    store.add_staff("Otto Other", "trainer", hash_password(PASSWORD), must_change_password=False)
    cohort = store.add_cohort("Spring", trainer.id)
    store.add_assignment(
        cohort.id,
        title="Sensitivity",
        chapters=["chapters/02-sensitivity"],
        quiz_ids=["sensitivity"],
        include_final=False,
        pass_mark=70,
        due_date=None,
    )
    del lead
    log = open(folder / "server.log", "w+")  # noqa: SIM115 (read at the end)
    proc = subprocess.Popen(
        [QUIZLIB, "serve", "--book", str(book), "--database", url, "--port", "0", "--course", str(ROOT)],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        server = line.split("serving the course at ", 1)[1].split()[0]
        wait_until_up(server)
        stress = run(server, store, course, args.requests, args.seed)
        time.sleep(1)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        store.close()
    log.seek(0)
    text = log.read()
    log.close()
    shutil.rmtree(folder, ignore_errors=True)
    print(f"malformed requests (seed {args.seed}): {stress.sent:,}")
    print(
        f"answers by status: {dict(sorted(stress.statuses.items()))}  (0: no answer, the client hung up or was refused)"
    )
    print(f"responses >= 500: {sum(stress.fives.values()):,}")
    for endpoint, count in stress.fives.most_common():
        print(f"  {count:5,}  {endpoint}   e.g. {stress.five_examples[endpoint]}")
    print(f"tracebacks in the server's log: {text.count('Traceback (most recent call last)'):,}")
    print(f"'Exception in ASGI application' in the log: {text.count('Exception in ASGI application'):,}")
    errors = collections.Counter(m for m in re.findall(r"(?m)^(\w+(?:Error|Exception|Disconnect)\b[^\n]{0,80})", text))
    for message, count in errors.most_common(8):
        print(f"  {count:5,}  {message}")
    print(f"log lines: {len(text.splitlines()):,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
