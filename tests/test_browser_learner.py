"""The learner's side of the published course in a real browser, at a phone's size (390 x 844, touch) and at a
desktop's: "Your course" on the home page (continue where you left off, the progress bar, a tick for each
finished chapter, in the page and in the menu), the links after a quiz, My progress in three columns that fit a
phone, the certificate page, a case played again alone, focus after "Show the answer", "Skip to the quiz", the
quiz on paper (print media), and what became of each quiz's answers with a real course server: kept on this
device while the server is down, sent after; a batch too large for the server (413) split; a device whose
learner the server no longer knows (401) told so, with no endless retries, and its answers sent once it joins
again.

Pages are checked with axe-core in the theme's light and dark modes; every page fixture fails its test on a
request that leaves 127.0.0.1 or a script error (tests/conftest.py).
"""

from __future__ import annotations

import json
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from conftest import DATA, new_guarded_page
from playwright.sync_api import expect
from server_fixtures import password_hash
from test_browser_quiz import FINAL_TEXT, answer_everything_by_mouse, feedback, question
from test_tracking_e2e import _answer as answer_and_check
from test_tracking_e2e import answer_in as answer_and_check_in

from quizlib.quiz.load import load_course
from quizlib.quiz.score import full_credit_response
from quizlib.results.store import Store

pytestmark = pytest.mark.browser
AXE = Axe()

VIEWPORTS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}


@pytest.fixture(params=sorted(VIEWPORTS))
def learner_page(request, browser):
    """A fresh browser context (empty storage) at a phone's or a desktop's size, guarded like ``page``."""
    context, pg, guard = new_guarded_page(browser, **VIEWPORTS[request.param])
    pg.on("dialog", lambda d: d.accept())
    pg.guard = guard
    pg.viewport_name = request.param
    yield pg
    context.close()
    guard.check()


def violations(page) -> list[str]:
    result = AXE.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in result.response["violations"]
    ]


def axe_in_both_themes(page) -> None:
    """No axe violation in the theme's light mode nor in its dark mode (its own switch); leaves it light."""
    for theme in ("light", "dark"):
        set_theme(page, theme)
        assert violations(page) == [], theme
    set_theme(page, "light")


def set_theme(page, theme: str) -> None:
    """Switch the theme's colours, and wait for its colour transitions to end (axe reads colours as they are)."""
    page.evaluate(
        "async (t) => { document.documentElement.dataset.theme = t;"
        " await new Promise(requestAnimationFrame);"
        " await Promise.all(document.getAnimations().map(a => a.finished.catch(() => null))); }",
        theme,
    )


def no_sideways_scroll(page, selector: str = "html") -> None:
    widths = page.locator(selector).first.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert widths[0] <= widths[1], f"{selector} scrolls sideways: {widths}"


def menu_entry(page, title: str):
    """The link to a chapter in the book's menu (the side bar, a drawer on a phone)."""
    return page.locator("nav.bd-links a", has_text=title)


def fixture_course():
    return load_course(DATA / "course" / "quizzes")


def pass_the_drawn_exam(page) -> None:
    """Answer the minibook's drawn exam fully right, whatever it drew."""
    kinds = fixture_course().quiz("kinds")
    exam = fixture_course().quiz("exam")
    drawn = page.locator(".ql-question").evaluate_all("els => els.map(e => e.dataset.question)")
    assert len(drawn) == 4
    for qid in drawn:
        q = exam.question(qid) if "/" not in qid else kinds.question(qid.split("/", 1)[1])
        box = page.locator(f'section.ql-question[data-question="{qid}"]')
        answer_and_check_in(box, q, full_credit_response(q))
    expect(page.locator(".ql-summary")).to_contain_text("you passed")


# -- "Your course", the links after a quiz, ticks, My progress, the certificate --------------------------------


def test_finishing_quizzes_shows_in_your_course_the_menu_my_progress_and_the_certificate(learner_page, minibook_url):
    page = learner_page
    page.goto(f"{minibook_url}/chapters/kinds.html")
    course = page.locator(".ql-course")
    bar = course.get_by_role("progressbar")
    expect(course.get_by_role("heading", name="Your course")).to_be_visible()
    expect(course).to_contain_text("Your progress is kept in this browser.")
    expect(course.locator(".ql-bar-label")).to_have_text("You have finished 0 of 2 chapters.")
    expect(bar).to_have_attribute("aria-valuenow", "0")
    expect(page.locator(".ql-menu-tick")).to_have_count(0)

    answer_everything_by_mouse(page)
    expect(page.locator(".ql-summary")).to_have_text(FINAL_TEXT)
    # The page's own "Your course" follows at once: one chapter of two, its tick, and the menu's.
    expect(course.locator(".ql-bar-label")).to_have_text("You have finished 1 of 2 chapters.")
    expect(bar).to_have_attribute("aria-valuenow", "1")
    expect(bar).to_have_attribute("aria-valuetext", "1 of 2 chapters finished")
    assert course.locator(".ql-bar-fill").evaluate("e => e.style.width") == "50%"
    expect(course.locator('li[data-chapter="chapters/kinds"] .ql-tick')).to_have_count(1)
    expect(course.locator('li[data-chapter="chapters/kinds"]')).to_contain_text("(finished)")
    expect(course.locator('li[data-chapter="chapters/exam"] .ql-tick')).to_have_count(0)
    expect(menu_entry(page, "Every kind").locator(".ql-menu-tick")).to_have_count(1)

    # After the quiz: where to go next.
    after = page.get_by_role("navigation", name="After this quiz")
    expect(after.get_by_role("link")).to_have_text(["Next: The exam", "My progress"])
    expect(after.get_by_role("link", name="My progress")).to_have_attribute("href", re.compile(r"progress\.html$"))
    axe_in_both_themes(page)
    after.get_by_role("link", name="Next: The exam").click()
    page.wait_for_url(re.compile(r".*/chapters/exam\.html(#.*)?$"))

    # The home page now offers to continue where the learner left off.
    page.goto(f"{minibook_url}/chapters/kinds.html")
    expect(course.locator(".ql-continue")).to_have_text("Continue where you left off: The exam")
    course.get_by_role("link", name="The exam").click()
    page.wait_for_url(re.compile(r".*/chapters/exam\.html(#.*)?$"))

    pass_the_drawn_exam(page)
    expect(menu_entry(page, "The exam").locator(".ql-menu-tick")).to_have_count(1)
    # The exam is the book's last chapter with a quiz: its links go to My progress.
    expect(page.get_by_role("navigation", name="After this quiz").get_by_role("link").first).to_have_attribute(
        "href", re.compile(r"progress\.html$")
    )

    # My progress: three columns, no sideways scrolling on a phone, in either theme.
    page.goto(f"{minibook_url}/chapters/progress.html")
    expect(page.locator(".ql-progress thead th")).to_have_text(["Chapter", "Status", "Best score"])
    expect(page.locator('tr[data-quiz="kinds"]')).to_contain_text("Passed")
    expect(page.locator('tr[data-quiz="exam"]')).to_contain_text("Passed")
    expect(page.locator(".ql-progress-summary")).to_have_text("You have passed 2 of 2 quizzes.")
    for theme in ("light", "dark"):
        set_theme(page, theme)
        no_sideways_scroll(page)
        no_sideways_scroll(page, ".ql-table-wrap")
    axe_in_both_themes(page)

    # The certificate, made in this browser: the name typed shows on it, and is kept.
    page.get_by_role("link", name="Your certificate of completion").click()
    page.wait_for_url("**/chapters/certificate.html")
    expect(page.locator(".ql-cert-status")).to_contain_text("Well done: you have passed every quiz")
    page.get_by_label("Your name, as it should read on the certificate").fill("Bea Okafor")
    cert = page.get_by_role("article", name="Certificate of completion")
    expect(cert.locator(".ql-cert-name")).to_have_text("Bea Okafor")
    expect(cert.locator(".ql-cert-scores tbody tr")).to_have_count(2)
    expect(cert).to_contain_text("it has no verification code")
    no_sideways_scroll(page)
    axe_in_both_themes(page)
    page.reload()
    expect(page.get_by_role("article", name="Certificate of completion").locator(".ql-cert-name")).to_have_text(
        "Bea Okafor"
    )
    # On paper: the certificate alone.
    page.emulate_media(media="print")
    expect(page.get_by_role("article", name="Certificate of completion")).to_be_visible()
    expect(page.get_by_label("Your name, as it should read on the certificate")).to_be_hidden()
    expect(page.get_by_role("button", name="Print the certificate")).to_be_hidden()
    page.emulate_media(media="screen")

    page.goto(f"{minibook_url}/chapters/kinds.html")
    expect(course.locator(".ql-bar-label")).to_have_text("You have finished every chapter.")
    expect(bar).to_have_attribute("aria-valuenow", "2")


def test_the_certificate_page_before_passing_lists_what_is_left(page, minibook_url):
    page.goto(f"{minibook_url}/chapters/certificate.html")
    expect(page.locator(".ql-cert-status")).to_contain_text("You have passed 0 of 2. Still to pass:")
    expect(page.locator(".ql-cert-missing li")).to_have_count(2)
    expect(page.get_by_role("article", name="Certificate of completion")).to_have_count(0)
    assert violations(page) == []


# -- a case again, keyboard, paper -----------------------------------------------------------------------------


def test_a_case_played_again_alone_keeps_the_other_answers(learner_page, minibook_url):
    page = learner_page
    page.goto(f"{minibook_url}/chapters/kinds.html")
    answer_everything_by_mouse(page)
    case = question(page, "case")
    case.get_by_role("button", name="Try this case again").click()
    # The case starts again from its first decision, which takes focus; the other questions keep their answers.
    expect(case.locator(".ql-stage")).to_have_count(1)
    expect(case.locator(".ql-stage input").first).to_be_focused()
    expect(feedback(page, "sc")).to_contain_text("Correct.")
    expect(question(page, "num").get_by_role("textbox")).to_have_value("7,636")
    expect(page.locator(".ql-summary")).to_have_text("Answered 7 of 8 questions.")
    # Played better this time: the quiz is finished again, with the better result.
    case.get_by_label("Call to ask how she is").check()
    case.get_by_role("button", name="Decide").click()
    expect(case.locator(".ql-stage")).to_have_count(2)
    case.get_by_label("Offer a different time").check()
    case.get_by_role("button", name="Decide").last.click()
    expect(case).to_contain_text("End of the case. Your decisions earned 100% of the credit.")
    # 7 of 8 before; the case's 0.75 is now 1.
    expect(page.locator(".ql-summary")).to_contain_text("Quiz complete. Your score: 7 out of 8 (87.5%).")
    page.reload()
    expect(question(page, "case").locator(".ql-stage")).to_have_count(2)
    expect(feedback(page, "sc")).to_contain_text("Correct.")


def test_skip_to_the_quiz_and_show_the_answer_by_keyboard(learner_page, minibook_url):
    page = learner_page
    page.goto(f"{minibook_url}/chapters/kinds.html")
    skip = page.get_by_role("link", name="Skip to the quiz")
    # The link comes right after the chapter's title, before the teaching.
    assert skip.evaluate("a => a.closest('p').previousElementSibling.tagName") == "H1"
    skip.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#ql-quiz-kinds")).to_be_focused()
    # From there, Tab goes on into the quiz.
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('#ql-quiz-kinds .ql-question')")

    dec = question(page, "dec")
    dec.get_by_role("textbox").focus()
    page.keyboard.type("0.5")
    page.keyboard.press("Tab")
    expect(dec.get_by_role("button", name="Check answer")).to_be_focused()
    page.keyboard.press("Enter")
    expect(feedback(page, "dec")).to_contain_text("Not correct.")
    show = dec.get_by_role("button", name="Show the answer")
    show.focus()
    page.keyboard.press("Enter")
    # The button is gone: focus is on the feedback with the answer, not lost to the page's top.
    expect(feedback(page, "dec")).to_be_focused()
    expect(feedback(page, "dec")).to_contain_text("The answer: 0.19")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement !== document.body")
    axe_in_both_themes(page)


def test_on_paper_a_quiz_is_text_with_the_matching_choices(learner_page, minibook_url):
    page = learner_page
    page.goto(f"{minibook_url}/chapters/kinds.html")
    match = question(page, "match")
    long_choice = "29, which is a count from a different part of the review altogether"
    match.get_by_label("Outcomes").select_option(label=long_choice)
    # On a phone a select cuts its text short: the choice made is shown whole under it, inside the screen.
    whole = match.locator(".ql-chosen").nth(2)
    if page.viewport_name == "phone":
        expect(whole).to_be_visible()
        expect(whole).to_have_text("\u2192 " + long_choice)
        box = whole.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        no_sideways_scroll(page)
    else:
        expect(whole).to_be_hidden()
    match.get_by_label("Outcomes").select_option(index=0)
    match.get_by_label("Studies").select_option(label="81")
    question(page, "num").get_by_role("textbox").fill("7,636")
    question(page, "sc").get_by_label("Blue").check()
    page.emulate_media(media="print")
    # Buttons and live controls are gone; what was chosen or typed is text.
    expect(page.locator(".ql-quiz button:visible")).to_have_count(0)
    expect(match.locator("select:visible")).to_have_count(0)
    expect(match.locator(".ql-choicelist")).to_be_visible()
    choices = match.locator(".ql-choicelist li")
    assert choices.count() >= 3 and "81" in choices.all_inner_texts()
    chosen = match.locator(".ql-chosen")
    expect(chosen.first).to_be_visible()
    expect(chosen.first).to_have_text("\u2192 81")
    expect(chosen.nth(1)).to_have_text("\u2192 (no match chosen)")
    expect(question(page, "num").locator(".ql-typed")).to_be_visible()
    expect(question(page, "num").locator(".ql-typed")).to_have_text("7,636")
    expect(page.locator(".ql-skip")).to_be_hidden()
    marker = (
        question(page, "sc").locator("input:checked + label").evaluate("l => getComputedStyle(l, '::before').content")
    )
    assert "\u25cf" in marker, marker  # the chosen choice is marked on paper
    page.emulate_media(media="screen")
    expect(match.locator("select").first).to_be_visible()


# -- what became of the answers: a real course server ---------------------------------------------------------


QUIZ = "welcome"


def _sending(page):
    return page.locator('.quizlib[data-quizlib="quiz"] .ql-after-sending .ql-sending').first


@pytest.mark.server
@pytest.mark.book
@pytest.mark.parametrize("size", sorted(VIEWPORTS))
def test_answers_kept_on_the_device_sent_after_split_when_too_large_and_a_refused_device_stops(
    browser, built_book, start_server, tmp_path, course, size
):
    """A joined learner: answers sent; the server stopped, answers kept on this device (said so under
    the quiz); the server back, behind a limit of 2 statements a request (Playwright answers 413 for a larger
    batch: quizlib serve has no smaller limit to set), the batch is split and everything arrives once. Then the
    server forgets the learner (deleted): the next answer meets 401, the page says the device is no longer joined,
    with a link to join again, and sends nothing more; joining again sends what waited."""
    url = f"sqlite:///{tmp_path / 'course.sqlite3'}"
    server = start_server(built_book, url)
    store = Store(url)
    cohort = store.add_cohort("Spring", store.add_staff("Tess", "trainer", password_hash()).id)
    quiz = course.quiz(QUIZ)
    questions = list(quiz.questions)
    context, page, guard = new_guarded_page(browser, **VIEWPORTS[size])
    posts: list[tuple[int, int]] = []  # (statements in the request, status answered)
    page.on(
        "response",
        lambda r: (
            posts.append((len(json.loads(r.request.post_data or "[]")), r.status))
            if r.url.endswith("api/v1/statements") and r.request.method == "POST"
            else None
        ),
    )
    try:
        page.goto(f"{server.url}join/{cohort.code}")
        page.get_by_label("Your name, as your trainer will see it").fill("Bea")
        page.get_by_role("button", name="Join").click()
        page.get_by_role("link", name="Start the course").click()
        page.wait_for_url(f"**/{quiz.chapter}.html")
        page.locator(f"section.ql-question[data-question='{questions[0].id}']").wait_for()

        answer_and_check(page, questions[0], full_credit_response(questions[0]))
        page.wait_for_function("() => window.QuizLibSync.pending() === 0")
        expect(_sending(page)).to_have_text("Your answers are sent to your trainer.")

        # The server goes away: the answers wait on the device, and the page says so.
        server.stop()
        for q in questions[1:5]:
            answer_and_check(page, q, full_credit_response(q))
        expect(_sending(page)).to_contain_text("kept on this device, not yet sent to your trainer.")
        expect(_sending(page)).to_contain_text("cannot be reached just now")
        waiting = page.evaluate("() => window.QuizLibSync.pending()")
        assert waiting >= 4
        axe_in_both_themes(page)

        # Back, but taking at most 2 statements a request.
        def at_most_two(route):
            if len(json.loads(route.request.post_data or "[]")) > 2:
                route.fulfill(
                    status=413,
                    content_type="application/json",
                    body=json.dumps({"error": "the body is over the limit: send fewer statements at a time"}),
                )
            else:
                route.continue_()

        page.route("**/api/v1/statements", at_most_two)
        server = start_server(built_book, url, port=server.port)
        before = len(posts)
        page.evaluate("() => window.dispatchEvent(new Event('online'))")
        page.wait_for_function("() => window.QuizLibSync.pending() === 0", timeout=20_000)
        expect(_sending(page)).to_have_text("Your answers are sent to your trainer.")
        tried = posts[before:]
        assert tried[0][0] > 2 and tried[0][1] == 413, tried  # the whole outbox at once: too large
        assert all(n <= 2 for n, s in tried if s == 200), tried
        assert page.evaluate("() => window.QuizLibSync.rejected()") == []
        learner_id = store.learners()[0].id
        answered = store.statements(verb="answered")
        assert len(answered) == len({s.id for s in answered}) >= 5
        page.unroute("**/api/v1/statements")

        # The server forgets this learner: the device is told once, and stops sending.
        store.delete_learner(learner_id)
        before = len(posts)
        answer_and_check(page, questions[5], full_credit_response(questions[5]))
        expect(_sending(page)).to_contain_text("This device is no longer joined to your trainer’s course (as Bea)")
        expect(_sending(page)).to_contain_text("Your answers are kept on this device")
        assert [s for _, s in posts[before:]] == [401]
        join_again = _sending(page).get_by_role("link", name="Join again")
        expect(join_again).to_have_attribute("href", f"{server.url}join/{cohort.code}")
        answer_and_check(page, questions[6], full_credit_response(questions[6]))
        page.evaluate("() => window.QuizLibSync.flush()")  # what the timer and the "online" event do
        assert [s for _, s in posts[before:]] == [401], "no retry after the server refused the device"
        kept = page.evaluate("() => window.QuizLibSync.pending()")
        assert kept >= 2
        axe_in_both_themes(page)

        # Joining again sends what waited, as the learner the device is now.
        join_again.click()
        page.get_by_label("Your name, as your trainer will see it").fill("Bea")
        page.get_by_role("button", name="Join").click()
        page.get_by_role("link", name="Start the course").click()
        page.wait_for_url(f"**/{quiz.chapter}.html")
        page.wait_for_function("() => window.QuizLibSync.pending() === 0", timeout=20_000)
        [again] = store.learners()
        assert again.id != learner_id
        assert {s.question_id for s in store.statements(verb="answered")} >= {questions[5].id, questions[6].id}
    finally:
        context.close()
        store.close()
    guard.check()


# -- joining again, and carrying on on another device ---------------------------------------------------------


@pytest.mark.server
@pytest.mark.book
def test_a_joined_device_says_so_and_a_learner_carries_on_on_a_phone_with_a_code(
    browser, built_book, start_server, tmp_path, course
):
    """Bea joins on a computer: opening the join link again says "You joined as Bea" and makes no second
    learner. From My progress she gets a code; her phone opens its link and carries on as her: what the phone
    sends is Bea's, and the trainer still sees one learner."""
    url = f"sqlite:///{tmp_path / 'course.sqlite3'}"
    server = start_server(built_book, url)
    store = Store(url)
    cohort = store.add_cohort("Spring", store.add_staff("Tess", "trainer", password_hash()).id)
    questions = list(course.quiz(QUIZ).questions)
    desk_ctx, desk, desk_guard = new_guarded_page(browser, **VIEWPORTS["desktop"])
    phone_ctx, phone, phone_guard = new_guarded_page(browser, **VIEWPORTS["phone"])
    join_link = f"{server.url}join/{cohort.code}"
    try:
        desk.goto(join_link)
        desk.get_by_label("Your name, as your trainer will see it").fill("Bea")
        desk.get_by_role("button", name="Join").click()
        desk.get_by_role("link", name="Start the course").click()
        desk.locator(f"section.ql-question[data-question='{questions[0].id}']").wait_for()
        answer_and_check(desk, questions[0], full_credit_response(questions[0]))
        desk.wait_for_function("() => window.QuizLibSync.pending() === 0")
        [bea] = store.learners()

        # The link again: the device says who it joined as, and carries on.
        desk.goto(join_link)
        expect(desk.get_by_text("You joined as Bea, in Spring, on this device.")).to_be_visible()
        expect(desk.get_by_label("Your name, as your trainer will see it")).to_be_hidden()
        expect(desk.get_by_role("link", name="Continue the course")).to_be_visible()
        assert violations(desk) == []
        desk.get_by_role("button", name="Not Bea? Join with another name").click()
        expect(desk.get_by_label("Your name, as your trainer will see it")).to_be_focused()
        assert [x.id for x in store.learners()] == [bea.id]

        # My progress: a code for another device.
        desk.goto(f"{server.url}chapters/progress.html")
        another = desk.locator(".ql-another-device")
        expect(another.get_by_role("heading", name="Use another device")).to_be_visible()
        another.get_by_role("button", name="Get a code for another device").click()
        code = another.locator(".ql-resume-code")
        expect(code).to_have_text(re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}$"))
        link = another.locator(".ql-resume-link").get_attribute("href")
        assert link == f"{server.url}resume/{code.inner_text().lower()}"
        expect(another).to_contain_text("It works once, until")
        axe_in_both_themes(desk)

        # The phone opens the link and carries on as Bea.
        phone.goto(link)
        expect(phone.get_by_label("The code from your other device")).to_have_value(code.inner_text().lower())
        assert violations(phone) == []
        phone.get_by_role("button", name="Carry on here").click()
        expect(phone.get_by_text("Welcome back, Bea.")).to_be_visible()
        phone.get_by_role("link", name="Continue the course").click()
        phone.locator(f"section.ql-question[data-question='{questions[1].id}']").wait_for()
        answer_and_check(phone, questions[1], full_credit_response(questions[1]))
        phone.wait_for_function("() => window.QuizLibSync.pending() === 0")
        answered = store.statements(verb="answered")
        assert {s.question_id for s in answered} == {questions[0].id, questions[1].id}
        assert {s.learner_id for s in answered} == {bea.id}
        assert [x.id for x in store.learners()] == [bea.id]
        phone.goto(join_link)
        expect(phone.get_by_text("You joined as Bea, in Spring, on this device.")).to_be_visible()

        # The code is spent: a second use is refused, with what to do.
        desk.goto(link)
        desk.get_by_role("button", name="Carry on here").click()
        expect(desk.locator("#resume-result")).to_contain_text("already used")
    finally:
        desk_ctx.close()
        phone_ctx.close()
        store.close()
    desk_guard.check()
    phone_guard.check()
