"""The server's own pages are accessible (axe-core in Chromium finds nothing), work by keyboard, and make no
request off 127.0.0.1; CSV exports hold every table."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC, date, datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from server_fixtures import PASSWORD, password_hash, signed_in

from quizlib.quiz import score
from quizlib.quiz.score import full_credit_response as _right
from quizlib.results import xapi
from quizlib.results.ingest import Ingestor

pytestmark = pytest.mark.browser
AXE = Axe()


def violations(page) -> list[str]:
    result = AXE.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result.response["violations"]
    ]


@pytest.fixture
def course_with_results(live, course):
    """A trainer's cohort with an assignment and two learners, one of whom finished the quiz."""
    store = live.store
    trainer = store.add_staff("Tess", "trainer", password_hash(), must_change_password=False)
    store.add_staff("Lee", "lead", password_hash(), must_change_password=False)
    cohort = store.add_cohort("Leeds, spring", trainer.id)
    quiz = course.quiz("sensitivity")
    assignment = store.add_assignment(
        cohort.id,
        title="Sensitivity",
        chapters=[quiz.chapter],
        quiz_ids=[quiz.id],
        include_final=False,
        pass_mark=70,
        due_date=date(2000, 1, 1),
    )
    bea, _ = store.add_learner(cohort.id, "Bea")
    store.add_learner(cohort.id, "Cy")
    answers = {q.id: {"tries": [_right(q)], "revealed": False} for q in quiz.questions}
    r = score.score_quiz(quiz, answers)
    attempt = str(uuid.uuid4())
    sent = [
        xapi.answered(
            statement_id=str(uuid.uuid4()),
            actor=xapi.agent(bea.id, live.url),
            quiz_id=quiz.id,
            chapter=quiz.chapter,
            question_id=q.id,
            kind=q.kind,
            prompt=q.prompt,
            response=_right(q),
            try_number=1,
            attempt_id=attempt,
            credit=1,
            correct=True,
            final=True,
            when=datetime.now(UTC),
            registration=assignment.id,
            duration=30.0,
        )
        for q in quiz.questions
    ]
    done = xapi.finished(
        verb="completed",
        statement_id=str(uuid.uuid4()),
        actor=xapi.agent(bea.id, live.url),
        quiz_id=quiz.id,
        chapter=quiz.chapter,
        title=quiz.title,
        answers=answers,
        points=r.points,
        max_points=r.max_points,
        percentage=r.percentage,
        passed=r.passed,
        complete=True,
        attempt_id=attempt,
        when=datetime.now(UTC),
        registration=assignment.id,
    )
    Ingestor(course, store, live.url).accept(bea, [*sent, done])
    return {"cohort": cohort, "learner": bea, "quiz": quiz}


def _sign_in(page, base, name):
    page.goto(base + "signin")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/trainer/")


def test_every_staff_and_learner_page_passes_axe(page, live, course_with_results):
    base = live.url
    cohort, learner = course_with_results["cohort"], course_with_results["learner"]
    failures = {}
    for path in ("signin", f"join/{cohort.code}"):
        page.goto(base + path)
        failures[path] = violations(page)
    _sign_in(page, base, "Lee")
    for path in (
        "trainer/",
        f"trainer/cohorts/{cohort.id}",
        f"trainer/cohorts/{cohort.id}/learners/{learner.id}",
        "account/password",
        "lead/",
        "lead/quizzes/sensitivity",
        "lead/staff",
        "lead/learners",
        f"lead/learners/{learner.id}/delete",
        "lead/nothing-here",
    ):
        page.goto(base + path)
        failures[path] = violations(page)
    # A form sent back with a problem is accessible too.
    page.goto(base + f"trainer/cohorts/{cohort.id}")
    page.get_by_role("button", name="Assign").click()
    page.get_by_role("alert").wait_for()
    failures["assign with nothing chosen"] = violations(page)
    assert {k: v for k, v in failures.items() if v} == {}


def test_a_lead_manages_staff_accounts_by_keyboard_and_every_state_passes_axe(page, live, course_with_results):
    """Reset a password, deactivate a trainer, give her cohort to someone else, reactivate her; and what a
    paused or deactivated sign-in looks like."""
    base, cohort = live.url, course_with_results["cohort"]
    live.store.add_staff("Nia", "trainer", password_hash(), must_change_password=False)
    failures = {}
    _sign_in(page, base, "Lee")
    page.goto(base + "lead/staff")
    page.get_by_role("link", name=re.compile(r"^Reset the password\s+of Tess")).focus()
    page.keyboard.press("Enter")
    page.get_by_text("Tess is signed out at once").wait_for()
    failures["confirm the reset"] = violations(page)
    page.get_by_role("button", name="Yes, reset the password of Tess").focus()
    page.keyboard.press("Enter")
    page.get_by_text("password of “Tess” is reset").wait_for()
    assert len(page.locator(".secret").inner_text()) >= 12
    failures["password reset"] = violations(page)
    page.get_by_role("link", name=re.compile(r"^Deactivate\s+Tess")).focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Yes, deactivate Tess").click()
    page.get_by_text("“Tess” is deactivated").wait_for()
    failures["deactivated"] = violations(page)
    page.get_by_role("link", name="Leeds, spring").click()
    page.get_by_label("Give this cohort to").select_option(label="Nia")
    page.get_by_role("button", name="Change the trainer…").click()
    page.get_by_text("Tess no longer sees it").wait_for()
    failures["confirm the new trainer"] = violations(page)
    page.get_by_role("button", name="Yes, give Leeds, spring to Nia").click()
    page.get_by_text("The cohort has a new trainer: Nia").wait_for()
    failures["reassigned"] = violations(page)
    page.goto(base + "lead/staff")
    page.get_by_role("button", name="Reactivate Tess").click()
    page.get_by_text("“Tess” is active again").wait_for()
    assert live.store.cohort(cohort.id).trainer_id == live.store.staff_by_name("Nia").id
    page.get_by_role("button", name="Sign out (Lee)").click()
    statuses = []
    for _ in range(5):
        page.get_by_label("Name").fill("Nobody")
        page.get_by_label("Password").fill("a guess")
        with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/signin")) as sent:
            page.get_by_label("Password").press("Enter")
        statuses.append(sent.value.status)
        page.wait_for_load_state()
    assert statuses == [401, 401, 401, 401, 429]
    assert "try again in 15 minutes" in page.get_by_role("alert").inner_text()
    failures["sign-in paused"] = violations(page)
    assert {k: v for k, v in failures.items() if v} == {}


def test_the_cohort_page_shows_progress_and_overdue_learners(page, live, course_with_results):
    _sign_in(page, live.url, "Tess")
    page.get_by_role("link", name="Leeds, spring").click()
    summary = page.locator("tr[data-assignment]").inner_text()
    assert "Cy" in summary  # overdue: the due date has gone and Cy has not passed
    assert "Bea" not in summary
    rows = {r.locator("th").inner_text(): r.inner_text() for r in page.locator("tr[data-learner]").all()}
    assert "passed (1 of 1 passed)" in rows["Bea"]
    assert "not started" in rows["Cy"] and "overdue" in rows["Cy"]


def test_a_trainer_can_do_everything_by_keyboard(page, live, course_with_results):
    base = live.url
    page.goto(base + "signin")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the main content"
    page.keyboard.press("Tab")
    page.keyboard.type("Tess")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/trainer/")
    page.get_by_label("Name of the cohort").focus()
    page.keyboard.type("Keyboard cohort")
    page.keyboard.press("Enter")
    page.get_by_text("The cohort is created").wait_for()
    page.locator("input[name=chapters]").first.focus()  # (reaching a field by Tab is the browser's job)
    page.keyboard.press("Space")  # a checkbox ticks with the space bar
    page.get_by_label("Pass mark (%)").focus()
    page.keyboard.press("Enter")
    page.get_by_text("The modules are assigned").wait_for()
    assert page.locator("tr[data-assignment]").count() == 1


def test_every_table_downloads_as_csv(live, course_with_results):
    lead = signed_in(live, "Ann", "lead")
    quiz_id = course_with_results["quiz"].id
    for name in ("rates", "rates-by-module", "rates-by-cohort", "progress", "quiz-summary", "score-distribution"):
        r = lead.get(f"lead/export/{name}.csv")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(r.text)))
        assert len(rows) >= 2, name
    items = list(csv.DictReader(io.StringIO(lead.get(f"lead/export/items.csv?quiz={quiz_id}").text)))
    assert len(items) == len(course_with_results["quiz"].questions) and items[0]["n"] == "1"
    responses = lead.get(f"lead/export/responses.csv?quiz={quiz_id}")
    assert responses.status_code == 200 and "question_id" in responses.text.splitlines()[0]
    missing = lead.get("lead/export/items.csv")
    assert missing.status_code == 404 and "?quiz=" in missing.text
    lead.close()


def test_a_lead_exports_then_deletes_a_learners_data(live, course_with_results):
    lead = signed_in(live, "Ann", "lead")
    learner = course_with_results["learner"]
    exported = lead.get(f"lead/learners/{learner.id}/export.json")
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    data = exported.json()
    assert data["learner"]["display_name"] == "Bea"
    assert {s["verb"]["display"]["en"] for s in data["statements"]} == {"answered", "completed", "passed"}
    refused = lead.post(f"lead/learners/{learner.id}/delete", data={"csrf": lead.csrf})
    assert refused.status_code == 400 and live.store.statements(learner_id=learner.id)
    r = lead.post(f"lead/learners/{learner.id}/delete", data={"csrf": lead.csrf, "confirm": "yes"})
    assert r.status_code == 303
    assert live.store.statements(learner_id=learner.id) == []
    assert lead.get(f"lead/learners/{learner.id}/export.json").status_code == 404
    lead.close()
