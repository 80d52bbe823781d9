"""Shuffled choices and summative quizzes in the built book, in Chromium: a learner who answers blind (always the
first choice as shown, or always the longest) fails every quiz and the final assessment, both as practice on a
static host and on the course server; nothing the browser receives before submitting holds a key of the final;
answers are kept until submitted; a joined learner's quiz shows and applies their assignment's pass mark.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from datetime import date, timedelta

import pytest
from attempt_helpers import blind
from axe_playwright_python.sync_playwright import Axe
from conftest import new_guarded_page
from playwright.sync_api import expect
from server_fixtures import password_hash
from test_attempts import leaks, pool_secrets

from quizlib.quiz import deliver, draw, score, shuffle
from quizlib.quiz.kinds import kind_of
from quizlib.results.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.book]
AXE = Axe()
SEED = 2  # the attempt seed the practice quizzes are pinned to (see test_blind_learners_fail_every_quiz)


def _violations(page) -> list[str]:
    return [f"{v['id']}: {v['help']}" for v in AXE.run(page).response["violations"]]


def expected_blind(quiz, questions, how: str, seed: int) -> float:
    """quizlib.score's percentage for a blind learner who sees ``questions`` in the order drawn for ``seed``."""
    same = lambda role, i: i
    answers = {}
    for q in questions:
        response = blind(deliver.public_question(q, seed, same), how)
        if response is not None:
            answers[q.id] = {"tries": [kind_of(q).from_public(q, response, same)]}
    return score.score_quiz(quiz, answers, questions).percentage


def _texts(locator) -> list[str]:
    return locator.evaluate_all("els => els.map(e => e.textContent)")


def _pick(texts: list[str], how: str) -> int:
    """The first choice, or the first of the longest."""
    return 0 if how == "first" else max(range(len(texts)), key=lambda i: (len(texts[i]), -i))


def answer_blind(section, how: str, *, summative: bool) -> None:
    """Answer one question the way a blind learner does, through its controls; in a practice quiz, check the
    same answer until the question is over."""
    kind = re.search(
        r"ql-(single_choice|multiple_response|true_false|numeric|ordering|matching|vignette)\b",
        section.get_attribute("class"),
    ).group(1)
    if kind == "vignette":
        while True:
            stage = section.locator(".ql-stage").last
            before = section.locator(".ql-stage").count()
            labels = stage.locator(".ql-option label")
            labels.nth(_pick(_texts(labels), how)).click()
            stage.get_by_role("button", name="Decide").click()
            ended = "end of the case" if summative else "End of the case"
            if section.locator(".ql-stage").count() == before and ended in section.inner_text():
                return
    if kind in ("single_choice", "multiple_response", "true_false"):
        labels = section.locator(".ql-option label")
        labels.nth(_pick(_texts(labels), how)).click()
    elif kind == "numeric":
        if summative:
            return  # left unanswered
        section.locator("input.ql-number").fill("0")
    elif kind == "matching":
        selects = section.locator("select")
        options = _texts(selects.first.locator("option"))[1:]  # after "Choose…"
        values = selects.first.locator("option").evaluate_all("els => els.map(e => e.value)")[1:]
        chosen = values[_pick(options, how)]
        for i in range(selects.count()):
            selects.nth(i).select_option(chosen)
    if summative:
        return
    check = section.get_by_role("button", name="Check answer", exact=True)
    while check.is_enabled():
        check.click()


def _percentage(text: str) -> float:
    return float(re.search(r"\(([\d.]+)%\)", text).group(1))


def pin_seed(context, quiz_id: str, seed: int) -> None:
    """Start the learner's first attempt at a practice quiz with ``seed`` (the page would draw one at random)."""
    state = {
        "version": 1,
        "attempt": 1,
        "attempt_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "seed": seed,
        "started": "2026-12-01T10:00:00.000Z",
        "answers": {},
        "spent": {},
    }
    context.add_init_script(
        f"if (!localStorage.getItem('quizlib:v1:quiz:{quiz_id}')) "
        f"localStorage.setItem('quizlib:v1:quiz:{quiz_id}', {json.dumps(json.dumps(state))});"
    )


# -- answering blind -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["first", "longest"])
def test_blind_learners_fail_every_quiz_and_the_final_as_practice(browser, book_url, course, how):
    """On a static host (no server): every practice quiz with the attempt seed pinned to SEED, and the final
    assessment in practice mode with the seed the page draws. The browser's score is quizlib.score's for the
    same seed and the same blind choices, so the order shown is the one quiz.shuffle draws.

    With shuffling, always taking the first choice is guessing: for some seeds a guesser passes the short welcome
    quiz (50% pass mark) or the practice cases (benchmarks/keys.py counts how often); never the final."""
    context, page, guard = new_guarded_page(browser)
    page.on("dialog", lambda d: d.accept())
    try:
        for quiz in course.quizzes.values():
            if quiz.summative:
                continue
            pin_seed(context, quiz.id, SEED)
            page.goto(f"{book_url}/{quiz.chapter}.html")
            sections = page.locator(".ql-quiz .ql-question")
            expect(sections).to_have_count(len(quiz.questions))
            for i in range(sections.count()):
                answer_blind(sections.nth(i), how, summative=False)
            summary = page.locator(".ql-quiz .ql-summary")
            expect(summary).to_contain_text("Quiz complete.")
            expect(summary).to_contain_text("not passed yet")
            got = _percentage(summary.inner_text())
            assert got == expected_blind(quiz, quiz.questions, how, SEED) < quiz.settings.pass_mark, quiz.id

        final = course.quiz("final")
        page.goto(f"{book_url}/{final.chapter}.html")
        expect(page.locator(".ql-mode")).to_contain_text("Practice mode.")
        page.get_by_role("button", name="Start a practice attempt").click()
        sections = page.locator(".ql-assessment .ql-question")
        expect(sections).to_have_count(16)
        for i in range(sections.count()):
            answer_blind(sections.nth(i), how, summative=True)
        kept = page.evaluate("JSON.parse(localStorage.getItem('quizlib:v1:assess:final'))")
        page.get_by_role("button", name="Submit your answers").click()
        summary = page.locator(".ql-assessment .ql-summary")
        expect(summary).to_contain_text("not passed this time")
        shown = draw.draw_questions(final, course.quizzes, kept["seed"])
        assert _percentage(summary.inner_text()) == expected_blind(final, shown, how, kept["seed"]) < 70
        expect(summary).to_contain_text("This was practice")

        page.goto(f"{book_url}/chapters/progress.html")
        expect(page.locator(".ql-progress-summary")).to_have_text("You have passed 0 of 10 quizzes.")
        expect(page.locator('tr[data-quiz="final"]')).to_contain_text("Practised (not recorded)")
    finally:
        context.close()
    guard.check()


def _submitted(store, number: int) -> list:
    """The learner's attempts once the ``number``-th is stored as submitted (the test reads the database from
    another process than the server's: give it a moment)."""
    deadline = time.monotonic() + 5
    while True:
        mine = store.attempts(store.learners()[0].id, "final")
        if len(mine) == number and mine[-1].submitted_at is not None or time.monotonic() > deadline:
            return mine
        time.sleep(0.02)


def _join(page, server_url: str, code: str, name: str = "Bea") -> None:
    page.goto(f"{server_url}join/{code}")
    page.get_by_label("Your name, as your trainer will see it").fill(name)
    page.get_by_role("button", name="Join").click()
    page.get_by_role("link", name="Start the course").wait_for()


@pytest.mark.server
@pytest.mark.parametrize("how", ["first", "longest"])
def test_blind_learners_fail_the_final_on_the_course_server(browser, built_book, start_server, tmp_path, course, how):
    """A joined learner takes both attempts the server allows, blind: each fails, as quizlib.score says for the
    seed the server drew; the page has no axe violation before, during or after an attempt."""
    url = f"sqlite:///{tmp_path / 'course.sqlite3'}"
    server = start_server(built_book, url)
    store = Store(url)
    cohort = store.add_cohort("Spring", store.add_staff("Tess", "trainer", password_hash()).id)
    final = course.quiz("final")
    context, page, guard = new_guarded_page(browser)
    page.on("dialog", lambda d: d.accept())
    try:
        _join(page, server.url, cohort.code)
        page.goto(f"{server.url}{final.chapter}.html")
        expect(page.locator(".ql-rules")).to_contain_text(
            "You may make 2 attempts. You have used 0, so you have 2 left."
        )
        expect(page.locator(".ql-mode")).to_be_empty()
        assert _violations(page) == []
        for number in (1, 2):
            page.get_by_role("button", name="Start the assessment" if number == 1 else "Start attempt 2 of 2").click()
            expect(page.get_by_role("button", name="Submit your answers")).to_be_visible()
            sections = page.locator(".ql-assessment .ql-question")
            expect(sections).to_have_count(16)
            for i in range(sections.count()):
                answer_blind(sections.nth(i), how, summative=True)
            if number == 1:
                assert _violations(page) == []
            page.get_by_role("button", name="Submit your answers").click()
            summary = page.locator(".ql-assessment .ql-summary")
            expect(summary).to_be_visible()
            expect(summary).to_contain_text("not passed this time")
            expect(summary).to_contain_text(
                "The answers are shown after the due date, and no due date is set for you, so they are not shown."
            )
            mine = _submitted(store, number)
            attempt = mine[number - 1]
            shown = draw.draw_questions(final, course.quizzes, attempt.seed)
            assert (
                _percentage(summary.inner_text())
                == attempt.percentage
                == expected_blind(final, shown, how, attempt.seed)
            )
            assert attempt.percentage < 70
        assert _violations(page) == []
        expect(page.get_by_role("button", name=re.compile("Start attempt"))).to_have_count(0)
        page.reload()
        expect(page.locator(".ql-assessment")).to_contain_text("You have used all your attempts at this assessment.")
        expect(page.locator(".ql-history li")).to_have_count(2)
    finally:
        context.close()
        store.close()
    guard.check()


# -- what the learner's browser receives ----------------------------------------------------------------------


def _get(url: str, token: str | None = None, body: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode())
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@pytest.mark.server
def test_nothing_a_learner_receives_before_submitting_holds_a_key_of_the_final(
    built_book, start_server, tmp_path, course, capsys
):
    """Every page and every script of the book, fetched from `quizlib serve` as a joined learner, then the API's
    answers up to the start of an attempt: the final's page, the scripts and the API hold no feedback text of
    any question the final may draw, and the final's page, the quiz runtime and the API no id that answers one. (The chapter quizzes are practice quizzes that
    carry their own keys, and the final draws from them: their pages are checked to carry nothing of the
    final itself.)"""
    server = start_server(built_book, f"sqlite:///{tmp_path / 'course.sqlite3'}")
    store = Store(f"sqlite:///{tmp_path / 'course.sqlite3'}")
    cohort = store.add_cohort("Spring", store.add_staff("Tess", "trainer", password_hash()).id)
    status, body = _get(server.url + "api/v1/join", body={"code": cohort.code, "display_name": "Bea"})
    token = json.loads(body)["token"]
    secrets = pool_secrets(course)
    final_page = f"{course.quiz('final').chapter}.html"
    sizes: dict[str, int] = {}
    fetched = 0
    for path in sorted(
        p.relative_to(built_book).as_posix() for p in built_book.rglob("*") if p.suffix in (".html", ".js")
    ):
        status, data = _get(server.url + path, token)
        if "quizlib-practice/" in path:
            assert status == 404 and b"QuizLibPractice" not in data, path
            continue
        assert status == 200, path
        fetched += 1
        text = data.decode("utf-8")
        assert "QuizLibPractice" not in text or path.endswith("quizlib.js"), path
        if path == final_page or path.endswith(".js"):
            # Ids are short words ("focus"): looked for where quiz data could be, not in the theme's scripts.
            quizlib = path == final_page or path.endswith("quizlib.js")
            assert leaks(text, secrets, ids=quizlib) == [], path
        if path == final_page:
            block = re.search(r'class="quizlib-data">(.*?)</script>', text).group(1)
            assert json.loads(block)["quiz"]["questions"] == [] and "banks" not in json.loads(block)
            sizes["the final's page"] = len(data)
            sizes["its data block"] = len(block.encode())
        if path == "_static/quizlib.js":
            sizes["the quiz runtime (_static/quizlib.js)"] = len(data)
    assert fetched > 20
    # The practice copy that a static host serves instead holds the keys, but not as text anyone reads.
    practice = (built_book / "_static" / "quizlib-practice" / "final.js").read_text(encoding="utf-8")
    assert len(practice) > 100_000 and leaks(practice, secrets) == []
    sizes["the practice copy (static hosts only)"] = len(practice.encode())
    api = [
        ("GET", "api/v1/config", None),
        ("GET", "api/v1/me", None),
        ("GET", "api/v1/attempts?quiz=final", None),
        ("POST", "api/v1/attempts", {"quiz_id": "final"}),
    ]
    for method, path, payload in api:
        status, data = _get(server.url + path, token, payload if method == "POST" else None)
        assert status in (200, 201), (path, data)
        assert leaks(data.decode("utf-8"), secrets) == [], path
        sizes[f"{method} {path}"] = len(data)
    attempt = json.loads(data)
    status, data = _get(server.url + f"api/v1/attempts/{attempt['id']}", token)
    assert status == 200 and leaks(data.decode("utf-8"), secrets) == []
    sizes["GET api/v1/attempts/<id>"] = len(data)
    store.close()
    with capsys.disabled():
        print("\nbytes a joined learner receives for the final before submitting:")
        for name, size in sizes.items():
            print(f"  {name:45} {size:9,d}")


# -- answers kept, review, pass marks -------------------------------------------------------------------------


@pytest.mark.server
def test_an_assessment_keeps_answers_until_submitted_and_reviews_after_the_due_date(
    browser, built_book, start_server, tmp_path, course
):
    url = f"sqlite:///{tmp_path / 'course.sqlite3'}"
    server = start_server(built_book, url)
    store = Store(url)
    cohort = store.add_cohort("Spring", store.add_staff("Tess", "trainer", password_hash()).id)
    assignment = store.add_assignment(
        cohort.id,
        title="Final",
        chapters=[],
        quiz_ids=["final"],
        include_final=True,
        pass_mark=60,
        due_date=date.today() + timedelta(days=7),
    )
    final = course.quiz("final")
    context, page, guard = new_guarded_page(browser)
    page.on("dialog", lambda d: d.accept())
    try:
        _join(page, server.url, cohort.code)
        page.goto(f"{server.url}{final.chapter}.html")
        expect(page.locator(".ql-rules")).to_contain_text("Pass mark: 60% (set by your trainer).")
        page.get_by_role("button", name="Start the assessment").click()
        sections = page.locator(".ql-assessment .ql-question")
        expect(sections).to_have_count(16)
        # No Check button, and choosing says nothing.
        expect(page.locator(".ql-assessment").get_by_role("button", name="Check answer")).to_have_count(0)
        first_choice = page.locator(".ql-assessment .ql-question:not(.ql-vignette) .ql-option input").first
        first_choice.check()
        expect(page.locator(".ql-assessment .ql-feedback:not(:empty)")).to_have_count(0)
        chosen = first_choice.get_attribute("value")
        page.reload()
        page.get_by_role("button", name="Go on with attempt 1").click()
        expect(page.locator(f".ql-assessment input[value='{chosen}']")).to_be_checked()
        page.get_by_role("button", name="Submit your answers").click()
        summary = page.locator(".ql-assessment .ql-summary")
        expect(summary).to_contain_text("The pass mark is 60%")
        expect(summary).to_contain_text(f"shown after the due date, {assignment.due_date.isoformat()}")
        expect(page.locator(".ql-assessment .ql-fb")).to_have_count(0)
        # The due date passes: the review opens on the learner's past attempt.
        with store.engine.begin() as c:
            c.exec_driver_sql("UPDATE assignments SET due_date = ?", (date.today() - timedelta(days=1),))
        page.reload()
        page.get_by_role("button", name="See the answers of attempt 1").click()
        review = page.locator(".ql-history .ql-review")
        expect(review.locator(".ql-question")).to_have_count(16)
        expect(review.locator(".ql-prompt").first).not_to_be_empty()
        expect(review.locator(".ql-answer").first).to_contain_text("The answer:")
        assert _violations(page) == []
    finally:
        context.close()
        store.close()
    guard.check()


@pytest.mark.server
def test_a_joined_learner_sees_and_gets_their_assignments_pass_mark(
    browser, built_book, start_server, tmp_path, course
):
    """The trainer set 100% for the sensitivity module: the quiz says so and applies it, and My progress agrees
    with "Assigned to you"."""
    url = f"sqlite:///{tmp_path / 'course.sqlite3'}"
    server = start_server(built_book, url)
    store = Store(url)
    cohort = store.add_cohort("Spring", store.add_staff("Tess", "trainer", password_hash()).id)
    quiz = course.quiz("sensitivity")
    store.add_assignment(
        cohort.id,
        title="Sensitivity",
        chapters=[quiz.chapter],
        quiz_ids=[quiz.id],
        include_final=False,
        pass_mark=100,
        due_date=None,
    )
    context, page, guard = new_guarded_page(browser)
    page.on("dialog", lambda d: d.accept())
    try:
        _join(page, server.url, cohort.code)
        page.goto(f"{server.url}{quiz.chapter}.html")
        expect(page.locator(".ql-quiz .ql-intro")).to_contain_text("Pass mark: 100% (set by your trainer).")
        sections = page.locator(".ql-quiz .ql-question")
        for i in range(sections.count()):
            answer_blind(sections.nth(i), "longest", summative=False)
        summary = page.locator(".ql-quiz .ql-summary")
        expect(summary).to_contain_text("The pass mark is 100%: not passed yet.")
        page.wait_for_function("() => window.QuizLibSync.pending() === 0")
        page.goto(f"{server.url}chapters/progress.html")
        expect(page.locator(f'.ql-assignment li[data-quiz="{quiz.id}"]')).to_contain_text("finished, not passed yet")
        row = page.locator(f'tr[data-quiz="{quiz.id}"]')
        expect(row).to_contain_text("Finished, not passed yet")
        expect(row).to_contain_text("(pass mark 100%)")
        verdict = store.statements(verb="failed")
        assert len(verdict) == 1 and verdict[0].detail["pass_mark"] == 100
    finally:
        context.close()
        store.close()
    guard.check()


# -- the order shown --------------------------------------------------------------------------------------------


def test_choices_come_in_the_order_drawn_for_the_attempt_and_stay_on_reload(page, minibook_url, tmp_path):
    from scoring_table import fixture_course

    kinds = fixture_course().quiz("kinds")
    page.goto(f"{minibook_url}/chapters/kinds.html")
    seed = page.evaluate("JSON.parse(localStorage.getItem('quizlib:v1:quiz:kinds')).seed")

    def shown():
        q = lambda qid, sel: page.locator(f'.ql-question[data-question="{qid}"] {sel}').evaluate_all(
            "els => els.map(e => e.value)"
        )
        return {
            "sc": q("sc", "input"),
            "mr": q("mr", "input"),
            "match": page.locator('.ql-question[data-question="match"] select')
            .first.locator("option")
            .evaluate_all("els => els.map(e => e.value)")[1:],
            "case": q("case", ".ql-stage input"),
        }

    first = shown()
    expected = {qid: shuffle.arrangement(kinds.question(qid), seed) for qid in ("sc", "mr", "match", "case")}
    assert first == {
        "sc": list(expected["sc"]["options"]),
        "mr": list(expected["mr"]["options"]),
        "match": list(expected["match"]["choices"]),
        "case": list(expected["case"]["s1"]),
    }
    assert first["mr"][-1] == "e" and first["case"][-1] == "c"  # fixed: true keeps them where they are written
    page.reload()
    assert shown() == first
    page.on("dialog", lambda d: d.accept())
    orders = {json.dumps(first)}
    for _ in range(4):
        page.get_by_role("button", name="Start this quiz again").click()
        orders.add(json.dumps(shown()))
    assert len(orders) > 1
