"""The published quiz in a real browser: every kind answered by mouse and by keyboard alone, feedback and
score checked, progress kept across a reload, the progress page, drawn assessments, a phone screen.

Pages come from the minibook (tests/conftest.py): the course's own configuration with the fixture quizzes,
built with Jupyter Book. Every page fixture fails the test on any request off 127.0.0.1 or a script error.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def question(page, qid):
    return page.locator(f'.ql-question[data-question="{qid}"]')


def check(page, qid):
    question(page, qid).get_by_role("button", name="Check answer").click()


def feedback(page, qid):
    return question(page, qid).locator(".ql-feedback")


def summary(page):
    return page.locator(".ql-summary")


def answer_everything_by_mouse(page):
    q = question(page, "sc")
    q.get_by_label("Blue").check()
    check(page, "sc")
    expect(feedback(page, "sc")).to_contain_text("Correct.")
    expect(feedback(page, "sc")).to_contain_text("Blue, because air scatters blue light most.")
    expect(feedback(page, "sc")).to_contain_text("Source: Alpha (2003).")

    q = question(page, "mr")
    q.get_by_label("2", exact=True).check()
    q.get_by_label("5", exact=True).check()
    check(page, "mr")
    expect(feedback(page, "mr")).to_contain_text("Partly correct: 67% of the credit.")
    expect(q.locator(".ql-tries")).to_have_text("You can try again (1 try left).")
    expect(q.get_by_role("button", name="Show the answer")).to_be_visible()
    q.get_by_label("11", exact=True).check()
    check(page, "mr")
    expect(feedback(page, "mr")).to_contain_text("Correct.")
    expect(q.get_by_role("checkbox").first).to_be_disabled()

    question(page, "tf").get_by_label("False").check()
    check(page, "tf")
    expect(feedback(page, "tf")).to_contain_text("Right; the earth goes round the sun.")

    question(page, "num").get_by_role("textbox").fill("7,636")
    check(page, "num")
    expect(feedback(page, "num")).to_contain_text("Yes, 7,636 families.")

    q = question(page, "dec")
    q.get_by_role("textbox").fill("0.5")
    check(page, "dec")
    expect(feedback(page, "dec")).to_contain_text("Not correct.")
    q.get_by_role("button", name="Show the answer").click()
    expect(feedback(page, "dec")).to_contain_text("The answer: 0.19 (answers within 0.01 count)")

    q = question(page, "ord")
    q.get_by_role("button", name="Move up: Agree goals").click()
    q.get_by_role("button", name="Move up: Edit the film").click()
    expect(q.locator(".ql-steptext")).to_have_text(
        ["Agree goals", "Film the interaction", "Edit the film", "Review the film together"]
    )
    check(page, "ord")
    expect(feedback(page, "ord")).to_contain_text("Correct.")

    q = question(page, "match")
    q.get_by_label("Studies").select_option(label="81")
    q.get_by_label("Families").select_option(label="7,636")
    q.get_by_label("Outcomes").select_option(label="88")
    check(page, "match")
    expect(feedback(page, "match")).to_contain_text("Correct.")

    q = question(page, "case")
    q.get_by_label("Send a letter").check()
    q.get_by_role("button", name="Decide").click()
    expect(q.locator(".ql-stage")).to_have_count(2)
    expect(q.locator(".ql-stagefb").first).to_contain_text("A reasonable choice, but not the strongest.")
    q.get_by_label("Visit soon").check()
    q.get_by_role("button", name="Decide").last.click()
    expect(q).to_contain_text("End of the case. Your decisions earned 75% of the credit.")


# 1 + 1 + 1 + 1 + 0 (answer shown) + 1 + 1 + 0.75 = 6.75 of 8
FINAL_TEXT = "Quiz complete. Your score: 6.75 out of 8 (84.38%). The pass mark is 60%: you passed."


def test_every_kind_by_mouse_then_reload_keeps_everything(page, minibook_url):
    page.goto(f"{minibook_url}/chapters/kinds.html")
    expect(summary(page)).to_have_text("Answered 0 of 8 questions.")
    answer_everything_by_mouse(page)
    expect(summary(page)).to_have_text(FINAL_TEXT)

    page.reload()
    expect(summary(page)).to_have_text(FINAL_TEXT)
    expect(question(page, "sc").get_by_label("Blue")).to_be_checked()
    expect(feedback(page, "sc")).to_contain_text("Correct.")
    expect(question(page, "num").get_by_role("textbox")).to_have_value("7,636")
    expect(feedback(page, "dec")).to_contain_text("The answer: 0.19")
    expect(question(page, "ord").locator(".ql-steptext").first).to_have_text("Agree goals")
    expect(question(page, "case").locator(".ql-stage")).to_have_count(2)
    expect(question(page, "case").get_by_role("button", name="Decide").first).to_be_disabled()

    page.goto(f"{minibook_url}/chapters/progress.html")
    row = page.locator('tr[data-quiz="kinds"]')
    expect(row).to_contain_text("Passed")
    expect(row).to_contain_text("84.38% (pass mark 60%)")
    expect(page.locator('tr[data-quiz="exam"]')).to_contain_text("Not started")
    expect(page.locator(".ql-progress-summary")).to_have_text("You have passed 1 of 2 quizzes.")
    row.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/chapters/kinds\.html$"))


def tab_to(page, selector, limit=400):
    """Press Tab until the focused element matches ``selector``: proves it is reachable by keyboard."""
    for _ in range(limit):
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def q(qid, rest=""):
    return f'.ql-question[data-question="{qid}"] {rest}'.strip()


def test_every_kind_by_keyboard_alone(page, minibook_url):
    page.goto(f"{minibook_url}/chapters/kinds.html")
    kb = page.keyboard

    # Choices come in the order drawn for this attempt: find where each wanted one is, then use the keys.
    def shown(qid, selector="input"):
        return page.locator(q(qid, selector)).evaluate_all("els => els.map(e => e.value)")

    tab_to(page, q("sc", "input[type=radio]"))  # the first radio of the group takes focus
    for _ in range(shown("sc").index("b")):
        kb.press("ArrowDown")  # arrows move to the next radio and choose it
    if shown("sc").index("b") == 0:
        kb.press("Space")
    kb.press("Tab")
    kb.press("Enter")
    expect(feedback(page, "sc")).to_contain_text("Correct.")
    # the question is over: focus moves to its feedback, so the learner goes on from there
    assert page.evaluate("document.activeElement.classList.contains('ql-feedback')")

    tab_to(page, q("mr", "input[type=checkbox]"))
    keys = []
    for n, value in enumerate(shown("mr")):
        keys += (["Tab"] if n else []) + (["Space"] if value in ("a", "c", "e") else [])  # 2, 5, 11
    for key in keys + ["Tab", "Enter"]:  # then Check answer
        kb.press(key)
    expect(feedback(page, "mr")).to_contain_text("Correct.")

    tab_to(page, q("tf", "input[type=radio]"))
    kb.press("ArrowDown")  # True -> False
    kb.press("Tab")
    kb.press("Enter")
    expect(feedback(page, "tf")).to_contain_text("Correct.")

    tab_to(page, q("num", "input.ql-number"))
    kb.type("7636")
    kb.press("Enter")
    expect(feedback(page, "num")).to_contain_text("Correct.")

    tab_to(page, q("dec", "input.ql-number"))
    kb.type("0,19")
    kb.press("Enter")
    expect(feedback(page, "dec")).to_contain_text("Correct.")

    tab_to(page, q("ord", 'button[aria-label="Move up: Agree goals"]'))
    kb.press("Enter")
    expect(page.locator(q("ord", ".ql-visually-hidden[role=status]"))).to_contain_text("is now step 1 of 4")
    tab_to(page, q("ord", 'button[aria-label="Move up: Edit the film"]'))
    kb.press("Enter")
    tab_to(page, q("ord", ".ql-controls button.ql-button:not(.ql-secondary)"))
    kb.press("Enter")
    expect(feedback(page, "ord")).to_contain_text("Correct.")

    # matching: Choose…, then the choices in the attempt's order
    choices = page.locator(q("match", "select")).first.evaluate("s => [...s.options].map(o => o.value)")
    tab_to(page, q("match", "select"))
    for pair in ("studies", "families", "outcomes"):
        for _ in range(choices.index(pair)):
            kb.press("ArrowDown")
        kb.press("Tab")
    kb.press("Enter")  # Tab from the last select lands on Check answer
    expect(feedback(page, "match")).to_contain_text("Correct.")

    def decide(stage, option):
        # Space chooses the radio that has focus (the first); arrows move on and choose.
        values = shown("case", f'.ql-stage[data-stage="{stage}"] input[type=radio]')
        kb.press("Space")
        for _ in range(values.index(option)):
            kb.press("ArrowDown")
        kb.press("Tab")
        kb.press("Enter")

    tab_to(page, q("case", "input[type=radio]"))
    decide("s1", "a")  # Call to ask how she is: the next stage appears and takes focus
    expect(page.locator(q("case", ".ql-stage"))).to_have_count(2)
    assert page.evaluate("document.activeElement.closest('.ql-stage').dataset.stage") == "s2"
    decide("s2", "a")  # Offer a different time
    expect(page.locator(q("case"))).to_contain_text("Your decisions earned 100% of the credit.")

    expect(summary(page)).to_have_text(
        "Quiz complete. Your score: 8 out of 8 (100%). The pass mark is 60%: you passed."
    )


def test_feedback_regions_are_live_for_screen_readers(page, minibook_url):
    page.goto(f"{minibook_url}/chapters/kinds.html")
    for qid in ("sc", "mr", "tf", "num", "dec", "ord", "match"):
        region = feedback(page, qid)
        expect(region).to_have_attribute("role", "status")
        expect(region).to_have_attribute("aria-live", "polite")
    expect(summary(page)).to_have_attribute("role", "status")
    expect(question(page, "case").locator(".ql-stagefb").first).to_have_attribute("aria-live", "polite")
    # a wrong try is announced politely, with the tries left
    question(page, "sc").get_by_label("Red").check()
    check(page, "sc")
    expect(feedback(page, "sc")).to_have_attribute("aria-live", "polite")
    expect(feedback(page, "sc")).to_contain_text("Not correct.")
    # a missing answer is announced, and is not a try
    check(page, "tf")
    expect(feedback(page, "tf")).to_have_text("Please choose true or false first.")
    expect(question(page, "tf").locator(".ql-tries")).to_have_text("")


def test_each_question_is_a_labelled_region_with_labelled_controls(page, minibook_url):
    page.goto(f"{minibook_url}/chapters/kinds.html")
    for qid in ("sc", "mr", "tf", "num", "dec", "ord", "match", "case"):
        section = question(page, qid)
        heading_id = section.get_attribute("aria-labelledby")
        assert page.locator(f"#{heading_id}").inner_text().startswith(("Question", "Case"))
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('.ql-quiz input, .ql-quiz select')]
              .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).length"""
    )
    assert unlabelled == 0


def test_a_drawn_assessment_is_kept_on_reload_and_drawn_afresh_on_restart(page, minibook_url):
    page.goto(f"{minibook_url}/chapters/exam.html")

    def shown():
        return page.locator(".ql-question").evaluate_all("els => els.map(e => e.dataset.question)")

    first = shown()
    assert first[0] == "own" and len(first) == 4 and all(x.startswith("kinds/") for x in first[1:])
    page.reload()
    assert shown() == first
    page.on("dialog", lambda d: d.accept())
    selections = {tuple(first)}
    for _ in range(3):
        page.get_by_role("button", name="Start this quiz again").click()
        selections.add(tuple(shown()))
    assert len(selections) > 1


def test_start_again_clears_answers_but_keeps_the_best_result(page, minibook_url):
    page.goto(f"{minibook_url}/chapters/kinds.html")
    answer_everything_by_mouse(page)
    page.on("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Start this quiz again").click()
    expect(summary(page)).to_have_text("Answered 0 of 8 questions.")
    expect(question(page, "sc").get_by_label("Blue")).not_to_be_checked()
    page.goto(f"{minibook_url}/chapters/progress.html")
    expect(page.locator('tr[data-quiz="kinds"]')).to_contain_text("84.38%")


def decide(case, label):
    case.get_by_label(label).check()
    case.get_by_role("button", name="Decide").last.click()


def test_a_case_ends_with_the_ending_of_the_decision_taken_else_the_stage_s(page, minibook_url):
    page.goto(f"{minibook_url}/chapters/kinds.html")
    case = question(page, "case")
    ending = case.locator(".ql-ending")
    # "Remind her of the rules" ends the case with its own ending, in place of the stage's.
    decide(case, "Call to ask how she is")
    decide(case, "Remind her of the rules")
    expect(case).to_contain_text("End of the case. Your decisions earned 50% of the credit.")
    expect(ending).to_have_text("She stops answering the door.")
    expect(case).not_to_contain_text("She comes to the next visit.")
    page.reload()
    expect(question(page, "case").locator(".ql-ending")).to_have_text("She stops answering the door.")
    # Played again: "Offer a different time" has no ending of its own, so the stage's is shown.
    case.get_by_role("button", name="Try this case again").click()
    expect(ending).to_have_count(0)
    decide(case, "Call to ask how she is")
    decide(case, "Offer a different time")
    expect(case).to_contain_text("End of the case. Your decisions earned 100% of the credit.")
    expect(ending).to_have_text("She comes to the next visit.")
    expect(case).not_to_contain_text("She stops answering the door.")


def test_on_a_phone(phone_page, minibook_url):
    page = phone_page
    page.goto(f"{minibook_url}/chapters/kinds.html")
    question(page, "sc").get_by_text("Blue").tap()
    question(page, "sc").get_by_role("button", name="Check answer").tap()
    expect(feedback(page, "sc")).to_contain_text("Correct.")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
    # nothing in the quiz sticks out of its card (a long choice in a select, a long word)
    sticking_out = page.evaluate(
        """() => { const card = document.querySelector('.ql-card').getBoundingClientRect();
                   return [...document.querySelectorAll('.ql-card *')]
                     .filter(el => el.getBoundingClientRect().right > card.right + 1)
                     .map(el => el.tagName + '.' + el.className); }"""
    )
    assert sticking_out == []
    for button in page.locator(".ql-quiz button:visible").all()[:20]:
        box = button.bounding_box()
        assert box["height"] >= 44, "touch targets are at least 44 px high"


def test_the_quiz_says_when_the_browser_keeps_nothing(browser, minibook_url):
    context = browser.new_context()
    context.add_init_script("Object.defineProperty(window, 'localStorage', {get() { throw new Error('blocked'); }})")
    page = context.new_page()
    page.goto(f"{minibook_url}/chapters/kinds.html")
    expect(page.locator(".ql-warning")).to_contain_text("your answers will be lost when you leave the page")
    question(page, "sc").get_by_label("Blue").check()
    check(page, "sc")
    expect(feedback(page, "sc")).to_contain_text("Correct.")
    context.close()


def test_the_runtime_mounts_blocks_whether_it_comes_before_or_after_them(page, tmp_path):
    """The book loads the runtime once, from _static, before the page's blocks are read; a notebook output
    carries it inline after its block. Both mount every block."""
    from conftest import serving
    from scoring_table import fixture_course

    from quizlib.fronts.html import quiz_html, script

    course = fixture_course()
    (tmp_path / "quizlib.js").write_text(script(), encoding="utf-8")
    (tmp_path / "before.html").write_text(
        '<!doctype html><html lang="en"><head><title>before</title><script src="quizlib.js"></script></head><body>'
        + quiz_html(course, "kinds", standalone=False)
        + quiz_html(course, "exam", standalone=False)
        + "</body></html>",
        encoding="utf-8",
    )
    (tmp_path / "after.html").write_text(
        '<!doctype html><html lang="en"><head><title>after</title></head><body>'
        + quiz_html(course, "kinds")
        + quiz_html(course, "exam")
        + "</body></html>",
        encoding="utf-8",
    )
    with serving(tmp_path) as url:
        page.goto(f"{url}/before.html")
        expect(page.locator(".ql-quiz")).to_have_count(2)
        expect(page.locator(".ql-question")).to_have_count(8 + 4)
        question(page, "sc").get_by_label("Blue").check()
        check(page, "sc")
        expect(feedback(page, "sc")).to_contain_text("Correct.")
        page.goto(f"{url}/after.html")  # the same site: the answer just given is shown again
        expect(page.locator(".ql-quiz")).to_have_count(2)
        expect(page.locator(".ql-question")).to_have_count(8 + 4)
        expect(feedback(page, "sc")).to_contain_text("Correct.")
