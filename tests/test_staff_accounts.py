"""A course lead manages staff accounts: resets a password (a one-time one, shown once, sessions ended),
deactivates and reactivates an account, and gives a departed trainer's cohorts to another trainer."""

from __future__ import annotations

import re

from server_fixtures import PASSWORD, csrf_of, signed_in

from quizlib.server.throttle import SIGN_IN


def _one_time_password(html: str) -> str:
    m = re.search(r'<span class="secret">([^<]+)</span>', html)
    assert m, "no one-time password on the page"
    return m.group(1)


def _sign_in(live, name, password):
    """A new browser's client and its sign-in response."""
    client = live.client()
    client.csrf = csrf_of(client.get("signin").text)
    return client, client.post("signin", data={"csrf": client.csrf, "name": name, "password": password})


def _sign_in_status(live, name, password) -> tuple[int, str]:
    client, r = _sign_in(live, name, password)
    client.close()
    return r.status_code, r.text


def test_a_reset_password_is_shown_once_ends_sessions_and_must_be_changed(live):
    lead = signed_in(live, "Lee", "lead")
    trainer = signed_in(live, "Tess")
    tess = live.store.staff_by_name("Tess")
    for _ in range(SIGN_IN.failures - 1):  # one more and her name would pause; the reset forgets them
        _sign_in_status(live, "Tess", "not her password")
    # First a page that names her and says what will happen; nothing has changed yet.
    asked = lead.get(f"lead/staff/{tess.id}/password")
    assert asked.status_code == 200 and "Reset the password of Tess?" in asked.text
    assert "Tess is signed out at once" in asked.text and "Nothing has changed yet" in asked.text
    assert live.store.staff(tess.id) == tess and trainer.get("trainer/").status_code == 200
    r = lead.post(f"lead/staff/{tess.id}/password", data={"csrf": lead.csrf, "confirm": "yes"})
    assert r.status_code == 200 and "password of “Tess” is reset" in r.text
    one_time = _one_time_password(r.text)
    assert one_time not in lead.get("lead/staff").text  # shown once only
    assert trainer.get("trainer/").headers["location"].startswith("/signin")  # her session has ended
    assert _sign_in_status(live, "Tess", PASSWORD)[0] == 401  # the old password is gone (and no pause: 401, not 429)
    client, r = _sign_in(live, "Tess", one_time)
    assert r.headers["location"] == "/account/password"  # must be changed first
    assert client.get("trainer/").headers["location"] == "/account/password"
    r = client.post(
        "account/password",
        data={
            "csrf": client.csrf,
            "current": one_time,
            "new": "her own new passphrase",
            "confirm": "her own new passphrase",
        },
    )
    assert r.status_code == 303 and client.get("trainer/").status_code == 200
    for c in (lead, trainer, client):
        c.close()


def test_a_lead_cannot_reset_or_deactivate_their_own_account_here(live):
    lead = signed_in(live, "Lee", "lead")
    me = live.store.staff_by_name("Lee")
    r = lead.post(f"lead/staff/{me.id}/password", data={"csrf": lead.csrf})
    assert r.status_code == 400 and "use “Change password”" in r.text
    r = lead.post(f"lead/staff/{me.id}/deactivate", data={"csrf": lead.csrf})
    assert r.status_code == 400 and "Ask another course lead" in r.text
    assert live.store.staff(me.id) == me  # nothing changed
    assert lead.post("lead/staff/no-such-account/deactivate", data={"csrf": lead.csrf}).status_code == 404
    lead.close()


def test_a_deactivated_trainer_cannot_sign_in_and_their_cohorts_go_to_another(live):
    lead = signed_in(live, "Lee", "lead")
    leaving = signed_in(live, "Tess")
    tess = live.store.staff_by_name("Tess")
    cohort = live.store.add_cohort("Leeds, spring", tess.id)
    learner, _ = live.store.add_learner(cohort.id, "Bea")

    r = lead.post(f"lead/staff/{tess.id}/deactivate", data={"csrf": lead.csrf})
    assert r.status_code == 200 and "Deactivate the account of Tess?" in r.text
    assert "Their 1 cohort (Leeds, spring) stay" in r.text and live.store.staff(tess.id).active
    r = lead.post(f"lead/staff/{tess.id}/deactivate", data={"csrf": lead.csrf, "confirm": "yes"})
    assert r.status_code == 303
    page = lead.get(r.headers["location"]).text
    assert "“Tess” is deactivated" in page and "give each one to another trainer" in page
    assert leaving.get("trainer/").headers["location"].startswith("/signin")  # her session ended at once
    status, text = _sign_in_status(live, "Tess", PASSWORD)
    assert status == 403 and "This account is deactivated" in text  # the right password, but deactivated
    status, text = _sign_in_status(live, "Tess", "a wrong password")
    assert status == 401 and "deactivated" not in text  # a guesser learns nothing

    # Her cohort stays, with its learners, until a lead gives it to another trainer (never to a deactivated one).
    assert live.store.cohort(cohort.id).trainer_id == tess.id
    assert "(deactivated: give the cohort to another trainer)" in lead.get("trainer/").text
    new = signed_in(live, "Nia")
    nia = live.store.staff_by_name("Nia")
    r = lead.post(f"trainer/cohorts/{cohort.id}/trainer", data={"csrf": lead.csrf, "trainer": tess.id})
    assert r.status_code == 400 and "deactivated" in r.text
    r = lead.post(f"trainer/cohorts/{cohort.id}/trainer", data={"csrf": lead.csrf, "trainer": nia.id})
    assert r.status_code == 200 and "Give Leeds, spring to Nia?" in r.text and "Tess no longer sees it" in r.text
    assert live.store.cohort(cohort.id).trainer_id == tess.id
    r = lead.post(f"trainer/cohorts/{cohort.id}/trainer", data={"csrf": lead.csrf, "trainer": nia.id, "confirm": "yes"})
    assert r.status_code == 303
    assert "The cohort has a new trainer: Nia" in lead.get(r.headers["location"]).text
    assert "Leeds, spring" in new.get("trainer/").text and "Bea" in new.get(f"trainer/cohorts/{cohort.id}").text
    assert live.store.learner(learner.id).cohort_id == cohort.id
    # A deactivated account is not offered for new cohorts either.
    home = lead.get("trainer/").text
    assert f'<option value="{nia.id}"' in home and f'<option value="{tess.id}"' not in home

    r = lead.post(f"lead/staff/{tess.id}/reactivate", data={"csrf": lead.csrf})
    assert r.status_code == 303 and "is active again" in lead.get(r.headers["location"]).text
    assert _sign_in_status(live, "Tess", PASSWORD)[0] == 303
    for c in (lead, leaving, new):
        c.close()
