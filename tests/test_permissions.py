"""Every endpoint's permission for: a learner, the cohort's trainer, another cohort's trainer, a course lead,
and an anonymous visitor. One table; each row says what each of them gets.

ok      the request does what it asks (200, 201, or a 303 back to the page after a change)
signin  a 303 to the sign-in page (a staff page asked for without a staff session)
401/403 refused, with a reason
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from cohort_helpers import take_quiz
from server_fixtures import csrf_of, join, signed_in

from quizlib.quiz.score import full_credit_response as _right
from quizlib.results import xapi
from quizlib.server.certificates import show_code

ROLES = ("learner", "own_trainer", "other_trainer", "lead", "anonymous")
STAFF_ONLY = {"learner": "signin", "own_trainer": "ok", "other_trainer": "ok", "lead": "ok", "anonymous": "signin"}
COHORT = {"learner": "signin", "own_trainer": "ok", "other_trainer": 403, "lead": "ok", "anonymous": "signin"}
LEAD = {"learner": "signin", "own_trainer": 403, "other_trainer": 403, "lead": "ok", "anonymous": "signin"}
PUBLIC = {role: "ok" for role in ROLES}
LEARNER = {"learner": "ok", "own_trainer": 401, "other_trainer": 401, "lead": 401, "anonymous": 401}

# method, path, body, expected by role[, whether a request allowed changes something (default: POST does)].
# In paths and bodies: {cohort}, {learner}, {code}, {certificate} (the code of a certificate of the learner's); fresh for each request: {victim} a learner of the cohort,
# {dup} another learner of it, {staffer} an active trainer, {inactive} a deactivated trainer, {spare} a cohort
# of the own trainer, {assignment} an assignment in a cohort {acohort} of the own trainer; {other_trainer_id}
# the other trainer's account.
TABLE = [
    ("GET", "api/v1/config", None, PUBLIC),
    ("POST", "api/v1/join", "join", {role: "ok" for role in ROLES}),
    ("POST", "api/v1/statements", "statement", LEARNER),
    ("GET", "api/v1/me", None, LEARNER),
    ("GET", "api/v1/certificates", None, LEARNER),
    ("POST", "api/v1/certificates", "certificate", LEARNER),
    ("GET", "verify", None, PUBLIC),
    ("GET", "verify/{certificate}", None, PUBLIC),
    ("GET", "join/{code}", None, PUBLIC),
    ("POST", "api/v1/resume-code", "resume-code", LEARNER),
    ("GET", "resume", None, PUBLIC),
    ("GET", "resume/{code}", None, PUBLIC),
    ("GET", "signin", None, PUBLIC),
    ("GET", "staff/quizlib-staff.js", None, PUBLIC),
    ("GET", "account/password", None, STAFF_ONLY),
    ("GET", "trainer/", None, STAFF_ONLY),
    ("POST", "trainer/", {"name": "New cohort", "time_zone": "Europe/London"}, STAFF_ONLY),
    ("GET", "trainer/cohorts/{cohort}", None, COHORT),
    ("GET", "trainer/cohorts/{cohort}?page=2", None, COHORT),
    (
        "POST",
        "trainer/cohorts/{cohort}",
        {"chapters": "chapters/02-sensitivity", "pass_mark": "70", "confirm": "yes"},
        COHORT,
    ),
    ("POST", "trainer/cohorts/{spare}/settings", {"name": "Renamed {n}", "time_zone": "Asia/Tokyo"}, COHORT),
    ("GET", "trainer/cohorts/{cohort}/join-qr.svg", None, COHORT),
    ("GET", "trainer/cohorts/{cohort}/export/progress.csv", None, COHORT),
    ("GET", "trainer/cohorts/{cohort}/export/rates.csv", None, COHORT),
    ("GET", "trainer/cohorts/{acohort}/assignments/{assignment}", None, COHORT),
    (
        "POST",
        "trainer/cohorts/{acohort}/assignments/{assignment}",
        {"chapters": "chapters/02-sensitivity", "pass_mark": "55", "due": "2099-01-31"},
        COHORT,
    ),
    ("GET", "trainer/cohorts/{acohort}/assignments/{assignment}/delete", None, COHORT),
    ("POST", "trainer/cohorts/{acohort}/assignments/{assignment}/delete", {}, COHORT, False),
    ("POST", "trainer/cohorts/{acohort}/assignments/{assignment}/delete", {"confirm": "yes"}, COHORT),
    ("GET", "trainer/cohorts/{cohort}/learners/{learner}", None, COHORT),
    ("POST", "trainer/cohorts/{cohort}/learners/{learner}", {"email": "bea{n}@example.org"}, COHORT),
    ("POST", "trainer/cohorts/{cohort}/learners/{learner}/note", {"note": "Note {n}"}, COHORT),
    ("GET", "trainer/cohorts/{cohort}/learners/{learner}/merge?duplicate={dup}", None, COHORT),
    ("POST", "trainer/cohorts/{cohort}/learners/{learner}/merge", {"duplicate": "{dup}"}, COHORT, False),
    ("POST", "trainer/cohorts/{cohort}/learners/{learner}/merge", {"duplicate": "{dup}", "confirm": "yes"}, COHORT),
    ("GET", "trainer/cohorts/{cohort}/learners/{victim}/remove", None, COHORT),
    ("POST", "trainer/cohorts/{cohort}/learners/{victim}/remove", {"confirm": "yes"}, COHORT),
    ("GET", "trainer/cohorts/{cohort}/reminders", None, COHORT),
    ("POST", "trainer/cohorts/{cohort}/reminders", {"action": "copied", "learner": "{victim}"}, COHORT),
    ("POST", "trainer/cohorts/{spare}/trainer", {"trainer": "{other_trainer_id}"}, LEAD, False),
    ("POST", "trainer/cohorts/{spare}/trainer", {"trainer": "{other_trainer_id}", "confirm": "yes"}, LEAD),
    ("GET", "lead/", None, LEAD),
    ("GET", "lead/?cohort={cohort}&module=chapters/02-sensitivity&from=2026-01-01&to=2099-12-31", None, LEAD),
    ("GET", "lead/quizzes/sensitivity", None, LEAD),
    ("GET", "lead/quizzes/sensitivity?cohort={cohort}&from=2026-01-01", None, LEAD),
    ("GET", "lead/export/rates.csv", None, LEAD),
    ("GET", "lead/export/overdue.csv?cohort={cohort}", None, LEAD),
    ("GET", "lead/export/items.csv?quiz=sensitivity", None, LEAD),
    ("GET", "lead/staff", None, LEAD),
    ("POST", "lead/staff", {"name": "Trainer {n}", "role": "trainer"}, LEAD),
    ("GET", "lead/staff/{staffer}/password", None, LEAD),
    ("POST", "lead/staff/{staffer}/password", {}, LEAD, False),
    ("POST", "lead/staff/{staffer}/password", {"confirm": "yes"}, LEAD),
    ("GET", "lead/staff/{staffer}/deactivate", None, LEAD),
    ("POST", "lead/staff/{staffer}/deactivate", {}, LEAD, False),
    ("POST", "lead/staff/{staffer}/deactivate", {"confirm": "yes"}, LEAD),
    ("POST", "lead/staff/{inactive}/reactivate", {}, LEAD),
    ("GET", "lead/learners", None, LEAD),
    ("GET", "lead/learners?q=bea&cohort={cohort}&page=1", None, LEAD),
    ("GET", "lead/learners/{learner}/export.json", None, LEAD),
    ("GET", "lead/learners/{victim}/delete", None, LEAD),
    ("POST", "lead/learners/{victim}/delete", {"confirm": "yes"}, LEAD),
    ("GET", "lead/forwarding", None, LEAD),
    ("POST", "lead/forwarding/retry", {}, LEAD, False),  # nothing refused to queue again: tests/test_forward.py
]


def _statement(who, course):
    quiz = course.quiz("sensitivity")
    q = quiz.questions[0]
    return xapi.answered(
        statement_id=str(uuid.uuid4()),
        actor=xapi.agent(who["learner_id"], who["home_page"]),
        quiz_id=quiz.id,
        chapter=quiz.chapter,
        question_id=q.id,
        kind=q.kind,
        prompt=q.prompt,
        response=_right(q),
        try_number=1,
        attempt_id=str(uuid.uuid4()),
        credit=1,
        correct=True,
        final=True,
        when=datetime.now(UTC),
    )


def test_every_endpoint_gives_each_role_what_the_table_says(live, course):
    store = live.store
    clients = {
        "own_trainer": signed_in(live, "Own Trainer"),
        "other_trainer": signed_in(live, "Other Trainer"),
        "lead": signed_in(live, "Course Lead", "lead"),
        "anonymous": live.client(),
        "learner": live.client(),
    }
    own = store.staff_by_name("Own Trainer")
    cohort = store.add_cohort("Own cohort", own.id)
    store.add_cohort("Other cohort", store.staff_by_name("Other Trainer").id)
    who = join(live, cohort.code, "Bea")
    clients["learner"].headers["Authorization"] = f"Bearer {who['token']}"
    # Bea passed an assignment: she may have its certificate, and there is one to check.
    certified = store.add_assignment(
        cohort.id,
        title="Certified",
        chapters=["chapters/02-sensitivity"],
        quiz_ids=["sensitivity"],
        include_final=False,
        pass_mark=70,
        due_date=None,
    )
    take_quiz(clients["learner"], who, course.quiz("sensitivity"), registration=certified.id)
    issued, _ = store.add_certificate(
        who["learner_id"],
        "course",
        title="Course",
        course_title="Course",
        learner_name="Bea",
        percentage=90,
        quizzes=[],
    )
    for role in ("anonymous", "learner"):  # a form token of their own, so only the permission can refuse them
        clients[role].csrf = csrf_of(clients[role].get("signin").text)

    other_trainer = store.staff_by_name("Other Trainer")
    quiz = course.quiz("sensitivity")
    failures = []
    n = 0
    for method, path, body, expected, *effect in TABLE:
        for role in ROLES:
            n += 1
            client = clients[role]
            # Fresh things for the request to act on, and how to see whether it changed them.
            probes = {}
            names = {
                "cohort": cohort.id,
                "learner": who["learner_id"],
                "code": cohort.code,
                "n": n,
                "other_trainer_id": other_trainer.id,
                "certificate": show_code(issued.code),
            }
            if "{victim}" in path or "{victim}" in str(body):
                victim = store.add_learner(cohort.id, f"Victim {n}")[0]
                names["victim"] = victim.id
                probes["learner"] = lambda v=victim: (
                    any(lr.id == v.id for lr in store.learners()),
                    len(store.reminders(learner_id=v.id)) if any(lr.id == v.id for lr in store.learners()) else 0,
                )
            if "{dup}" in path or "{dup}" in str(body):
                dup = store.add_learner(cohort.id, f"Duplicate {n}")[0]
                names["dup"] = dup.id
                probes["duplicate"] = lambda d=dup: store.learner(d.id).merged_into
            if "{staffer}" in path:
                staffer = store.add_staff(f"Staffer {n}", "trainer", "hash")
                names["staffer"] = staffer.id
                probes["account"] = lambda st=staffer: (
                    store.staff(st.id).session_generation,
                    store.staff(st.id).active,
                )
            if "{inactive}" in path:
                inactive = store.set_active(store.add_staff(f"Gone {n}", "trainer", "hash").id, False)
                names["inactive"] = inactive.id
                probes["account"] = lambda st=inactive: store.staff(st.id).active
            if "{spare}" in path:
                spare = store.add_cohort(f"Spare {n}", own.id)
                names["spare"] = spare.id
                probes["cohort"] = lambda c=spare: store.cohort(c.id)
            if "{assignment}" in path:
                acohort = store.add_cohort(f"Assigned {n}", own.id)
                assignment = store.add_assignment(
                    acohort.id,
                    title="Sensitivity",
                    chapters=[quiz.chapter],
                    quiz_ids=[quiz.id],
                    include_final=False,
                    pass_mark=70,
                    due_date=None,
                )
                names["acohort"], names["assignment"] = acohort.id, assignment.id
                probes["assignment"] = lambda a=assignment: store.assignment(a.id)
            probes["cohort's assignments"] = lambda: len(store.assignments(cohort.id))
            probes["staff"] = lambda: len(store.all_staff())
            probes["cohorts"] = lambda: len(store.cohorts())
            probes["own learner"] = lambda: store.learner(who["learner_id"])
            before = {k: probe() for k, probe in probes.items()}
            url = path.format(**names)
            if body == "join":
                r = client.post(url, json={"code": cohort.code, "display_name": f"Joiner {n}"})
            elif body == "statement":
                r = client.post(url, json=_statement(who, course))
            elif body == "resume-code":
                r = client.post(url, json={})
            elif body == "certificate":
                r = client.post(url, json={"scope": certified.id})
            elif method == "POST":
                form = {k: v.format(**names) for k, v in body.items()}
                r = client.post(url, data={"csrf": client.csrf, **form})
            else:
                r = client.get(url)
            want = expected[role]
            got = r.status_code
            location = r.headers.get("location", "")
            if want == "ok":
                good = got in (200, 201) or (
                    got == 303 and "/signin" not in location and "account/password" not in location
                )
            elif want == "signin":
                good = got == 303 and location.startswith("/signin")
            else:
                good = got == want and ("error" in r.json() if url.startswith("api/") else 'role="alert"' in r.text)
            if not good:
                failures.append(f"{method} {path} as {role}: expected {want}, got {got} {location}")
            changes = effect[0] if effect else method == "POST"
            allowed = want == "ok" and changes
            changed = [k for k, probe in probes.items() if probe() != before[k]]
            if body in ("join", "statement", "certificate", "resume-code"):
                continue  # a learner joins, sends an answer, asks for a certificate or a resume code:
                # tests/test_server_api.py, tests/test_certificates.py and tests/test_resume.py
            if changed and not allowed:
                failures.append(f"{method} {path} as {role}: changed {', '.join(changed)}, which it must not")
            if allowed and not changed:
                failures.append(f"{method} {path} as {role}: changed nothing")
    for c in clients.values():
        c.close()
    assert not failures, "\n".join(failures)
    # Refused changes changed nothing: only the own trainer and the lead assigned, and only the lead made staff.
    assert len(store.assignments(cohort.id)) == 3  # with the one Bea passed
    assert len([s for s in store.all_staff() if s.name.startswith("Trainer ")]) == 1
    assert store.learner(who["learner_id"]).email.endswith("@example.org")
    assert store.learner(who["learner_id"]).note.startswith("Note ")


def test_a_form_without_this_browsers_csrf_token_is_refused(live):
    trainer = signed_in(live, "Tess")
    r = trainer.post("trainer/", data={"csrf": "forged", "name": "Sneaky"})
    assert r.status_code == 403 and "expired or came from another site" in r.text
    r = trainer.post("trainer/", data={"name": "Sneaky"})
    assert r.status_code == 403
    assert live.store.cohorts() == []
    trainer.close()


def test_a_new_account_must_change_its_one_time_password_before_anything_else(live):
    from quizlib.results.store.passwords import hash_password

    live.store.add_staff("Newbie", "trainer", hash_password("one-time-pass"), must_change_password=True)
    with live.client() as c:
        csrf = csrf_of(c.get("signin").text)
        r = c.post("signin", data={"csrf": csrf, "name": "Newbie", "password": "wrong"})
        assert r.status_code == 401 and "do not match" in r.text
        r = c.post("signin", data={"csrf": csrf, "name": "Newbie", "password": "one-time-pass"})
        assert r.headers["location"] == "/account/password"
        assert c.get("trainer/").headers["location"] == "/account/password"
        r = c.post(
            "account/password", data={"csrf": csrf, "current": "one-time-pass", "new": "short", "confirm": "short"}
        )
        assert r.status_code == 400 and "at least 12" in r.text
        old_cookie = c.cookies.get("quizlib_staff")
        r = c.post(
            "account/password",
            data={
                "csrf": csrf,
                "current": "one-time-pass",
                "new": "a long new passphrase",
                "confirm": "a long new passphrase",
            },
        )
        assert r.status_code == 303
        assert c.get("trainer/").status_code == 200
    # The session signed before the change no longer works.
    with live.client() as stale:
        stale.cookies.set("quizlib_staff", old_cookie)
        assert stale.get("trainer/").headers["location"].startswith("/signin")
    staff = live.store.staff_by_name("Newbie")
    assert not staff.must_change_password and staff.password_hash.startswith("$argon2id$")


def test_a_trainer_sees_only_their_own_cohorts_in_the_list(live):
    own = signed_in(live, "Own")
    signed_in(live, "Other").close()
    live.store.add_cohort("Mine", live.store.staff_by_name("Own").id)
    live.store.add_cohort("Theirs", live.store.staff_by_name("Other").id)
    page = own.get("trainer/").text
    assert "Mine" in page and "Theirs" not in page
    lead = signed_in(live, "Lead", "lead")
    page = lead.get("trainer/").text
    assert "Mine" in page and "Theirs" in page
    own.close()
    lead.close()
