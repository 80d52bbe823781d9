"""The built book served by `quizlib serve` under its Content-Security-Policy: every page's own inline scripts
and event handlers allowed by hash, nothing else, and every page still works (the guard fails a test on any
script error or anything the policy refused)."""

from __future__ import annotations

import re

import httpx
import pytest
from conftest import new_guarded_page

pytestmark = [pytest.mark.browser, pytest.mark.book]
PAGES = [
    "",
    "chapters/01-welcome.html",
    "chapters/progress.html",
    "chapters/glossary.html",
    "search.html?q=sensitivity",
]


def test_the_books_pages_run_under_their_policy(browser, built_book, start_server, tmp_path):
    server = start_server(built_book, f"sqlite:///{tmp_path / 'course.sqlite3'}")
    for path in PAGES:
        r = httpx.get(server.url + path, follow_redirects=True)
        policy = r.headers["content-security-policy"]
        assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
        script_src = re.search(r"script-src ([^;]*)", policy).group(1)
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
        if path:  # index.html only redirects to the first chapter
            assert "'sha256-" in script_src, (path, policy)
            assert "worker-src 'self'" in policy, "pages may register the book's own service worker"
    worker = httpx.get(server.url + "quizlib-sw.js")
    assert worker.status_code == 200 and "javascript" in worker.headers["content-type"]
    assert worker.headers["content-security-policy"] == "default-src 'none'; connect-src 'self'"
    assert worker.headers["cache-control"] == "no-cache", "browsers look for a rebuilt book's worker on every visit"
    ctx, page, guard = new_guarded_page(browser)
    try:
        for path in PAGES[1:]:  # index.html redirects, and would interrupt the next page
            page.goto(server.url + path)
            page.wait_for_load_state("load")
        # The theme's inline script ran: it sets the colour mode before the page is drawn.
        assert page.evaluate("() => document.documentElement.dataset.mode !== undefined")
        page.goto(server.url + "chapters/01-welcome.html")
        page.locator("section.ql-question").first.wait_for()  # the quiz runtime (a file) ran too
    finally:
        ctx.close()
    guard.check()
