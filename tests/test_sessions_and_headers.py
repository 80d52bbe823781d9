"""Staff sessions that end on the server, cookies that are Secure whenever the browser came over HTTPS, and
security headers on every response: staff pages, the learners' API, exports and the book's own files."""

from __future__ import annotations

import re

import httpx
from server_fixtures import PASSWORD, csrf_of, join, password_hash, signed_in

from quizlib.results.store import Store

HTTPS_PROXY = {"X-Forwarded-Proto": "https"}  # what a reverse proxy on this machine adds, over HTTPS


def test_signing_out_ends_the_session_on_the_server(live):
    """Before: a copy of the cookie still opened staff pages after signing out (200)."""
    trainer = signed_in(live, "Tess")
    cookie = trainer.cookies.get("quizlib_staff")
    assert trainer.get("trainer/").status_code == 200
    assert trainer.post("signout", data={"csrf": trainer.csrf}).status_code == 303
    with live.client() as copy:
        copy.cookies.set("quizlib_staff", cookie)
        r = copy.get("trainer/")
        assert r.status_code == 303 and "/signin" in r.headers["location"]
    trainer.close()


def test_signing_out_in_one_browser_leaves_the_others_signed_in(live):
    live.store.add_staff("Tess", "trainer", password_hash(), must_change_password=False)
    browsers = []
    for _ in range(2):
        c = live.client()
        c.csrf = csrf_of(c.get("signin").text)
        assert c.post("signin", data={"csrf": c.csrf, "name": "Tess", "password": PASSWORD}).status_code == 303
        browsers.append(c)
    browsers[0].post("signout", data={"csrf": browsers[0].csrf})
    assert browsers[0].get("trainer/").status_code == 303
    assert browsers[1].get("trainer/").status_code == 200
    for c in browsers:
        c.close()


def test_changing_the_password_ends_every_other_session(live):
    live.store.add_staff("Tess", "trainer", password_hash(), must_change_password=False)
    here, elsewhere = live.client(), live.client()
    for c in (here, elsewhere):
        c.csrf = csrf_of(c.get("signin").text)
        assert c.post("signin", data={"csrf": c.csrf, "name": "Tess", "password": PASSWORD}).status_code == 303
    new = "a new and rather long passphrase 2027"
    r = here.post("account/password", data={"csrf": here.csrf, "current": PASSWORD, "new": new, "confirm": new})
    assert r.status_code == 303
    assert here.get("trainer/").status_code == 200  # this browser goes on with a new session
    assert elsewhere.get("trainer/").status_code == 303  # the other one is signed out
    here.close()
    elsewhere.close()


def _set_cookies(response: httpx.Response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.get_list("set-cookie")}


def test_cookies_are_secure_when_the_browser_came_over_https_through_a_trusted_proxy(live):
    """Before: behind an HTTPS proxy (X-Forwarded-Proto: https, no --public-url) cookies lacked Secure."""
    live.store.add_staff("Tess", "trainer", password_hash(), must_change_password=False)
    with live.client() as c:
        page = c.get("signin", headers=HTTPS_PROXY)
        csrf_cookie = _set_cookies(page)["quizlib_csrf"]
        assert "secure" in csrf_cookie.lower()
        # A browser on https:// sends a Secure cookie back; this client, on http://, is told to.
        sent = {"Cookie": csrf_cookie.split(";", 1)[0], **HTTPS_PROXY}
        r = c.post("signin", data={"csrf": csrf_of(page.text), "name": "Tess", "password": PASSWORD}, headers=sent)
        assert r.status_code == 303
        session = _set_cookies(r)["quizlib_staff"].lower()
        assert "secure" in session and "httponly" in session and "samesite=lax" in session
    with live.client() as plain:  # over plain HTTP (a laptop), no Secure: the browser would drop the cookie
        assert "secure" not in _set_cookies(plain.get("signin"))["quizlib_csrf"].lower()


def test_hsts_only_over_https(live):
    with live.client() as c:
        assert c.get("signin", headers=HTTPS_PROXY).headers["strict-transport-security"] == "max-age=31536000"
        assert c.get("api/v1/config", headers=HTTPS_PROXY).headers["strict-transport-security"]
        assert "strict-transport-security" not in c.get("signin").headers


def test_an_untrusted_proxy_header_is_ignored(tmp_path, tiny_book, start_server):
    """``--trusted-proxies ''`` (here through its variable): nobody's X-Forwarded-* is believed."""
    server = start_server(tiny_book, f"sqlite:///{tmp_path / 'c.sqlite3'}", env={"QUIZLIB_TRUSTED_PROXIES": ""})
    with httpx.Client(base_url=server.url) as c:
        r = c.get("signin", headers=HTTPS_PROXY)
        assert "secure" not in _set_cookies(r)["quizlib_csrf"].lower()
        assert "strict-transport-security" not in r.headers
    trusting = start_server(tiny_book, f"sqlite:///{tmp_path / 'd.sqlite3'}")
    with httpx.Client(base_url=trusting.url) as c:
        assert "secure" in _set_cookies(c.get("signin", headers=HTTPS_PROXY))["quizlib_csrf"].lower()


def _script_src(policy: str) -> str:
    m = re.search(r"script-src ([^;]*)", policy)
    return m.group(1) if m else re.search(r"default-src ([^;]*)", policy).group(1)


def test_every_response_carries_the_security_headers(tmp_path, tiny_book, catalogue):
    """Before: no Content-Security-Policy anywhere; the learner export lacked nosniff; the book's pages had no
    X-Frame-Options, nosniff or Referrer-Policy."""
    from server_fixtures import LiveApp

    (tiny_book / "page.html").write_text("<!doctype html><title>P</title><script>var x = 1;</script><p>P</p>")
    (tiny_book / "style.css").write_text("p { color: red }")
    store = Store(f"sqlite:///{tmp_path / 'h.sqlite3'}")
    store.upgrade()
    live = LiveApp(store, catalogue, tiny_book)
    try:
        lead = signed_in(live, "Lee", "lead")
        trainer_row = store.add_staff("Tess", "trainer", "x")
        cohort = store.add_cohort("Spring", trainer_row.id)
        who = join(live, cohort.code)
        anonymous = live.client()
        learner = live.client()
        learner.headers["Authorization"] = f"Bearer {who['token']}"
        responses = {
            "book index": anonymous.get(""),
            "book page": anonymous.get("page.html"),
            "book stylesheet": anonymous.get("style.css"),
            "book 404": anonymous.get("nothing.html"),
            "config": anonymous.get("api/v1/config"),
            "me": learner.get("api/v1/me"),
            "statements 401": anonymous.post("api/v1/statements", json=[]),
            "join page": anonymous.get(f"join/{cohort.code}"),
            "signin": anonymous.get("signin"),
            "staff redirect": anonymous.get("trainer/"),
            "trainer page": lead.get("trainer/"),
            "lead reports": lead.get("lead/"),
            "learner export": lead.get(f"lead/learners/{who['learner_id']}/export.json"),
            "csv": lead.get("lead/export/rates.csv"),
        }
        for name, r in responses.items():
            h = r.headers
            assert h.get("x-content-type-options") == "nosniff", name
            assert h.get("x-frame-options") == "DENY", name
            assert h.get("referrer-policy") == "same-origin", name
            policy = h.get("content-security-policy", "")
            assert "frame-ancestors 'none'" in policy, (name, policy)
            assert "unsafe-inline" not in _script_src(policy) and "unsafe-eval" not in policy, (name, policy)
        # A staff page's inline script runs by its nonce; the book page's by its hash.
        join_page = responses["join page"]
        nonce = re.search(r"'nonce-([^']+)'", join_page.headers["content-security-policy"]).group(1)
        assert f'<script nonce="{nonce}">' in join_page.text
        assert "'sha256-" in responses["book page"].headers["content-security-policy"]
        assert responses["learner export"].json()["learner"]["id"] == who["learner_id"]
        for c in (lead, anonymous, learner):
            c.close()
    finally:
        live.close()
        store.close()
