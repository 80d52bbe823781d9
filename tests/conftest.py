"""Shared fixtures: the course root, the book built once from clean, a local web server, a real browser.

The browser is Debian's Chromium driven by Playwright. Every page fixture fails its test if the page
makes a request to any host but 127.0.0.1, or if a script on it raises.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
CHROMIUM = os.environ.get("QUIZLIB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def course():
    from quizlib.quiz.load import load_course

    return load_course(ROOT / "quizzes", chapters_root=ROOT)


def build_book(source: Path, output: Path) -> Path:
    """Build the book at ``source`` from clean into ``output`` with warnings as errors; return the HTML folder."""
    cmd = [
        str(Path(sys.executable).with_name("jupyter-book")),
        "build",
        str(source),
        "--path-output",
        str(output),
        "-W",
        "-n",
        "--keep-going",
    ]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=1500)
    if proc.returncode != 0:
        reports = "\n".join(p.read_text()[-3000:] for p in output.glob("_build/html/reports/**/*.log"))
        pytest.fail(f"book build failed ({proc.returncode}):\n{proc.stdout[-6000:]}\n{proc.stderr[-4000:]}\n{reports}")
    return output / "_build" / "html"


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Path:
    """The course book built once per session, from clean, with ``-W``.

    Set QUIZLIB_TEST_BOOK to an already built ``_build/html`` to skip the build while developing tests.
    """
    prebuilt = os.environ.get("QUIZLIB_TEST_BOOK")
    if prebuilt:
        return Path(prebuilt)
    return build_book(ROOT, tmp_path_factory.mktemp("book"))


JUPYTEXT_HEADER = """---
jupytext:
  text_representation: {extension: .md, format_name: myst, format_version: 0.13}
kernelspec: {display_name: Python 3, language: python, name: python3}
---
"""


def _chapter(title: str, code: str) -> str:
    return f"{JUPYTEXT_HEADER}\n# {title}\n\n```{{code-cell}} ipython3\n:tags: [remove-input]\nimport quizlib\n{code}\n```\n"


def write_minibook(src: Path) -> Path:
    """A small book with the course's own configuration and the fixture quizzes (every kind, with the home page's
    "Your course" above it; a drawn assessment; the progress page; the certificate page)."""
    src.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "_config.yml", src / "_config.yml")
    shutil.copytree(DATA / "course" / "quizzes", src / "quizzes")
    (src / "chapters").mkdir()
    (src / "chapters" / "kinds.md").write_text(
        _chapter("Every kind", "quizlib.course_progress()")
        + '\nSome teaching.\n\n```{code-cell} ipython3\n:tags: [remove-input]\nquizlib.show("kinds")\n```\n'
    )
    (src / "chapters" / "exam.md").write_text(_chapter("The exam", 'quizlib.show("exam")'))
    (src / "chapters" / "progress.md").write_text(_chapter("My progress", "quizlib.progress()"))
    (src / "chapters" / "certificate.md").write_text(_chapter("Your certificate", "quizlib.certificate()"))
    (src / "_toc.yml").write_text(
        "format: jb-book\nroot: chapters/kinds\nchapters:\n  - file: chapters/exam\n  - file: chapters/progress\n"
        "  - file: chapters/certificate\n"
    )
    return src


@pytest.fixture(scope="session")
def minibook(tmp_path_factory) -> Path:
    """The minibook built from clean with ``-W``: stable ground for the browser tests.

    Set QUIZLIB_TEST_MINIBOOK to an already built minibook's ``_build/html`` to skip the build while developing."""
    prebuilt = os.environ.get("QUIZLIB_TEST_MINIBOOK")
    if prebuilt:
        return Path(prebuilt)
    src = write_minibook(tmp_path_factory.mktemp("minibook-src"))
    return build_book(src, tmp_path_factory.mktemp("minibook-out"))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output readable
        pass


@contextlib.contextmanager
def serving(folder: Path):
    """A static web server for ``folder`` on 127.0.0.1 (as any static host would serve it); yields its URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def book_url(built_book):
    with serving(built_book) as url:
        yield url


@pytest.fixture(scope="session")
def minibook_url(minibook):
    with serving(minibook) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run ./course test, which installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class PageGuard:
    """Records what a page did that a test must not allow: requests off 127.0.0.1, script errors, and anything
    the server's Content-Security-Policy refused (a script, style or request the policy does not allow)."""

    def __init__(self, page):
        self.external: list[str] = []
        self.errors: list[str] = []
        page.on("request", self._request)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", self._console)

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.errors.append(message.text)

    def _request(self, request) -> None:
        url = request.url
        if url.startswith(("data:", "blob:", "about:")):
            return
        if not url.startswith(("http://127.0.0.1:", "http://127.0.0.1/")):
            self.external.append(url)

    def check(self) -> None:
        assert not self.external, f"requests left 127.0.0.1: {self.external}"
        assert not self.errors, f"script errors on the page: {self.errors}"


def new_guarded_page(browser, **context_options):
    context = browser.new_context(**context_options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    guard = PageGuard(page)
    return context, page, guard


@pytest.fixture
def page(browser):
    """A fresh browser context (empty localStorage) with one page, guarded against external requests."""
    context, pg, guard = new_guarded_page(browser)
    pg.guard = guard
    yield pg
    context.close()
    guard.check()


@pytest.fixture
def phone_page(browser):
    """Like ``page``, at a phone's size with touch."""
    context, pg, guard = new_guarded_page(
        browser, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    pg.guard = guard
    yield pg
    context.close()
    guard.check()


PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
SIZES = {"phone": PHONE, "desktop": DESKTOP}


def set_theme_mode(page, mode: str) -> None:
    """Choose the light or dark mode as a reader does, with the theme's own switch (it cycles auto, dark,
    light), and check that the theme set ``html[data-theme]`` accordingly. The choice is kept in the
    browser (``localStorage``), so the context's later pages open in it too."""
    switch = page.locator(".theme-switch-button:visible").first
    for _ in range(3):
        if page.evaluate("document.documentElement.dataset.mode") == mode:
            break
        switch.click()
    # move the pointer off the switch, so its tooltip (outside any landmark) is gone before axe looks
    page.mouse.move(1, 1)
    expect(page.locator(".tooltip")).to_have_count(0)
    assert page.evaluate("[document.documentElement.dataset.mode, document.documentElement.dataset.theme]") == [
        mode,
        mode,
    ], f"the theme's switch did not reach its {mode} mode"


# Tests are marked by the real parts they use (see the markers in pyproject.toml), so the fast lane
# (-m "not slow") is everything that runs in-process on SQLite files and needs no build, browser or kernel.
_MARKED_BY_FIXTURE = {
    "built_book": ("book",),
    "book_url": ("book",),
    "minibook": ("book",),
    "minibook_url": ("book",),
    "browser": ("browser",),
    "page": ("browser",),
    "phone_page": ("browser",),
    "postgres": ("postgres",),
    "start_server": ("server",),
    "live": ("server",),
    "live_on_each_database": ("server",),
    "live_with_mail": ("server",),
    "executed": ("kernel",),  # tests/test_dashboard.py: the analysts' notebook run in a kernel
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        marks = {m for name in names for m in _MARKED_BY_FIXTURE.get(name, ())}
        marks |= {m.name for m in item.iter_markers()} & {"browser", "book", "kernel", "postgres", "server"}
        if "postgresql" in getattr(getattr(item, "callspec", None), "id", ""):
            marks.add("postgres")
        for mark in sorted(marks):
            item.add_marker(mark)
        if marks or item.get_closest_marker("slow"):
            item.add_marker("slow")


def pytest_report_header(config):
    return [f"chromium: {CHROMIUM} ({'found' if shutil.which(CHROMIUM) or Path(CHROMIUM).exists() else 'missing'})"]


# -- the course server's fixtures (PostgreSQL, server processes): see tests/server_fixtures.py ------------
from server_fixtures import (  # noqa: F401
    catalogue,
    database_url,
    live,
    live_on_each_database,
    live_with_mail,
    postgres,
    smtp_sink,
    start_server,
    store,
    tiny_book,
)
