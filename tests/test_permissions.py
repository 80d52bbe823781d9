"""Every endpoint's permission for: a learner, the cohort's trainer, another cohort's trainer, a course lead,
and an anonymous visitor. One table; each row says what each of them gets.

ok      the request does what it asks (200, 201, or a 303 back to the page after a change)
signin  a 303 to the sign-in page (a staff page asked for without a staff session)
401/403 refused, with a reason
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from server_fixtures import csrf_of, join, signed_in

from quizlib.quiz.score import full_credit_response as _right
from quizlib.results import xapi

ROLES = ("learner", "own_trainer", "other_trainer", "lead", "anonymous")
STAFF_ONLY = {"learner": "signin", "own_trainer": "ok", "other_trainer": "ok", "lead": "ok", "anonymous": "signin"}
COHORT = {"learner": "signin", "own_trainer": "ok", "other_trainer": 403, "lead": "ok", "anonymous": "signin"}
LEAD = {"learner": "signin", "own_trainer": 403, "other_trainer": 403, "lead": "ok", "anonymous": "signin"}
PUBLIC = {role: "ok" for role in ROLES}
LEARNER = {"learner": "ok", "own_trainer": 401, "other_trainer": 401, "lead": 401, "anonymous": 401}

# method, path, body, expected by role. In paths and bodies: {cohort}, {learner}, {code}; fresh for each
# request: {victim} a learner of the cohort, {staffer} an active trainer, {inactive} a deactivated trainer,
# {spare} a cohort of the own trainer; {other_trainer_id} the other trainer's account.
TABLE = [
    ("GET", "api/v1/config", None, PUBLIC),
    ("POST", "api/v1/join", "join", {role: "ok" for role in ROLES}),
    ("POST", "api/v1/statements", "statement", LEARNER),
    ("GET", "api/v1/me", None, LEARNER),
    ("GET", "join/{code}", None, PUBLIC),
    ("GET", "signin", None, PUBLIC),
    ("GET", "account/password", None, STAFF_ONLY),
    ("GET", "trainer/", None, STAFF_ONLY),
    ("POST", "trainer/", {"name": "New cohort"}, STAFF_ONLY),
    ("GET", "trainer/cohorts/{cohort}", None, COHORT),
    ("POST", "trainer/cohorts/{cohort}", {"chapters": "chapters/02-sensitivity", "pass_mark": "70"}, COHORT),
    ("GET", "trainer/cohorts/{cohort}/learners/{learner}", None, COHORT),
    ("POST", "trainer/cohorts/{cohort}/learners/{learner}", {"email": "bea@example.org"}, COHORT),
    ("POST", "trainer/cohorts/{spare}/trainer", {"trainer": "{other_trainer_id}"}, LEAD),
    ("GET", "lead/", None, LEAD),
    ("GET", "lead/quizzes/sensitivity", None, LEAD),
    ("GET", "lead/export/rates.csv", None, LEAD),
    ("GET", "lead/export/items.csv?quiz=sensitivity", None, LEAD),
    ("GET", "lead/staff", None, LEAD),
    ("POST", "lead/staff", {"name": "Trainer {n}", "role": "trainer"}, LEAD),
    ("POST", "lead/staff/{staffer}/password", {}, LEAD),
    ("POST", "lead/staff/{staffer}/deactivate", {}, LEAD),
    ("POST", "lead/staff/{inactive}/reactivate", {}, LEAD),
    ("GET", "lead/learners", None, LEAD),
    ("GET", "lead/learners/{learner}/export.json", None, LEAD),
    ("GET", "lead/learners/{victim}/delete", None, LEAD),
    ("POST", "lead/learners/{victim}/delete", {"confirm": "yes"}, LEAD),
    ("GET", "lead/forwarding", None, LEAD),
    ("POST", "lead/forwarding/retry", {}, LEAD),
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
    for role in ("anonymous", "learner"):  # a form token of their own, so only the permission can refuse them
        clients[role].csrf = csrf_of(clients[role].get("signin").text)

    other_trainer = store.staff_by_name("Other Trainer")
    failures = []
    n = 0
    for method, path, body, expected in TABLE:
        for role in ROLES:
            n += 1
            client = clients[role]
            victim = store.add_learner(cohort.id, f"Victim {n}")[0] if "{victim}" in path else None
            staffer = store.add_staff(f"Staffer {n}", "trainer", "hash") if "{staffer}" in path else None
            inactive = (
                store.set_active(store.add_staff(f"Gone {n}", "trainer", "hash").id, False)
                if "{inactive}" in path
                else None
            )
            spare = store.add_cohort(f"Spare {n}", own.id) if "{spare}" in path else None
            names = {
                "cohort": cohort.id,
                "learner": who["learner_id"],
                "code": cohort.code,
                "n": n,
                "victim": victim.id if victim else "",
                "staffer": staffer.id if staffer else "",
                "inactive": inactive.id if inactive else "",
                "spare": spare.id if spare else "",
                "other_trainer_id": other_trainer.id,
            }
            url = path.format(**names)
            if body == "join":
                r = client.post(url, json={"code": cohort.code, "display_name": f"Joiner {n}"})
            elif body == "statement":
                r = client.post(url, json=_statement(who, course))
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
            changed = want == "ok" and method == "POST"  # what a refused request must not do
            if victim is not None:
                gone = not any(lr.id == victim.id for lr in store.learners())
                if gone != changed:
                    failures.append(f"{method} {path} as {role}: the learner was {'deleted' if gone else 'kept'}")
            if staffer is not None:
                now = store.staff(staffer.id)
                if (now.session_generation != staffer.session_generation) != changed:
                    failures.append(
                        f"{method} {path} as {role}: the account {'changed' if not changed else 'did not change'}"
                    )
            if inactive is not None and store.staff(inactive.id).active != changed:
                failures.append(
                    f"{method} {path} as {role}: the account was {'reactivated' if not changed else 'left deactivated'}"
                )
            if spare is not None and (store.cohort(spare.id).trainer_id == other_trainer.id) != changed:
                failures.append(
                    f"{method} {path} as {role}: the cohort's trainer {'changed' if not changed else 'stayed'}"
                )
    for c in clients.values():
        c.close()
    assert not failures, "\n".join(failures)
    # Refused changes changed nothing: only the own trainer and the lead assigned, and only the lead made staff.
    assert len(store.assignments(cohort.id)) == 2
    assert len([s for s in store.all_staff() if s.name.startswith("Trainer ")]) == 1
    assert store.learner(who["learner_id"]).email == "bea@example.org"


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
