"""Carrying on on another device: a joined learner asks the server for a short resume code (My progress, "Use
another device"); another device redeems it once, within 30 minutes, and gets its own token for the same
learner, so both devices go on working and the trainer sees one learner. The pages in the browser:
tests/test_browser_learner.py.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from cohort_helpers import take_quiz
from server_fixtures import join

from quizlib.results.store import RESUME_MINUTES, Store, code_for_people


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'course.sqlite3'}")
    s.upgrade()
    yield s
    s.close()


def _learner(store: Store):
    cohort = store.add_cohort("Spring", store.add_staff("Tess", "trainer", "x").id)
    return store.add_learner(cohort.id, "Bea")


def test_a_code_works_once_for_the_same_learner_with_a_token_of_its_own(store):
    bea, token = _learner(store)
    code, expires = store.add_resume_code(bea.id)
    assert len(code) == 10 and timedelta(minutes=RESUME_MINUTES - 1) < expires - datetime.now(UTC)
    # As people type it: in groups, in capitals, with spaces.
    device, device_token = store.redeem_resume_code(code_for_people(code).upper().replace("-", " "))
    assert device.merged_into == bea.id and device.display_name == "Bea" and device_token != token
    assert store.learner_by_token(device_token).id == device.id
    assert store.learner_by_token(token).id == bea.id  # the first device goes on working
    assert [x.id for x in store.learners()] == [bea.id]  # the trainer sees one learner
    assert store.redeem_resume_code(code) is None  # spent


def test_a_code_from_a_second_device_is_for_the_learner_and_a_new_code_replaces_the_old(store):
    bea, _ = _learner(store)
    first, _ = store.add_resume_code(bea.id)
    second, _ = store.add_resume_code(bea.id)
    assert store.redeem_resume_code(first) is None
    device, _ = store.redeem_resume_code(second)
    third, _ = store.add_resume_code(device.id)  # asked from the second device
    again, _ = store.redeem_resume_code(third)
    assert again.merged_into == bea.id


def test_an_old_an_unknown_or_an_empty_code_gives_nothing(store):
    bea, _ = _learner(store)
    old, _ = store.add_resume_code(bea.id, minutes=-1)
    assert store.redeem_resume_code(old) is None
    assert store.redeem_resume_code("abcd-efgh-jk") is None
    assert store.redeem_resume_code("----") is None


def test_deleting_the_learner_deletes_their_code_and_devices(store):
    bea, _ = _learner(store)
    first, _ = store.add_resume_code(bea.id)
    _, device_token = store.redeem_resume_code(first)
    code, _ = store.add_resume_code(bea.id)
    store.delete_learner(bea.id)
    assert store.redeem_resume_code(code) is None
    assert store.learner_by_token(device_token) is None


def test_over_the_api_answers_from_the_new_device_are_the_learners(live, course):
    store = live.store
    cohort = store.add_cohort("Spring", store.add_staff("Tess", "trainer", "x").id)
    bea = join(live, cohort.code, "Bea")
    quiz = course.quiz("sensitivity")
    with live.client() as c:
        r = c.post("api/v1/resume-code", json={})
        assert r.status_code == 401 and "join" in r.json()["error"]
        r = c.post("api/v1/resume-code", json={}, headers={"Authorization": f"Bearer {bea['token']}"})
        assert r.status_code == 201 and r.headers["Cache-Control"] == "no-store"
        given = r.json()
        assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{2}", given["code"])
        assert given["link"] == f"{live.url}resume/{given['code']}"

        r = c.post("api/v1/resume", json={"code": given["code"].upper()})
        assert r.status_code == 201, r.text
        device = r.json()
        assert device["display_name"] == "Bea" and device["cohort"]["code"] == cohort.code
        assert device["learner_id"] != bea["learner_id"]
        assert take_quiz(c, device, quiz) is not None
        again = c.post("api/v1/resume", json={"code": given["code"]})
        assert again.status_code == 404 and "already used" in again.json()["error"]
        for body, status in (({}, 400), ([], 400), ({"code": 7}, 400), ({"code": "x" * 65}, 400)):
            r = c.post("api/v1/resume", json=body)
            assert r.status_code == status and r.json()["error"].startswith("code:"), body
    # The answers sent from the second device are Bea's, as the trainer sees her.
    assert {s.learner_id for s in store.statements(quiz_id=quiz.id)} == {bea["learner_id"]}
    assert [x.id for x in store.learners(cohort.id)] == [bea["learner_id"]]


def test_unknown_resume_codes_are_throttled_per_address(live):
    with live.client() as c:
        answers = [c.post("api/v1/resume", json={"code": f"zzzz-zzzz-{n:02d}"}) for n in range(25)]
    statuses = [r.status_code for r in answers]
    assert statuses[0] == 404 and statuses[-1] == 429, statuses
    assert int(answers[-1].headers["Retry-After"]) > 0 and "Wait" in answers[-1].json()["error"]
