"""throttle.py: failed sign-ins per name and joins with unknown codes per address are counted in the
database; a guesser is paused, with a clear message and Retry-After, on every server process at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from server_fixtures import PASSWORD, csrf_of, password_hash
from sqlalchemy.orm import Session

from quizlib.results.store import Store, ThrottleFailureRow
from quizlib.server.throttle import JOIN, SIGN_IN, Throttle, name_key

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def test_five_failures_within_a_quarter_hour_pause_a_name_for_a_quarter_hour(store):
    t = Throttle(store, SIGN_IN)
    for i in range(4):
        assert t.failed("tess", T0 + i * MINUTE) is None
    assert t.locked_until("tess", T0 + 4 * MINUTE) is None
    until = t.failed("tess", T0 + 4 * MINUTE)  # the fifth
    assert until == T0 + 19 * MINUTE
    assert t.locked_until("tess", T0 + 18 * MINUTE) == until
    assert t.locked_until("other", T0 + 5 * MINUTE) is None  # one name's failures are not another's
    assert t.locked_until("tess", T0 + 19 * MINUTE) is None  # the pause is over
    # Then a fresh allowance: the old failures are more than a quarter hour older than new ones.
    assert t.failed("tess", T0 + 20 * MINUTE) is None


def test_failures_spread_over_more_than_the_window_never_pause(store):
    t = Throttle(store, SIGN_IN)
    for i in range(12):
        assert t.failed("slow", T0 + i * 4 * MINUTE) is None  # one every four minutes: never five in 15


def test_a_success_or_a_reset_forgets_the_failures(store):
    t = Throttle(store, SIGN_IN)
    for i in range(4):
        t.failed("tess", T0 + i * MINUTE)
    t.clear("tess")
    assert t.failed("tess", T0 + 5 * MINUTE) is None


def test_keys_are_stored_as_digests_and_old_failures_are_dropped(store):
    Throttle(store, JOIN).failed("203.0.113.7", T0)
    Throttle(store, SIGN_IN).failed(name_key("  Tess Trainer "), T0 + timedelta(days=2))
    with store.engine.connect() as c:
        rows = c.execute(sa.text("SELECT scope, key FROM throttle_failures")).all()
    assert [r.scope for r in rows] == ["signin"]  # the join failure two days before went with the insert
    assert "tess" not in rows[0].key and len(rows[0].key) == 64


def _sign_in(client, name, password):
    return client.post("signin", data={"csrf": client.csrf, "name": name, "password": password})


def test_sign_in_pauses_a_name_after_five_failures_on_every_server_process(tmp_path, tiny_book, start_server):
    """Two `quizlib serve` processes on one database: failures on either count on both."""
    import httpx

    url = f"sqlite:///{tmp_path / 'course.sqlite3'}"
    a, b = start_server(tiny_book, url), start_server(tiny_book, url)
    store = Store(url)
    store.add_staff("Tess", "trainer", password_hash(), must_change_password=False)
    clients = [httpx.Client(base_url=s.url) for s in (a, b)]
    for c in clients:
        c.csrf = csrf_of(c.get("signin").text)
    for i in range(SIGN_IN.failures - 1):
        r = _sign_in(clients[i % 2], "Tess", "wrong password")
        assert r.status_code == 401 and "do not match" in r.text
    assert _sign_in(clients[1], "tess ", "wrong again").status_code == 429  # the fifth; case and spaces do not matter
    for c in clients:
        r = _sign_in(c, "Tess", PASSWORD)  # even the right password, until the pause is over
        assert r.status_code == 429 and "try again in 15 minutes" in r.text and "ask a course lead" in r.text
        assert 800 < int(r.headers["retry-after"]) <= 900
    # A quarter hour later (the failures moved back in time), the right password works and clears them.
    with Session(store.engine) as s, s.begin():
        for row in s.scalars(sa.select(ThrottleFailureRow)):
            row.at -= timedelta(minutes=16)
    assert _sign_in(clients[0], "Tess", PASSWORD).status_code == 303
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM throttle_failures")).scalar() == 0
    for c in clients:
        c.close()
    store.close()


def test_unknown_names_are_paused_the_same_way(live):
    with live.client() as c:
        c.csrf = csrf_of(c.get("signin").text)
        statuses = [_sign_in(c, "Nobody", "guess").status_code for _ in range(SIGN_IN.failures + 1)]
    assert statuses == [401] * (SIGN_IN.failures - 1) + [429, 429]


def test_joining_with_unknown_codes_pauses_the_address_not_the_cohort(live):
    trainer = live.store.add_staff("Tess", "trainer", "x")
    cohort = live.store.add_cohort("Spring", trainer.id)
    guesser = {"X-Forwarded-For": "203.0.113.7"}  # uvicorn trusts it from 127.0.0.1, as from a local proxy
    with live.client() as c:
        for i in range(JOIN.failures - 1):
            r = c.post("api/v1/join", json={"code": f"wrong{i}", "display_name": "Guess"}, headers=guesser)
            assert r.status_code == 404
        assert c.get("join/wrong-again", headers=guesser).status_code == 429  # the join page counts too
        r = c.post("api/v1/join", json={"code": cohort.code, "display_name": "Guess"}, headers=guesser)
        assert r.status_code == 429 and "Wait 15 minutes" in r.json()["error"] and int(r.headers["retry-after"]) > 800
        page = c.get(f"join/{cohort.code}", headers=guesser)
        assert page.status_code == 429 and "open the link from your trainer again" in page.text
        # Another address, a learner with the right link, joins as ever.
        r = c.post(
            "api/v1/join",
            json={"code": cohort.code, "display_name": "Bea"},
            headers={"X-Forwarded-For": "198.51.100.2"},
        )
        assert r.status_code == 201
    assert [l.display_name for l in live.store.learners()] == ["Bea"]
