"""compression.py: the server gzips text for clients that accept it, never what is already compressed, with
the right Vary and ETag headers; the API means the same compressed or not. Real requests to real servers."""

from __future__ import annotations

import gzip
import http.client
import json
import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from server_fixtures import LiveApp, csrf_of, join, signed_in

from quizlib.quiz.score import full_credit_response as _right
from quizlib.results import xapi
from quizlib.results.store import Store

TEXT = {  # path in the book -> the Content-Type the server gives it
    "chapters/page.html": "text/html",
    "_static/theme.css": "text/css",
    "_static/quiz.js": "text/javascript",
    "_static/chart.svg": "image/svg+xml",
    "_static/data.json": "application/json",
}
COMPRESSED = {"_static/font.woff2": "font/woff2", "_static/picture.png": "image/png"}


@pytest.fixture
def book(tmp_path):
    """A small book with text worth compressing and files that are compressed already."""
    folder = tmp_path / "book"
    (folder / "chapters").mkdir(parents=True)
    (folder / "_static").mkdir()
    (folder / "index.html").write_text("<!doctype html><title>Book</title><p>Book</p>")
    filler = " ".join(f"paragraph {i} about sensitivity and attunement" for i in range(400))
    (folder / "chapters/page.html").write_text(
        f"<!doctype html><html lang='en'><title>A</title><main><p>{filler}</p></main></html>"
    )
    (folder / "_static/theme.css").write_text(
        "".join(f".rule-{i} {{ color: #123456; margin: 0 auto; }}\n" for i in range(400))
    )
    (folder / "_static/quiz.js").write_text("".join(f"function f{i}(x) {{ return x + {i}; }}\n" for i in range(400)))
    (folder / "_static/chart.svg").write_text(
        "<svg xmlns='http://www.w3.org/2000/svg'>"
        + "".join(f"<rect x='{i}' y='0' width='1' height='{i}'/>" for i in range(400))
        + "</svg>"
    )
    (folder / "_static/data.json").write_text(json.dumps([{"question": i, "facility": 0.5} for i in range(400)]))
    # Random bytes stand in for fonts and images: they do not compress, as real ones do not.
    (folder / "_static/font.woff2").write_bytes(uuid.uuid4().bytes * 400)
    (folder / "_static/picture.png").write_bytes(uuid.uuid4().bytes * 400)
    return folder


@pytest.fixture
def served(tmp_path, catalogue, book):
    store = Store(f"sqlite:///{tmp_path / 'course.sqlite3'}")
    store.upgrade()
    app = LiveApp(store, catalogue, book)
    yield app
    app.close()
    store.close()


class Raw:
    """A response as it went over the wire (http.client never decompresses)."""

    def __init__(self, response: http.client.HTTPResponse):
        self.status = response.status
        self.headers = {k.lower(): v for k, v in response.getheaders()}
        self.body = response.read()

    def getheader(self, name: str, default=None):
        return self.headers.get(name.lower(), default)


def raw_get(base: str, path: str, **headers) -> tuple[Raw, bytes]:
    u = urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.request("GET", "/" + path, headers=headers)
        with conn.getresponse() as response:
            raw = Raw(response)
        return raw, raw.body
    finally:
        conn.close()


def test_text_is_gzipped_for_a_client_that_accepts_it(served, book):
    for path, media_type in TEXT.items():
        original = (book / path).read_bytes()
        r, wire = raw_get(served.url, path, **{"Accept-Encoding": "gzip, deflate, br"})
        assert r.status == 200 and r.getheader("content-type").startswith(media_type), path
        assert r.getheader("content-encoding") == "gzip", path
        assert "accept-encoding" in r.getheader("vary", "").lower(), path
        assert gzip.decompress(wire) == original, path
        assert len(wire) < len(original) / 3, f"{path}: {len(wire)} of {len(original)} bytes"
        assert r.getheader("etag", "W/").startswith("W/"), f"{path}: a strong ETag on gzip bytes"


def test_compressed_files_and_clients_without_gzip_get_the_bytes_as_they_are(served, book):
    for path, media_type in COMPRESSED.items():
        r, wire = raw_get(served.url, path, **{"Accept-Encoding": "gzip"})
        assert r.getheader("content-type") == media_type and r.getheader("content-encoding") is None, path
        assert wire == (book / path).read_bytes(), path
    for path in TEXT:
        r, wire = raw_get(served.url, path)  # no Accept-Encoding
        assert r.getheader("content-encoding") is None and wire == (book / path).read_bytes(), path
        # Vary all the same, so a shared cache never hands this copy to a client that asked for gzip.
        assert "accept-encoding" in r.getheader("vary", "").lower(), path
        assert not r.getheader("etag").startswith("W/"), path


def test_a_browser_revalidating_its_gzipped_copy_gets_not_modified(served):
    r, _ = raw_get(served.url, "_static/theme.css", **{"Accept-Encoding": "gzip"})
    again, body = raw_get(
        served.url, "_static/theme.css", **{"Accept-Encoding": "gzip", "If-None-Match": r.getheader("etag")}
    )
    assert again.status == 304 and body == b""


def test_the_api_is_idempotent_and_explains_errors_when_compressed(served, course):
    trainer = served.store.add_staff("Tess", "trainer", "x")
    cohort = served.store.add_cohort("Spring", trainer.id)
    who = join(served, cohort.code)
    quiz = course.quiz("sensitivity")
    q = quiz.questions[0]
    batch = [
        xapi.answered(
            statement_id=str(uuid.uuid4()),
            actor=xapi.agent(who["learner_id"], who["home_page"]),
            quiz_id=quiz.id,
            chapter=quiz.chapter,
            question_id=q.id,
            kind=q.kind,
            prompt=q.prompt,
            response=_right(q),
            try_number=1,
            attempt_id=str(uuid.uuid4()),
            credit=1,
            correct=True,
            final=True,
            when=datetime.now(UTC),
        )
        for _ in range(100)
    ]
    with served.client() as c:
        c.headers.update({"Authorization": f"Bearer {who['token']}", "Accept-Encoding": "gzip"})
        first = c.post("api/v1/statements", json=batch)
        again = c.post("api/v1/statements", json=batch)  # a resend after a lost acknowledgement
        assert first.headers["content-encoding"] == "gzip"  # 100 ids are worth compressing
        assert first.status_code == again.status_code == 200
        assert first.json() == again.json() == [s["id"] for s in batch]
        assert served.store.count_statements() == len(batch)
        changed = dict(batch[0], result={**batch[0]["result"], "response": "changed"})
        conflict = c.post("api/v1/statements", json=[*batch[1:], changed])
        assert conflict.status_code == 409 and batch[0]["id"] in conflict.json()["error"]
        bad = c.post("api/v1/statements", content=b'{"id": ', headers={"Content-Type": "application/json"})
        assert bad.status_code == 400 and "not valid JSON" in bad.json()["error"]
        big = c.post(
            "api/v1/statements", content=b"[" + b" " * 300_000 + b"]", headers={"Content-Type": "application/json"}
        )
        assert big.status_code == 413 and "limit" in big.json()["error"]
        assert c.get("api/v1/config").headers["cache-control"] == "no-store"
    assert served.store.count_statements() == len(batch)


def test_staff_pages_are_compressed_and_carry_a_different_csrf_token_each_time(served):
    lead = signed_in(served, "Lee", "lead")
    first = lead.get("lead/staff", headers={"Accept-Encoding": "gzip"})
    second = lead.get("lead/staff", headers={"Accept-Encoding": "gzip"})
    assert first.headers["content-encoding"] == "gzip"
    tokens = csrf_of(first.text), csrf_of(second.text)
    assert tokens[0] != tokens[1]  # nothing secret repeats from page to page for compression to give away
    for n, token in enumerate(tokens):
        r = lead.post("lead/staff", data={"csrf": token, "name": f"Trainer {n}", "role": "trainer"})
        assert r.status_code == 200 and "one-time password" in r.text
    lead.close()


def test_quizlib_serve_compresses_the_book(tmp_path, book, start_server):
    server = start_server(book, f"sqlite:///{tmp_path / 'serve.sqlite3'}")
    r, wire = raw_get(server.url, "chapters/page.html", **{"Accept-Encoding": "gzip"})
    assert r.getheader("content-encoding") == "gzip"
    assert gzip.decompress(wire) == (book / "chapters/page.html").read_bytes()
