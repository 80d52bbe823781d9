"""axe-core (in Chromium) finds no violation on any page of the built book, nor on a quiz in every state."""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from test_browser_quiz import answer_everything_by_mouse, check, question

pytestmark = pytest.mark.browser
from quizlib.course import toc_documents

ROOT = Path(__file__).resolve().parents[1]
AXE = Axe()


def _pages() -> list[str]:
    return toc_documents(ROOT)


def violations(page) -> list[str]:
    result = AXE.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result.response["violations"]
    ]


@pytest.mark.parametrize("docname", _pages())
def test_every_page_of_the_book(page, book_url, docname):
    page.goto(f"{book_url}/{docname}.html")
    page.wait_for_load_state("load")
    assert violations(page) == []


def test_a_quiz_with_feedback_and_answers_shown(page, minibook_url):
    page.goto(f"{minibook_url}/chapters/kinds.html")
    answer_everything_by_mouse(page)
    assert violations(page) == []


def test_a_quiz_with_tries_left_and_a_missing_answer(page, minibook_url):
    page.goto(f"{minibook_url}/chapters/kinds.html")
    question(page, "mr").get_by_label("2", exact=True).check()
    check(page, "mr")
    check(page, "tf")
    assert violations(page) == []


def test_the_progress_page(page, minibook_url):
    page.goto(f"{minibook_url}/chapters/kinds.html")
    answer_everything_by_mouse(page)
    page.goto(f"{minibook_url}/chapters/progress.html")
    assert violations(page) == []


def test_dark_mode(page, minibook_url):
    page.goto(f"{minibook_url}/chapters/kinds.html")
    page.evaluate("document.documentElement.dataset.theme = 'dark'")
    answer_everything_by_mouse(page)
    assert violations(page) == []
