"""A trainer runs a real cohort, over real HTTP: edits and deletes assignments (history kept, learners follow
at once), reviews a learner's answers, keeps a note, merges or removes a duplicate, exports the cohort, shares
the join link, and sends reminders through a real SMTP server. Bad input is refused with a reason and stores
nothing."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import markupsafe
import pytest
import sqlalchemy as sa
from cohort_helpers import take_quiz, two_wrong
from server_fixtures import join, signed_in

from quizlib.results import report

QUIZLIB = str(Path(sys.executable).with_name("quizlib"))


@pytest.fixture
def setup(live, course):
    trainer = signed_in(live, "Tess")
    tess = live.store.staff_by_name("Tess")
    cohort = live.store.add_cohort("North team — Jan 2027", tess.id, "Europe/London")
    quiz = course.quiz("sensitivity")
    yield {"trainer": trainer, "cohort": cohort, "quiz": quiz, "tess": tess}
    trainer.close()


def _assign(trainer, cohort, **fields):
    data = {"csrf": trainer.csrf, "chapters": "chapters/02-sensitivity", "pass_mark": "70", **fields}
    return trainer.post(f"trainer/cohorts/{cohort.id}", data=data)


def _me(live, who):
    with live.client() as c:
        return c.get("api/v1/me", headers={"Authorization": f"Bearer {who['token']}"}).json()


def test_an_assignment_is_edited_with_a_warning_for_a_past_due_date_and_learners_follow_at_once(live, setup):
    trainer, cohort = setup["trainer"], setup["cohort"]
    who = join(live, cohort.code, "Bea")
    assert _assign(trainer, cohort, due="2099-11-01").status_code == 303
    (assignment,) = live.store.assignments(cohort.id)
    assert _me(live, who)["assignments"][0]["overdue"] is False

    # A due date in the past: a warning, and nothing stored until it is confirmed.
    url = f"trainer/cohorts/{cohort.id}/assignments/{assignment.id}"
    edit = {"csrf": trainer.csrf, "chapters": "chapters/02-sensitivity", "pass_mark": "80", "due": "2026-11-01"}
    r = trainer.post(url, data=edit)
    assert (
        r.status_code == 200
        and "has already passed in this cohort" in r.text
        and "(Europe/London, where it is" in r.text
    )
    assert live.store.assignment(assignment.id) == assignment
    r = trainer.post(url, data={**edit, "confirm": "yes"})
    assert r.status_code == 303 and "done=changed" in r.headers["location"]
    changed = live.store.assignment(assignment.id)
    assert (changed.pass_mark, changed.due_date, changed.id) == (80, date(2026, 11, 1), assignment.id)
    # The learner's page follows at once: the same registration, the new due date and pass mark, overdue.
    (mine,) = _me(live, who)["assignments"]
    assert (mine["registration"], mine["due"], mine["pass_mark"], mine["overdue"]) == (
        assignment.id,
        "2026-11-01",
        80,
        True,
    )
    assert mine["due_ends_at"] == "2026-11-02T00:00:00.000Z"  # midnight in London, in winter UTC+0
    # No duplicate row: the cohort still has one assignment, and its history says what changed.
    assert len(live.store.assignments(cohort.id)) == 1
    history = live.store.assignment_history(assignment.id)
    assert [h.action for h in history] == ["created", "changed"]
    assert history[1].before == {"pass_mark": 70.0, "due_date": "2099-11-01"}
    assert history[1].after == {"pass_mark": 80.0, "due_date": "2026-11-01"}
    assert history[1].staff_id == setup["tess"].id
    page = trainer.get(url).text
    assert "pass mark from 70% to 80%; due date from 2099-11-01 to 2026-11-01" in page and "Tess" in page
    # Saving the same past date again needs no second confirmation.
    assert trainer.post(url, data={**edit, "title": "Renamed"}).status_code == 303


def test_bad_input_gets_a_reason_and_stores_nothing(live, setup):
    trainer, cohort = setup["trainer"], setup["cohort"]
    assert _assign(trainer, cohort).status_code == 303
    (assignment,) = live.store.assignments(cohort.id)
    cases = {
        "a due date that is not a date": ({"due": "31/03/2027"}, "is not a date: give one as year-month-day"),
        "a pass mark of 140": ({"pass_mark": "140"}, "The pass mark 140 is not a percentage"),
        "a pass mark that is not a number": ({"pass_mark": "seventy"}, "is not a number"),
        "a deleted module": ({"chapters": "chapters/99-removed"}, "There is no module “chapters/99-removed”"),
        "nothing chosen": ({"chapters": ""}, "Choose at least one module"),
    }
    failures = []
    for name, (fields, reason) in cases.items():
        for url in (f"trainer/cohorts/{cohort.id}", f"trainer/cohorts/{cohort.id}/assignments/{assignment.id}"):
            data = {"csrf": trainer.csrf, "chapters": "chapters/02-sensitivity", "pass_mark": "70", **fields}
            if fields.get("chapters") == "":
                data.pop("chapters")
            r = trainer.post(url, data={**data, "confirm": "yes"})
            if r.status_code != 400 or reason not in r.text or 'role="alert"' not in r.text:
                failures.append(f"{name} at {url}: {r.status_code}")
    assert not failures, failures
    assert live.store.assignments(cohort.id) == [assignment]
    assert [h.action for h in live.store.assignment_history(assignment.id)] == ["created"]
    # A cohort's time zone must be one the server knows.
    r = trainer.post(
        f"trainer/cohorts/{cohort.id}/settings", data={"csrf": trainer.csrf, "name": "X", "time_zone": "Mars/Base"}
    )
    assert r.status_code == 400 and "There is no time zone “Mars/Base”" in r.text
    assert live.store.cohort(cohort.id) == cohort
    r = trainer.post("trainer/", data={"csrf": trainer.csrf, "name": "New", "time_zone": "Nowhere"})
    assert r.status_code == 400 and len(live.store.cohorts()) == 1


def test_assigning_a_module_twice_warns_and_deleting_keeps_answers(live, setup, course):
    trainer, cohort, quiz = setup["trainer"], setup["cohort"], setup["quiz"]
    who = join(live, cohort.code, "Bea")
    assert _assign(trainer, cohort, title="Final assessment").status_code == 303
    (first,) = live.store.assignments(cohort.id)
    r = _assign(trainer, cohort, title="Final assessment again")
    assert r.status_code == 200 and "“Final assessment” already asks for" in r.text and "edit that assignment" in r.text
    assert len(live.store.assignments(cohort.id)) == 1

    r = trainer.get(f"trainer/cohorts/{cohort.id}/assignments/{first.id}/delete")
    assert "Delete the assignment “Final assessment”?" in r.text and "Their answers stay" in r.text
    assert (
        trainer.post(
            f"trainer/cohorts/{cohort.id}/assignments/{first.id}/delete", data={"csrf": trainer.csrf}
        ).status_code
        == 200
    )
    assert live.store.assignments(cohort.id) == [first]  # not confirmed: still there
    r = trainer.post(
        f"trainer/cohorts/{cohort.id}/assignments/{first.id}/delete", data={"csrf": trainer.csrf, "confirm": "yes"}
    )
    assert r.status_code == 303 and live.store.assignments(cohort.id) == []
    assert _me(live, who)["assignments"] == []
    assert [h.action for h in live.store.assignment_history(first.id)] == ["created", "deleted"]
    assert trainer.get(f"trainer/cohorts/{cohort.id}/assignments/{first.id}").status_code == 404
    # A browser that was offline still sends answers under the deleted assignment: they are kept.
    with live.client() as c:
        take_quiz(c, who, quiz, registration=first.id)
    assert len(live.store.statements(learner_id=who["learner_id"], verb="completed")) == 1


def test_a_learners_answers_question_by_question_and_what_is_left_to_do(live, setup):
    trainer, cohort, quiz = setup["trainer"], setup["cohort"], setup["quiz"]
    assert _assign(trainer, cohort, pass_mark="90", due="2099-01-31", confirm="yes").status_code == 303
    who = join(live, cohort.code, "Bea")
    wrong_ids = two_wrong(quiz)
    start = datetime.now(UTC) - timedelta(hours=2)
    # The server keeps answers between joining and arrival: Bea joined before the answers she sends now.
    with live.store.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE learners SET created_at = :t WHERE id = :id"),
            {"t": (start - timedelta(hours=1)).replace(tzinfo=None), "id": who["learner_id"]},
        )
    with live.client() as c:
        pct = take_quiz(c, who, quiz, wrong_ids=wrong_ids, start=start, gap=40)
        take_quiz(c, who, quiz, finish=False, start=start + timedelta(hours=1))
    assert pct == 80
    page = trainer.get(f"trainer/cohorts/{cohort.id}/learners/{who['learner_id']}").text
    # What is left: the quiz, below the assignment's 90%.
    assert "best score 80%, below 90%" in page and "0 of 1 quizzes passed at 90%" in page
    # The finished attempt, question by question: the wrong answer in words at each try, credit, tries, time.
    q = next(x for x in quiz.questions if x.id == wrong_ids[0])
    chosen = (
        next(o.text for o in q.options if not o.correct) if q.kind == "single_choice" else str(not q.answer).lower()
    )
    attempts = page.split('<details data-attempt="')[1:]
    assert len(attempts) == 2 and "not finished" in attempts[0] and "80%" in attempts[1]
    row = attempts[1].split(f'data-question="{q.id}"')[1].split("</tr>")[0]
    assert (
        row.count(str(markupsafe.escape(chosen))) == 2
        and '<td class="num">2</td>' in row
        and '<td class="num">0%</td>' in row
    )
    assert "40 s" in attempts[1] or "80 s" in row  # time from the answer before it
    first = quiz.questions[0]
    first_row = attempts[1].split(f'data-question="{first.id}"')[1].split("</tr>")[0]
    assert "not known" in first_row  # the first question's start is not known to the server


def test_a_note_and_a_merged_duplicate_whose_browser_keeps_working(live, setup):
    trainer, cohort, quiz = setup["trainer"], setup["cohort"], setup["quiz"]
    assert _assign(trainer, cohort).status_code == 303
    bea = join(live, cohort.code, "Bea")
    phone = join(live, cohort.code, "Bea (phone)")
    with live.client() as c:
        take_quiz(c, phone, quiz, wrong_ids=two_wrong(quiz))
    base = f"trainer/cohorts/{cohort.id}/learners/{bea['learner_id']}"
    r = trainer.post(base + "/note", data={"csrf": trainer.csrf, "note": "Prefers the phone. Certificate wanted."})
    assert r.status_code == 303 and live.store.learner(bea["learner_id"]).note.startswith("Prefers")
    r = trainer.post(base + "/note", data={"csrf": trainer.csrf, "note": "x" * 2001})
    assert r.status_code == 400 and "2,000 characters" in r.text
    assert live.store.learner(bea["learner_id"]).note.startswith("Prefers")

    r = trainer.get(base + f"/merge?duplicate={phone['learner_id']}")
    assert "Merge “Bea (phone)” into “Bea”?" in r.text and "keeps working" in r.text
    r = trainer.post(base + "/merge", data={"csrf": trainer.csrf, "duplicate": phone["learner_id"], "confirm": "yes"})
    assert r.status_code == 303
    assert [le.display_name for le in live.store.learners(cohort.id)] == ["Bea"]
    (mine,) = _me(live, bea)["assignments"]
    assert mine["quizzes"][0]["best_percentage"] == 80 and mine["progress"]["passed_all"] is True
    # The phone's token still works; what it sends counts for Bea.
    with live.client() as c:
        take_quiz(c, phone, quiz)
    assert _me(live, phone)["learner"]["id"] == bea["learner_id"]
    assert _me(live, bea)["assignments"][0]["quizzes"][0]["best_percentage"] == 100
    assert len(live.store.statements(learner_id=bea["learner_id"], verb="completed")) == 2
    # Merging a learner into themselves, or someone not in the cohort, is refused.
    assert trainer.post(base + "/merge", data={"csrf": trainer.csrf, "duplicate": bea["learner_id"]}).status_code == 400
    assert trainer.post(base + "/merge", data={"csrf": trainer.csrf, "duplicate": "nobody"}).status_code == 404
    # A lead's export of Bea's data holds the note and the merged duplicate.
    lead = signed_in(live, "Lee", "lead")
    data = lead.get(f"lead/learners/{bea['learner_id']}/export.json").json()
    assert data["learner"]["trainer_note"].startswith("Prefers")
    assert [d["display_name"] for d in data["learner"]["merged_duplicates"]] == ["Bea (phone)"]
    lead.close()


def test_a_duplicate_is_removed_with_its_answers_once_confirmed(live, setup):
    trainer, cohort, quiz = setup["trainer"], setup["cohort"], setup["quiz"]
    dup = join(live, cohort.code, "Bea again")
    with live.client() as c:
        take_quiz(c, dup, quiz)
    url = f"trainer/cohorts/{cohort.id}/learners/{dup['learner_id']}/remove"
    r = trainer.get(url)
    assert "Remove “Bea again” from North team — Jan 2027?" in r.text and "10 answers" in r.text
    assert trainer.post(url, data={"csrf": trainer.csrf}).status_code == 200
    assert live.store.learners(cohort.id)
    assert trainer.post(url, data={"csrf": trainer.csrf, "confirm": "yes"}).status_code == 303
    assert live.store.learners(cohort.id) == [] and live.store.statements(learner_id=dup["learner_id"]) == []
    assert _me(live, dup) == {"error": _me(live, dup)["error"], "status": 401}


def test_the_cohort_csv_has_the_leads_columns_for_this_cohort_only(live, setup, course):
    trainer, cohort, quiz = setup["trainer"], setup["cohort"], setup["quiz"]
    assert _assign(trainer, cohort, due="2026-01-31", confirm="yes").status_code == 303
    other = live.store.add_cohort("Elsewhere", live.store.add_staff("Otto", "trainer", "x").id)
    for c_ in (cohort, other):
        live.store.add_assignment(
            c_.id,
            title="Sensitivity again",
            chapters=[quiz.chapter],
            quiz_ids=[quiz.id],
            include_final=False,
            pass_mark=70,
            due_date=None,
        )
    join(live, cohort.code, "Bea")
    join(live, other.code, "Olu")
    r = trainer.get(f"trainer/cohorts/{cohort.id}/export/progress.csv")
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")  # a byte-order mark, for Excel
    assert 'filename="progress-north-team-jan-2027.csv"' in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    lead = signed_in(live, "Lee", "lead")
    everyone = lead.get("lead/export/progress.csv")
    header = next(csv.reader(io.StringIO(everyone.content.decode("utf-8-sig"))))
    assert list(rows[0]) == header == [f for f in report.ProgressRow.__dataclass_fields__]
    assert {r_["cohort_name"] for r_ in rows} == {"North team — Jan 2027"} and len(rows) == 2
    assert {r_["due"] for r_ in rows} == {"2026-01-31", ""}  # ISO dates
    assert rows[0]["module_title"] == "Why sensitivity and attunement matter" or rows[0]["module_title"]
    assert trainer.get(f"trainer/cohorts/{other.id}/export/progress.csv").status_code == 403
    assert trainer.get(f"trainer/cohorts/{cohort.id}/export/nothing.csv").status_code == 404
    lead.close()


def test_the_join_link_has_copy_and_share_buttons_and_a_qr_code_made_here(live, setup):
    trainer, cohort = setup["trainer"], setup["cohort"]
    page = trainer.get(f"trainer/cohorts/{cohort.id}").text
    assert 'data-copy="join-link"' in page and "data-share=" in page
    assert '<svg role="img" aria-label="QR code of the join link of North team — Jan 2027" class="qr"' in page
    assert page.index('id="learners-h"') < page.index('id="assign-h"') < page.index('id="join-h"')  # learners first
    svg = trainer.get(f"trainer/cohorts/{cohort.id}/join-qr.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and b"<path" in svg.content
    script = trainer.get("staff/quizlib-staff.js")
    assert script.status_code == 200 and b"navigator.clipboard" in script.content


def test_reminders_go_through_a_real_smtp_server_or_are_copied(live_with_mail, smtp_sink, course):
    live = live_with_mail
    trainer = signed_in(live, "Tess")
    cohort = live.store.add_cohort("North team", live.store.staff_by_name("Tess").id)
    quiz = course.quiz("sensitivity")
    data = {"csrf": trainer.csrf, "chapters": quiz.chapter, "pass_mark": "70", "due": "2026-01-15", "confirm": "yes"}
    assert trainer.post(f"trainer/cohorts/{cohort.id}", data=data).status_code == 303
    bea, cy, di = (join(live, cohort.code, n) for n in ("Bea", "Cy", "Di"))
    with live.client() as c:
        take_quiz(c, di, quiz)  # Di passed: no reminder for her
    live.store.set_learner_email(bea["learner_id"], "bea@example.org")
    page = trainer.get(f"trainer/cohorts/{cohort.id}/reminders")
    assert page.status_code == 200
    assert "Bea (bea@example.org)" in page.text and "Di" not in page.text.split("<h1>")[1]
    assert "“Sensitivity" not in page.text or "overdue" in page.text
    assert "Hello Cy," in page.text and "No e-mail address recorded." in page.text  # a message to copy

    r = trainer.post(
        f"trainer/cohorts/{cohort.id}/reminders",
        data={"csrf": trainer.csrf, "action": "send", "learner": bea["learner_id"], "note": "See you on Monday."},
    )
    assert r.status_code == 200 and "Reminder sent by e-mail to 1 learner: Bea" in r.text
    (message,) = smtp_sink.messages
    assert message["To"] == "Bea <bea@example.org>" and message["From"] == "course@example.org"
    assert message["Subject"].startswith("Reminder: ")
    body = message.get_payload()
    assert "Hello Bea," in body and "was due on 2026-01-15" in body and "See you on Monday." in body
    assert [r_.channel for r_ in live.store.reminders(learner_id=bea["learner_id"])] == ["email"]
    # Cy has no address: the server refuses to send to her, and nothing is sent.
    r = trainer.post(
        f"trainer/cohorts/{cohort.id}/reminders",
        data={"csrf": trainer.csrf, "action": "send", "learner": cy["learner_id"]},
    )
    assert r.status_code == 400 and "No e-mail address is recorded for Cy" in r.text and len(smtp_sink.messages) == 1
    r = trainer.post(
        f"trainer/cohorts/{cohort.id}/reminders",
        data={"csrf": trainer.csrf, "action": "copied", "learner": cy["learner_id"]},
    )
    assert r.status_code == 303 and [x.channel for x in live.store.reminders(learner_id=cy["learner_id"])] == ["copied"]
    trainer.close()


def test_a_mail_server_that_cannot_be_reached_sends_nothing_and_says_so(live, course, tmp_path):
    from server_fixtures import LiveApp, free_port

    from quizlib.server.mail import MailSettings

    app = LiveApp(
        live.store,
        live.app.state.ctx.catalogue,
        mail=MailSettings.from_url(f"smtp://127.0.0.1:{free_port()}", "c@example.org"),
    )
    try:
        trainer = signed_in(app, "Tess")
        cohort = live.store.add_cohort("North", live.store.staff_by_name("Tess").id)
        quiz = course.quiz("sensitivity")
        live.store.add_assignment(
            cohort.id,
            title="S",
            chapters=[quiz.chapter],
            quiz_ids=[quiz.id],
            include_final=False,
            pass_mark=70,
            due_date=None,
        )
        bea = join(app, cohort.code, "Bea")
        live.store.set_learner_email(bea["learner_id"], "bea@example.org")
        r = trainer.post(
            f"trainer/cohorts/{cohort.id}/reminders",
            data={"csrf": trainer.csrf, "action": "send", "learner": bea["learner_id"]},
        )
        assert r.status_code == 502 and "No reminder was sent" in r.text and "copy the messages" in r.text
        assert live.store.reminders(cohort_id=cohort.id) == []
        trainer.close()
    finally:
        app.close()


def test_the_smtp_server_is_named_on_the_command_line_or_in_the_environment(tmp_path, tiny_book):
    from quizlib.server.mail import MailError, MailSettings

    s = MailSettings.from_url("smtp+starttls://course%40example.org:p%3Ass@mail.example.org", "course@example.org")
    assert (s.host, s.port, s.security, s.username, s.password) == (
        "mail.example.org",
        587,
        "starttls",
        "course@example.org",
        "p:ss",
    )
    assert MailSettings.from_url("smtps://mail.example.org", "a@b.org").port == 465
    with pytest.raises(MailError, match="--mail-from"):
        MailSettings.from_url("smtp://mail.example.org", None)
    proc = subprocess.run(
        [QUIZLIB, "serve", "--book", str(tiny_book), "--database", f"sqlite:///{tmp_path / 'db.sqlite3'}"],
        env={"PATH": "/usr/bin:/bin", "QUIZLIB_SMTP": "http://mail.example.org", "QUIZLIB_MAIL_FROM": "a@b.org"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1 and "the SMTP URL http://… is not understood" in proc.stderr
    assert "Traceback" not in proc.stderr
