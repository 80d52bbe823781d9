"""Certificates of completion on the course server: issued only for what the server itself recorded as passed
(the whole course's required quizzes, or an assignment), kept so that /verify/<code> confirms them, one per
learner and scope, gone with the learner's data. The learner's page in the browser: tests/test_browser_learner.py.
"""

from __future__ import annotations

import re

import pytest
from cohort_helpers import take_quiz, two_wrong
from server_fixtures import join, signed_in

from quizlib.server.certificates import show_code


def _assigned(live, quiz_ids, pass_mark=70):
    store = live.store
    trainer = store.add_staff("Tess", "trainer", "x")
    cohort = store.add_cohort("Spring", trainer.id)
    assignment = store.add_assignment(
        cohort.id,
        title="Sensitivity first",
        chapters=["chapters/02-sensitivity"],
        quiz_ids=quiz_ids,
        include_final=False,
        pass_mark=pass_mark,
        due_date=None,
    )
    return cohort, assignment


def test_a_certificate_is_issued_only_once_the_server_has_the_pass(live, course):
    cohort, assignment = _assigned(live, ["sensitivity"], pass_mark=90)
    bea = join(live, cohort.code, "Bea")
    auth = {"Authorization": f"Bearer {bea['token']}"}
    quiz = course.quiz("sensitivity")
    with live.client() as c:
        overview = c.get("api/v1/certificates", headers=auth).json()
        scopes = {s["scope"]: s for s in overview["scopes"]}
        assert set(scopes) == {"course", assignment.id}
        assert not scopes[assignment.id]["passed"] and scopes[assignment.id]["to_pass"][0]["id"] == "sensitivity"
        required = [q.id for q in course.quizzes.values() if q.required]
        assert [q["id"] for q in scopes["course"]["to_pass"]] == required
        assert "welcome" not in required and "practice" not in required and "final" in required

        r = c.post("api/v1/certificates", json={"scope": assignment.id}, headers=auth)
        assert r.status_code == 409 and "Check your understanding" in r.json()["error"]

        # 80% is below the assignment's 90%: still no certificate.
        assert take_quiz(c, bea, quiz, wrong_ids=two_wrong(quiz), registration=assignment.id) == 80
        assert c.post("api/v1/certificates", json={"scope": assignment.id}, headers=auth).status_code == 409
        assert take_quiz(c, bea, quiz, registration=assignment.id) == 100

        r = c.post("api/v1/certificates", json={"scope": assignment.id, "name": "  Beatrice   Okafor "}, headers=auth)
        assert r.status_code == 201, r.text
        cert = r.json()
        assert cert["learner_name"] == "Beatrice Okafor" and cert["title"] == "Sensitivity first"
        assert cert["percentage"] == 100 and [q["percentage"] for q in cert["quizzes"]] == [100]
        assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}", cert["code"])
        assert cert["verify_url"] == live.url + "verify/" + cert["code"]

        # Asking again gives the same certificate, whatever name is sent now.
        again = c.post("api/v1/certificates", json={"scope": assignment.id, "name": "Someone else"}, headers=auth)
        assert again.status_code == 200 and again.json() == cert
        scopes = {s["scope"]: s for s in c.get("api/v1/certificates", headers=auth).json()["scopes"]}
        assert scopes[assignment.id]["certificate"] == cert and scopes["course"]["certificate"] is None
        # The whole course is not passed: one quiz of nine.
        r = c.post("api/v1/certificates", json={"scope": "course"}, headers=auth)
        assert r.status_code == 409


def test_the_whole_course_certificate_asks_for_every_required_quiz(live, course):
    cohort, _ = _assigned(live, ["sensitivity"])
    bea = join(live, cohort.code, "Bea")
    auth = {"Authorization": f"Bearer {bea['token']}"}
    with live.client() as c:
        for quiz in course.quizzes.values():
            if quiz.required and not quiz.summative:
                take_quiz(c, bea, quiz)
        scopes = {s["scope"]: s for s in c.get("api/v1/certificates", headers=auth).json()["scopes"]}
        assert [q["id"] for q in scopes["course"]["to_pass"]] == ["final"]
        # The final assessment is scored by the server: a passed attempt through its own endpoints.
        from attempt_helpers import pass_the_final

        pass_the_final(c, bea, course, live.store)
        r = c.post("api/v1/certificates", json={"scope": "course", "name": "Bea"}, headers=auth)
        assert r.status_code == 201, r.text
        assert r.json()["title"] == live.app.state.ctx.book_title
        assert len(r.json()["quizzes"]) == len([q for q in course.quizzes.values() if q.required])


@pytest.mark.parametrize(
    "body,status,field",
    [
        ("not an object", 400, "expected an object"),
        ({}, 400, "scope"),
        ({"scope": ""}, 400, "scope"),
        ({"scope": "x" * 37}, 400, "scope"),
        ({"scope": "not-mine"}, 404, "scope"),
        ({"scope": "course", "name": 7}, 400, "name"),
        ({"scope": "course", "name": "n" * 101}, 400, "name"),
    ],
)
def test_bad_requests_are_4xx_naming_what_to_change(live, body, status, field):
    cohort, _ = _assigned(live, ["sensitivity"])
    bea = join(live, cohort.code, "Bea")
    with live.client() as c:
        r = c.post("api/v1/certificates", json=body, headers={"Authorization": f"Bearer {bea['token']}"})
    assert r.status_code == status and field in r.json()["error"]


def _issued(live, course):
    cohort, assignment = _assigned(live, ["sensitivity"])
    bea = join(live, cohort.code, "Bea")
    auth = {"Authorization": f"Bearer {bea['token']}"}
    with live.client() as c:
        take_quiz(c, bea, course.quiz("sensitivity"), registration=assignment.id)
        cert = c.post("api/v1/certificates", json={"scope": assignment.id, "name": "Bea Okafor"}, headers=auth).json()
    return cohort, bea, cert


def test_verify_confirms_what_the_server_issued_and_nothing_else(live, course):
    _, _, cert = _issued(live, course)
    with live.client() as anyone:
        for typed in (
            cert["code"],
            cert["code"].lower(),
            cert["code"].replace("-", ""),
            cert["code"].replace("-", " "),
        ):
            page = anyone.get("verify/" + typed)
            assert page.status_code == 200, typed
            assert "This certificate is genuine" in page.text and "Bea Okafor" in page.text
            assert "Sensitivity first" in page.text and "100%" in page.text and cert["code"] in page.text
        forged = cert["code"][:-1] + ("A" if cert["code"][-1] != "A" else "B")
        page = anyone.get("verify/" + forged)
        assert page.status_code == 404 and "No certificate issued by this course server" in page.text
        assert "Bea" not in page.text
        r = anyone.get("verify", params={"code": cert["code"].lower()})
        assert r.status_code == 303 and r.headers["location"] == "/verify/" + cert["code"]
        assert anyone.get("verify").status_code == 200


def test_unknown_codes_are_throttled_per_address(live, course):
    _, _, cert = _issued(live, course)
    with live.client() as guesser:
        for n in range(100):
            assert guesser.get(f"verify/zzzz{n:06d}").status_code == 404
        r = guesser.get("verify/zzzz999999")
        assert r.status_code == 429 and "Retry-After" in r.headers
        # A real code is refused too while the address is paused: a guesser learns nothing.
        assert guesser.get("verify/" + cert["code"]).status_code == 429


def test_the_trainer_sees_the_certificate_and_deleting_the_learner_removes_it(live, course):
    cohort, bea, cert = _issued(live, course)
    store = live.store
    trainer = signed_in(live, "Trina")
    store.reassign_cohort(cohort.id, store.staff_by_name("Trina").id)
    page = trainer.get(f"trainer/cohorts/{cohort.id}/learners/{bea['learner_id']}").text
    trainer.close()
    assert cert["code"] in page and "Sensitivity first" in page and "Bea Okafor" in page
    export = store.export_learner(bea["learner_id"])
    assert [c["scope"] for c in export["certificates"]] == [cert["scope"]]
    store.delete_learner(bea["learner_id"])
    with live.client() as anyone:
        assert anyone.get("verify/" + cert["code"]).status_code == 404


def test_a_merged_duplicate_shares_the_learners_certificates(live, course):
    cohort, bea, cert = _issued(live, course)
    dup = join(live, cohort.code, "Bea again")
    live.store.merge_learners(bea["learner_id"], dup["learner_id"])
    with live.client() as c:
        r = c.get("api/v1/certificates", headers={"Authorization": f"Bearer {dup['token']}"})
        scopes = {s["scope"]: s for s in r.json()["scopes"]}
    assert scopes[cert["scope"]]["certificate"]["code"] == cert["code"]


def test_show_code_groups_in_fours():
    assert show_code("k7qm9xtp2b") == "K7QM-9XTP-2B"
