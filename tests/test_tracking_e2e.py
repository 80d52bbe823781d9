"""The whole path in a real browser: a trainer makes a cohort and assigns a module, a learner joins by link and
answers a quiz in the built book served by `quizlib serve`, the server is stopped mid-quiz and restarted, and
the trainer's and course lead's pages show every answer once.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from conftest import new_guarded_page
from ralph.models.xapi.base.statements import BaseXapiStatement
from server_fixtures import PASSWORD, password_hash

from quizlib.quiz.score import full_credit_response as _right
from quizlib.results.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.book]
QUIZ = "welcome"  # its chapter is the book's first page, and it has a question of every kind


def _sign_in(page, base: str, name: str) -> None:
    page.goto(base + "signin")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/trainer/.*"))


def _answer(page, q, response) -> None:
    """Give ``response`` to question ``q`` through the quiz's own controls, then check it."""
    answer_in(page.locator(f"section.ql-question[data-question='{q.id}']"), q, response)


def answer_in(box, q, response) -> None:
    """The same, for the question's section ``box`` given directly (a drawn question's id may differ)."""
    kind = q.kind
    if kind == "vignette":
        for option_id in response:
            stage = box.locator(".ql-stage").last
            stage.locator(f"input[value='{option_id}']").check()
            stage.get_by_role("button", name="Decide").click()
        return
    if kind == "single_choice":
        box.locator(f"input[value='{response}']").check()
    elif kind == "true_false":
        box.locator(f"input[value='{'true' if response else 'false'}']").check()
    elif kind == "multiple_response":
        for box_input in box.locator("input[type=checkbox]").all():
            box_input.set_checked(box_input.get_attribute("value") in response)
    elif kind == "numeric":
        box.locator("input.ql-number").fill(str(response))
    elif kind == "matching":
        for i, pair in enumerate(q.pairs):
            box.locator("select").nth(i).select_option(response[pair.id])
    elif kind == "ordering":
        for target, step in enumerate(response):
            while True:
                steps = [li.get_attribute("data-step") for li in box.locator("li.ql-step").all()]
                if steps.index(step) == target:
                    break
                box.locator(f"li[data-step='{step}'] button.ql-move").first.click()
    box.get_by_role("button", name="Check answer", exact=True).click()


def _wrong(q):
    return next(o.id for o in q.options if not o.correct)


def test_learner_joins_answers_through_a_server_restart_and_staff_see_it(
    browser, built_book, start_server, tmp_path, course, catalogue
):
    url = f"sqlite:///{tmp_path / 'course.sqlite3'}"
    server = start_server(built_book, url)
    base = server.url
    store = Store(url)
    store.add_staff("Tess Trainer", "trainer", password_hash(), must_change_password=False)
    store.add_staff("Lee Lead", "lead", password_hash(), must_change_password=False)
    quiz = course.quiz(QUIZ)
    due = date.today() + timedelta(days=14)

    trainer_ctx, trainer, trainer_guard = new_guarded_page(browser)
    learner_ctx, learner, learner_guard = new_guarded_page(browser)
    lead_ctx, lead, lead_guard = new_guarded_page(browser)
    try:
        # The trainer creates a cohort, assigns the welcome module, and reads the join link.
        _sign_in(trainer, base, "Tess Trainer")
        trainer.get_by_label("Name of the cohort").fill("Leeds, spring")
        trainer.get_by_role("button", name="Create the cohort").click()
        trainer.get_by_role("heading", name="Cohort: Leeds, spring").wait_for()
        title = next(m.title for m in catalogue.modules if QUIZ in m.quiz_ids)
        trainer.get_by_label(title).check()
        trainer.get_by_label("Pass mark (%)").fill("80")
        trainer.get_by_label("Due date (optional)").fill(due.isoformat())
        trainer.get_by_role("button", name="Assign").click()
        trainer.get_by_text("The modules are assigned").wait_for()
        join_link = trainer.get_by_label("Join link:").input_value()
        assert join_link.startswith(base + "join/")

        # The learner joins by the link and starts the course.
        learner.goto(join_link)
        learner.get_by_label("Your name, as your trainer will see it").fill("Bea")
        learner.get_by_role("button", name="Join").click()
        learner.get_by_role("link", name="Start the course").click()
        learner.wait_for_url(f"**/{quiz.chapter}.html")  # the book's first page, where this quiz is
        learner.locator(f"section.ql-question[data-question='{quiz.questions[0].id}']").wait_for()

        # First question wrong then right (two tries); then half the quiz.
        questions = list(quiz.questions)
        tries = {q.id: 1 for q in questions}
        first = next(q for q in questions if q.kind == "single_choice")
        assert quiz.settings.tries >= 2, "this test needs a quiz that allows a second try"
        _answer(learner, first, _wrong(first))
        tries[first.id] = 2
        half = len(questions) // 2
        for q in questions[:half]:
            _answer(learner, q, _right(q))
        learner.wait_for_function("() => window.QuizLibSync.pending() === 0")
        assert store.count_statements("answered") >= half

        # The server stops mid-quiz; the learner goes on, and the answers wait in the browser.
        server.stop()
        for q in questions[half:]:
            _answer(learner, q, _right(q))
        learner.get_by_text("Quiz complete.").wait_for()
        waiting = learner.evaluate("() => window.QuizLibSync.pending()")
        assert waiting >= len(questions) - half
        outbox = learner.evaluate("() => JSON.parse(localStorage.getItem('quizlib:v1:outbox'))")
        assert {s["verb"]["id"].rsplit("/", 1)[-1] for s in outbox} == {"answered", "completed"}

        # Back up on the same address: the page sends what waited, once.
        server = start_server(built_book, url, port=server.port)
        learner.evaluate("() => window.dispatchEvent(new Event('online'))")
        learner.wait_for_function("() => window.QuizLibSync.pending() === 0", timeout=20_000)
        assert learner.evaluate("() => window.QuizLibSync.rejected()") == []

        answered = store.statements(verb="answered")
        per_question = {}
        for s in answered:
            per_question.setdefault(s.question_id, []).append(s.try_number)
        vignettes = {q.id for q in questions if q.kind == "vignette"}
        for q in questions:
            if q.id in vignettes:  # one statement per decision, each the path so far
                assert len(per_question[q.id]) == len(_right(q)), q.id
            else:
                assert sorted(per_question[q.id]) == list(range(1, tries[q.id] + 1)), q.id
        [done] = store.statements(verb="completed")
        assert done.percentage == 100.0 and done.passed is True
        assert len(store.statements(verb="passed")) == 1
        assignment = store.assignments()[0]
        assert {s.registration for s in store.statements()} == {assignment.id}  # the browser learnt it from /me
        # What the browser built and what the server stored are both valid xAPI.
        with store.engine.connect() as c:
            received = [
                json.loads(r[0]) for r in c.exec_driver_sql("SELECT received FROM statements WHERE verb != 'passed'")
            ]
        for s in received + [s.statement for s in store.statements()]:
            BaseXapiStatement.model_validate(s)

        # The learner's progress page shows the assignment from the server.
        learner.goto(base + "chapters/progress.html")
        assigned = learner.locator("section.ql-assigned")
        assigned.get_by_role("heading", name="Assigned to you").wait_for()
        assigned.get_by_text(f"due {due.isoformat()}").wait_for()
        assert "You have passed 1 of 1 quizzes" in assigned.inner_text()

        # The trainer's cohort page shows Bea passed; her page lists the attempt.
        trainer.reload()
        row = trainer.locator("tr[data-learner]", has_text="Bea")
        assert "passed (1 of 1 passed)" in row.inner_text()
        summary = trainer.locator(f"tr[data-assignment='{assignment.id}']").inner_text()
        assert summary.split("\t")[4:7] == ["1", "1", "1"]  # started, finished, passed
        row.get_by_role("link", name="Bea").click()
        attempt = trainer.locator("details[data-attempt]")
        assert attempt.count() == 1 and "100%" in attempt.locator("summary").inner_text()
        assert trainer.locator("#todo-h + ul").inner_text().count("passed") >= 1

        # The course lead sees it across cohorts and in the item analysis.
        _sign_in(lead, base, "Lee Lead")
        lead.goto(base + "lead/")
        assert "1" in lead.locator(f"tr[data-quiz='{QUIZ}']").inner_text()
        lead.locator(f"figure[data-quiz='{QUIZ}'] svg").wait_for()
        lead.get_by_role("link", name=f"Item analysis of {quiz.title}").click()
        assert lead.locator("tr[data-question]").count() == len(questions)
        csv = lead.evaluate(f"() => fetch('{base}lead/export/items.csv?quiz={QUIZ}').then(r => r.text())")
        assert (
            csv.splitlines()[0].startswith("quiz_id,question_id")
            and len(csv.strip().splitlines()) == len(questions) + 1
        )
    finally:
        for ctx in (trainer_ctx, learner_ctx, lead_ctx):
            ctx.close()
        store.close()
    for guard in (trainer_guard, learner_guard, lead_guard):
        guard.check()


def test_on_a_static_host_nothing_is_recorded_and_nothing_leaves_the_origin(page, book_url, course):
    """A book on any static host: the sync script asks its own origin once, gets 404, and stays idle, even
    with credentials saved for another server."""
    quiz = course.quiz(QUIZ)
    seen = []
    page.on("request", lambda r: seen.append(r.url))
    page.goto(f"{book_url}/{quiz.chapter}.html")
    page.evaluate("""() => localStorage.setItem('quizlib:v1:learner', JSON.stringify(
        {server: 'http://127.0.0.2:9/', token: 't', learner_id: 'x', home_page: 'http://127.0.0.2:9/'}))""")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/config")) as probe:
        page.reload()
    assert probe.value.status == 404
    q = quiz.questions[0]
    _answer(page, q, _right(q))
    page.locator(f"section.ql-question[data-question='{q.id}'] .ql-verdict").wait_for()
    assert page.evaluate("() => window.QuizLibSync.pending()") == 0
    assert page.evaluate("() => localStorage.getItem('quizlib:v1:outbox')") is None
    assert all(u.startswith(book_url) for u in seen), seen
    assert [u for u in seen if "/api/" in u] == [f"{book_url}/api/v1/config"] * 2
