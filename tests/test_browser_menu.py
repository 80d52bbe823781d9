"""The book's menu, as a learner meets it, in Chromium: on a phone (390 × 844) ☰ opens the chapters and
reaches *My progress*, the secondary ☰ opens the page's contents; on a desktop ☰ hides and shows the sidebar.
In the theme's light and dark modes, with axe at 0 while the menu is open.

pydata-sphinx-theme 0.17 gave these pages a second, hidden ☰ that took the click handler meant for the visible
one (pydata/pydata-sphinx-theme#2451; ``quizlib.fronts.sphinx_ext`` leaves it out): a theme or library
upgrade that breaks the menu again fails here.
"""

from __future__ import annotations

import re

import pytest
from conftest import DESKTOP, PHONE, new_guarded_page, set_theme_mode
from playwright.sync_api import expect
from test_accessibility import violations

pytestmark = pytest.mark.browser

CHAPTER = "chapters/04-meta-analyses.html"
MODES = ["light", "dark"]


@pytest.fixture
def open_context(browser):
    opened = []

    def open_page(options):
        context, page, guard = new_guarded_page(browser, **options)
        opened.append((context, guard))
        return page

    yield open_page
    for context, guard in opened:
        context.close()
        guard.check()


@pytest.mark.parametrize("mode", MODES)
def test_on_a_phone_the_menu_opens_and_reaches_my_progress(open_context, book_url, mode):
    page = open_context(PHONE)
    page.goto(f"{book_url}/{CHAPTER}")
    set_theme_mode(page, mode)
    menu = page.get_by_role("button", name="Toggle primary sidebar")
    expect(menu).to_have_count(1)
    menu.tap()
    dialog = page.locator("#pst-primary-sidebar-modal")
    expect(dialog).to_be_visible()
    link = dialog.get_by_role("link", name="My progress")
    expect(link).to_be_visible()
    assert violations(page) == []
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    menu.focus()
    page.keyboard.press("Enter")  # opens by keyboard too
    expect(dialog).to_be_visible()
    dialog.get_by_role("link", name="My progress").tap()
    expect(page).to_have_url(re.compile(r"/chapters/progress\.html$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("My progress")
    assert page.evaluate("document.documentElement.dataset.theme") == mode


@pytest.mark.parametrize("mode", MODES)
def test_on_a_phone_the_secondary_menu_opens_the_page_contents(open_context, book_url, mode):
    page = open_context(PHONE)
    page.goto(f"{book_url}/{CHAPTER}")
    set_theme_mode(page, mode)
    contents = page.get_by_role("button", name="Toggle secondary sidebar")
    expect(contents).to_have_count(1)
    contents.tap()
    dialog = page.locator("#pst-secondary-sidebar-modal")
    expect(dialog).to_be_visible()
    assert violations(page) == []
    dialog.get_by_role("link", name="Key points").tap()
    expect(page).to_have_url(re.compile(r"#key-points$"))


@pytest.mark.parametrize("mode", MODES)
def test_on_a_desktop_the_menu_button_hides_and_shows_the_sidebar(open_context, book_url, mode):
    page = open_context(DESKTOP)
    page.goto(f"{book_url}/{CHAPTER}")
    set_theme_mode(page, mode)
    sidebar = page.locator("#pst-primary-sidebar")
    progress = sidebar.get_by_role("link", name="My progress")
    expect(progress).to_be_visible()
    expect(page.locator("#pst-secondary-sidebar").get_by_role("link", name="Key points")).to_be_visible()
    menu = page.get_by_role("button", name="Toggle primary sidebar")
    expect(menu).to_have_count(1)
    menu.click()
    expect(progress).to_be_hidden()
    expect(page.locator("#pst-primary-sidebar-modal")).to_be_hidden()  # hidden, not opened as a dialog
    assert violations(page) == []
    menu.click()
    expect(progress).to_be_visible()
    progress.click()
    expect(page).to_have_url(re.compile(r"/chapters/progress\.html$"))
