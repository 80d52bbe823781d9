"""axe-core (in Chromium) finds no violation on any page of the built book, nor on a quiz in every state, in the
theme's light and dark modes as its own switch sets them."""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from conftest import set_theme_mode
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


MODES = ["light", "dark"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("docname", _pages())
def test_every_page_of_the_book(page, book_url, docname, mode):
    page.goto(f"{book_url}/{docname}.html")
    page.wait_for_load_state("load")
    set_theme_mode(page, mode)
    assert violations(page) == []


@pytest.mark.parametrize("mode", MODES)
def test_a_quiz_with_feedback_and_answers_shown(page, minibook_url, mode):
    page.goto(f"{minibook_url}/chapters/kinds.html")
    set_theme_mode(page, mode)
    answer_everything_by_mouse(page)
    assert violations(page) == []


@pytest.mark.parametrize("mode", MODES)
def test_a_quiz_with_tries_left_and_a_missing_answer(page, minibook_url, mode):
    page.goto(f"{minibook_url}/chapters/kinds.html")
    set_theme_mode(page, mode)
    question(page, "mr").get_by_label("2", exact=True).check()
    check(page, "mr")
    check(page, "tf")
    assert violations(page) == []


@pytest.mark.parametrize("mode", MODES)
def test_the_progress_page(page, minibook_url, mode):
    page.goto(f"{minibook_url}/chapters/kinds.html")
    set_theme_mode(page, mode)
    answer_everything_by_mouse(page)
    page.goto(f"{minibook_url}/chapters/progress.html")
    assert page.evaluate("document.documentElement.dataset.theme") == mode
    assert violations(page) == []


def _luminance(css_colour: str) -> float:
    """WCAG relative luminance of an ``rgb(…)``/``rgba(…)`` colour."""
    channels = [float(c) / 255 for c in css_colour[css_colour.index("(") + 1 : -1].split(",")[:3]]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("mode", MODES)
def test_the_quiz_card_and_its_controls_follow_the_theme_switch(browser, minibook_url, mode, size):
    """A card that stayed white while native controls turned dark made unticked radios look filled: the card, the
    box around it and the controls' colour scheme all follow the theme's mode."""
    from conftest import SIZES, new_guarded_page

    context, page, guard = new_guarded_page(browser, **SIZES[size])
    page.goto(f"{minibook_url}/chapters/kinds.html")
    set_theme_mode(page, mode)
    looks = page.evaluate(
        """() => {
            const card = document.querySelector('.ql-card'), radio = card.querySelector('input[type=radio]');
            const box = card.closest('.text_html');
            return {card: getComputedStyle(card).backgroundColor, text: getComputedStyle(card).color,
                    box: getComputedStyle(box).backgroundColor, scheme: getComputedStyle(radio).colorScheme};
        }"""
    )
    context.close()
    guard.check()
    assert looks["scheme"] == mode, looks
    if mode == "dark":
        assert _luminance(looks["card"]) < 0.05 and _luminance(looks["text"]) > 0.5, looks
        assert looks["box"] == "rgba(0, 0, 0, 0)", "the theme's light box around outputs is not drawn behind a quiz"
    else:
        assert _luminance(looks["card"]) > 0.9 and _luminance(looks["text"]) < 0.1, looks
