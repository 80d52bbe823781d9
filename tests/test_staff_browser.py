"""In Chromium: a trainer runs a cohort (join link copied and shown as a QR code, an assignment edited past a
warning and deleted, a learner's answers reviewed, a note kept, a duplicate merged and another removed,
reminders copied) and a course lead filters, pages and bookmarks a report. axe-core finds nothing on any
page, in any state; nothing leaves 127.0.0.1."""

from __future__ import annotations

import re
from datetime import date

import pytest
from cohort_helpers import take_quiz, two_wrong
from conftest import PageGuard
from server_fixtures import PASSWORD, join, password_hash
from test_server_pages import violations

pytestmark = pytest.mark.browser


@pytest.fixture
def clip_page(browser):
    """A page whose context may read and write the clipboard (to check what the copy buttons copy)."""
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(10_000)
    guard = PageGuard(page)
    yield page
    context.close()
    guard.check()


@pytest.fixture
def cohort(live, course):
    store = live.store
    tess = store.add_staff("Tess", "trainer", password_hash(), must_change_password=False)
    store.add_staff("Lee", "lead", password_hash(), must_change_password=False)
    cohort = store.add_cohort("North team — Jan 2027", tess.id, "Europe/London")
    quiz = course.quiz("sensitivity")
    store.add_assignment(
        cohort.id,
        title="Sensitivity",
        chapters=[quiz.chapter],
        quiz_ids=[quiz.id],
        include_final=False,
        pass_mark=70,
        due_date=date(2099, 1, 31),
    )
    people = {n: join(live, cohort.code, n) for n in ("Bea", "Bea (phone)", "Cy", "Zed")}
    with live.client() as c:
        take_quiz(c, people["Bea"], quiz, wrong_ids=two_wrong(quiz))
        take_quiz(c, people["Bea (phone)"], quiz, finish=False)
    return {"cohort": cohort, "people": people, "quiz": quiz}


def _sign_in(page, base, name):
    page.goto(base + "signin")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/trainer/")


def test_a_trainer_runs_a_cohort(clip_page, live, cohort):
    page, base, failures = clip_page, live.url, {}
    _sign_in(page, base, "Tess")
    page.get_by_role("link", name="North team — Jan 2027").click()
    # The learners come first; the join link has a copy button and a QR code made by the server.
    headings = page.locator("main h2").all_inner_texts()
    assert headings[:3] == ["Learners", "Assignments", "Join link"]
    page.get_by_role("button", name="Copy the join link").click()
    page.get_by_text("Copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == f"{base}join/{cohort['cohort'].code}"
    qr = page.get_by_role("img", name="QR code of the join link of North team — Jan 2027")
    assert qr.is_visible() and qr.bounding_box()["width"] >= 100
    failures["cohort"] = violations(page)

    # Edit the assignment by keyboard: a past due date is warned about, then saved once confirmed.
    page.get_by_role("link", name=re.compile(r"^Edit\s+“Sensitivity”")).click()
    page.get_by_label("Due date (optional)").fill("2026-11-01")
    page.get_by_label("Pass mark (%)").fill("80")
    page.get_by_label("Pass mark (%)").press("Enter")
    page.get_by_text("has already passed in this cohort").wait_for()
    failures["past due date warned"] = violations(page)
    page.get_by_role("button", name="Save the changes anyway").focus()
    page.keyboard.press("Enter")
    page.get_by_text("The assignment is changed").wait_for()
    row = page.locator("tr[data-assignment]").first.inner_text()
    assert "80%" in row and "2026-11-01" in row and "Cy" in row  # overdue at once
    page.get_by_role("link", name=re.compile(r"^Edit\s+“Sensitivity”")).click()
    assert "pass mark from 70% to 80%" in page.locator("#history-h + ol").inner_text()
    failures["assignment with history"] = violations(page)
    page.go_back()

    # A learner's answers, question by question; a note; what is still to do.
    page.get_by_role("link", name="Bea", exact=True).click()
    assert "best score 80%, below 80%" not in page.content() and "passed" in page.locator("#todo-h + ul").inner_text()
    details = page.locator("details[data-attempt]").first
    assert details.get_attribute("open") is not None and details.locator("tr[data-question]").count() == 10
    page.get_by_label("Your note about Bea").fill("Works nights; prefers e-mail.")
    page.get_by_role("button", name="Save the note").click()
    page.get_by_text("The note is saved").wait_for()
    failures["learner"] = violations(page)

    # Merge the duplicate into Bea, once confirmed.
    page.get_by_label("Duplicate to merge into Bea").select_option(index=0)  # Bea (phone), who joined next
    page.get_by_role("button", name="Merge…").click()
    page.get_by_text("Nothing has changed yet").wait_for()
    failures["confirm merge"] = violations(page)
    page.get_by_role("button", name=re.compile(r"^Yes, merge")).click()
    page.get_by_text("The duplicate is merged into Bea").wait_for()
    assert [le.display_name for le in live.store.learners(cohort["cohort"].id)] == ["Bea", "Cy", "Zed"]

    # Remove Zed, once confirmed.
    page.goto(f"{base}trainer/cohorts/{cohort['cohort'].id}/learners/{cohort['people']['Zed']['learner_id']}")
    page.get_by_role("link", name="Remove Zed and their answers…").click()
    failures["confirm removal"] = violations(page)
    page.get_by_role("button", name="Yes, remove “Zed”").click()
    page.get_by_text("The learner is removed").wait_for()

    # Reminders: Cy is overdue and has no e-mail: a message to copy.
    page.get_by_role("link", name=re.compile(r"^Remind the")).click()
    page.get_by_role("button", name="Copy the message for Cy").click()
    assert page.evaluate("navigator.clipboard.readText()").startswith("Hello Cy,")
    failures["reminders"] = violations(page)
    page.get_by_role("button", name=re.compile(r"^I sent it myself\W+Cy")).click()
    page.get_by_text("Noted: the reminder was copied to send").wait_for()

    # Delete the assignment, once confirmed.
    page.goto(f"{base}trainer/cohorts/{cohort['cohort'].id}")
    page.get_by_role("link", name=re.compile(r"^Delete\s+“Sensitivity”")).click()
    failures["confirm deletion"] = violations(page)
    page.get_by_role("button", name="Yes, delete “Sensitivity”").click()
    page.get_by_text("The assignment is deleted").wait_for()
    assert page.locator("tr[data-assignment]").count() == 0
    failures["cohort after"] = violations(page)
    assert {k: v for k, v in failures.items() if v} == {}


def test_a_lead_filters_pages_and_bookmarks_a_report(page, live, cohort):
    base, failures = live.url, {}
    for n in range(55):  # more than a page of learners
        live.store.add_learner(cohort["cohort"].id, f"Learner {n:02d}")
    other = live.store.add_cohort("South team", live.store.staff_by_name("Tess").id)
    live.store.add_assignment(
        other.id,
        title="Sensitivity",
        chapters=[cohort["quiz"].chapter],
        quiz_ids=[cohort["quiz"].id],
        include_final=False,
        pass_mark=70,
        due_date=None,
    )
    _sign_in(page, base, "Lee")
    page.goto(base + "lead/")
    failures["report"] = violations(page)
    # Every chart's text fits inside its chart: titles and labels wrap, never run off the edge.
    overflow = page.evaluate(
        """() => [...document.querySelectorAll('main svg')].flatMap(svg => {
             const s = svg.getBoundingClientRect();
             return [...svg.querySelectorAll('text')].filter(t => {
               const b = t.getBoundingClientRect();
               return b.left < s.left - 0.5 || b.right > s.right + 0.5 || b.top < s.top - 0.5 || b.bottom > s.bottom + 0.5;
             }).map(t => t.textContent);
           })"""
    )
    assert overflow == []
    assert "chapters/" not in page.locator("main table").first.inner_text()  # modules by title, not path
    page.get_by_label("Cohort", exact=True).select_option(label="North team — Jan 2027")
    page.get_by_label("Module", exact=True).select_option(value="chapters/02-sensitivity")
    page.get_by_label("From", exact=True).fill("2026-01-01")
    page.get_by_label("To", exact=True).fill("2099-12-31")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"cohort=.*module=chapters%2F02-sensitivity.*from=2026-01-01.*to=2099-12-31"))
    bookmark = page.url
    rows = page.locator("tr[data-cohort]").all()
    assert rows and all(r.get_attribute("data-cohort") in (cohort["cohort"].id, "(all)") for r in rows)
    failures["filtered"] = violations(page)
    page.get_by_role("link", name="Overdue learners", exact=True).click()
    assert page.url.endswith("#overdue-h")
    # The bookmark opens the same view in a new visit; the CSV link keeps the filters.
    page.goto(bookmark)
    href = page.get_by_role("link", name="Download every learner's progress per module (CSV)").get_attribute("href")
    assert f"cohort={cohort['cohort'].id}" in href and "from=2026-01-01" in href
    # A bad date in the address is refused with a reason.
    page.goto(base + "lead/?from=31%2F01%2F2027")
    assert "give one as year-month-day" in page.get_by_role("alert").inner_text()
    # The lead's list of learners comes a page at a time.
    page.goto(base + "lead/learners")
    assert page.locator("tr[data-learner]").count() == 50
    page.get_by_role("link", name="Next page of learners").click()
    assert page.locator("tr[data-learner]").count() == 9
    failures["learners, page 2"] = violations(page)
    assert {k: v for k, v in failures.items() if v} == {}
