"""Reading the course offline (``quizlib.fronts.offline``), in Chromium with the browser context offline: after one
visit every chapter, the glossary and *My progress* open, on a phone and a desktop, light and dark; the copy
holds the book's files and nothing of the course server (API, sign-in, staff pages); a rebuilt book replaces it;
pages opened from files and LMS packages carry on without it."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import SIZES, build_book, new_guarded_page, serving, set_theme_mode, write_minibook
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from test_accessibility import violations

from quizlib.course import toc_documents
from quizlib.fronts import offline, packages

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
KEPT_URLS = """() => caches.keys()
    .then(names => Promise.all(names.map(n => caches.open(n).then(c => c.keys()))))
    .then(lists => lists.flat().map(r => r.url))"""
CACHE_NAMES = "() => caches.keys()"


def kept_for_offline(page) -> None:
    """Wait until the book's worker is installed (it has fetched every file) and controls the page."""
    assert page.evaluate("navigator.serviceWorker.ready.then(r => r.active.scriptURL)").endswith(offline.WORKER)
    page.wait_for_function("navigator.serviceWorker.controller !== null")


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_after_one_visit_every_page_opens_offline(browser, built_book, start_server, tmp_path, course, size, mode):
    server = start_server(built_book, f"sqlite:///{tmp_path / 'course.sqlite3'}")
    context, page, guard = new_guarded_page(browser, **SIZES[size])
    try:
        page.goto(server.url + "chapters/03-interventions.html")
        set_theme_mode(page, mode)
        kept_for_offline(page)
        context.set_offline(True)
        chapters_with_a_quiz = {q.chapter for q in course.quizzes.values()}
        for doc in toc_documents(ROOT):
            response = page.goto(f"{server.url}{doc}.html")
            assert response is not None and response.ok and response.from_service_worker, doc
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            if doc in chapters_with_a_quiz:
                expect(page.locator(".quizlib .ql-card").first).to_be_visible()
        page.goto(server.url + "chapters/progress.html")
        expect(page.locator(".ql-progress")).to_be_visible()
        assert page.evaluate("document.documentElement.dataset.theme") == mode
        assert violations(page) == []
        page.goto(server.url + "chapters/04-meta-analyses.html")
        assert violations(page) == []
        # the course server's API is not answered from the copy
        assert page.evaluate("fetch('../api/v1/config').then(() => 'answered', () => 'failed')") == "failed"
    finally:
        context.close()
    guard.check()


def test_the_copy_holds_the_books_files_and_nothing_of_the_server(browser, built_book, start_server, tmp_path):
    server = start_server(built_book, f"sqlite:///{tmp_path / 'course.sqlite3'}")
    context, page, guard = new_guarded_page(browser)
    try:
        page.goto(server.url + "chapters/02-sensitivity.html")
        kept_for_offline(page)
        # what a learner's or a trainer's browser asks the server for while the worker runs
        for path in ("api/v1/config", "api/v1/me", "signin", "trainer/", "lead/"):
            page.evaluate("p => fetch(p).then(r => r.status)", "../" + path)
        page.goto(server.url + "signin")
        kept = {urlsplit(u).path for u in page.evaluate(KEPT_URLS)}
        assert {"/chapters/glossary.html", "/chapters/progress.html", "/index.html", "/_static/quizlib.js"} <= kept
        assert f"/{offline.HASHES}" in kept, "the copy notes what it holds, for the next build's worker"
        for path in kept - {f"/{offline.HASHES}"}:
            assert (built_book / path.lstrip("/")).is_file(), f"{path} is not one of the book's files"
            assert not path.startswith(("/api/", "/signin", "/trainer", "/lead", "/join", "/account", "/staff"))
            assert "quizlib-practice" not in path, "the server keeps the practice copies of assessments back"
        context.set_offline(True)
        with pytest.raises(PlaywrightError, match="ERR_INTERNET_DISCONNECTED"):
            page.goto(server.url + "signin")
    finally:
        context.close()
    guard.check()


def test_a_rebuilt_book_replaces_the_copy(browser, tmp_path):
    src = write_minibook(tmp_path / "src")
    html = build_book(src, tmp_path / "out")
    context, page, guard = new_guarded_page(browser)
    try:
        with serving(html) as url:
            page.goto(f"{url}/chapters/exam.html")
            kept_for_offline(page)
            [before] = page.evaluate(CACHE_NAMES)
            exam = src / "chapters" / "exam.md"
            exam.write_text(exam.read_text() + "\nA sentence added after the first visit.\n")
            build_book(src, tmp_path / "out")
            fetched: list[str] = []  # what the workers fetch from now on
            context.on("request", lambda r: fetched.append(urlsplit(r.url).path) if r.service_worker else None)
            page.goto(f"{url}/chapters/kinds.html")  # online: a visit makes the browser look for a new worker
            deadline = time.monotonic() + 30
            while (names := page.evaluate(CACHE_NAMES)) == [before] or len(names) != 1:  # the old copy is dropped
                assert time.monotonic() < deadline, "the rebuilt book's worker did not take over"
                page.wait_for_timeout(200)
            # what changed is fetched again; what did not is taken from the old copy
            assert "/chapters/exam.html" in fetched, fetched
            assert "/_static/quizlib.js" not in fetched and "/chapters/progress.html" not in fetched, fetched
            context.set_offline(True)
            page.goto(f"{url}/chapters/exam.html")
            expect(page.get_by_text("A sentence added after the first visit.")).to_be_visible()
    finally:
        context.close()
    guard.check()


def test_pages_opened_from_files_work_without_the_worker(browser, built_book):
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto((built_book / "chapters" / "04-meta-analyses.html").as_uri())
        expect(page.locator(".quizlib .ql-card").first).to_be_visible()
        page.wait_for_load_state("load")
        assert page.evaluate("!navigator.serviceWorker || navigator.serviceWorker.controller === null")
    finally:
        context.close()
    assert errors == []


def test_lms_packages_carry_no_worker(built_book, tmp_path):
    for fmt in packages.FORMATS:
        built = packages.build(built_book, ROOT, fmt, ["04-meta-analyses"], out_dir=tmp_path)
        with zipfile.ZipFile(built.path) as z:
            names = z.namelist()
            assert offline.WORKER not in names and f"_static/{offline.REGISTER}" not in names
            for name in names:
                if name.endswith(".html"):
                    assert offline.REGISTER not in z.read(name).decode("utf-8"), name
