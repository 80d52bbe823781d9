"""Forwarding stored statements to an external LRS (quizlib.results.forward), over real databases and a real
HTTP server playing the LRS, so that every answer an LRS can give is tried on purpose: refusals, failures,
redirects, things that are not an LRS. tests/test_forward_ralph.py forwards to a real LRS, Ralph.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa

from quizlib.quiz.score import full_credit_response
from quizlib.results import xapi
from quizlib.results.forward import Destination, ForwardConfigError, Forwarder, Settings, backoff
from quizlib.results.ingest import Ingestor
from quizlib.results.store import Store, make_engine, upgrade

QUIZLIB = str(Path(sys.executable).with_name("quizlib"))
HOME = "http://127.0.0.1:8000/"


# -- an LRS on 127.0.0.1 that answers as told --------------------------------------------------------------


class StandInLRS:
    """xAPI's POST /statements, kept in memory: a statement id is stored once, a resend of the same content
    is accepted (204 when every statement was already held), a different statement under a held id is a
    409. ``script`` holds answers to give instead, one per request, before behaving normally again.
    Records every request, and fails the test if two requests carrying the same statement overlap."""

    def __init__(self) -> None:
        self.held: dict[str, dict] = {}
        self.requests: list[dict] = []  # {"ids", "headers", "method", "path"}
        self.script: list[Callable[[BaseHTTPRequestHandler], bool]] = []
        self.delay = 0.0
        self.in_flight: Counter[str] = Counter()
        self.overlaps: list[str] = []
        self.lock = threading.Lock()
        lrs = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                lrs.requests.append({"method": "GET", "path": self.path, "ids": [], "headers": self.headers})
                self._answer(200, [])

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                ids = [s["id"] for s in body]
                with lrs.lock:
                    lrs.requests.append({"method": "POST", "path": self.path, "ids": ids, "headers": self.headers})
                    lrs.overlaps += [i for i in ids if lrs.in_flight[i]]
                    lrs.in_flight.update(ids)
                    scripted = lrs.script.pop(0) if lrs.script else None
                try:
                    time.sleep(lrs.delay)
                    if scripted is not None and scripted(self):  # answered; else it only did something
                        return
                    with lrs.lock:
                        for s in body:
                            if s["id"] in lrs.held and lrs.held[s["id"]] != s:
                                self._answer(
                                    409, {"detail": f"Differing statements already exist with the same ID: {s['id']}"}
                                )
                                return
                        new = [s for s in body if s["id"] not in lrs.held]
                        lrs.held.update({s["id"]: s for s in new})
                    if new:
                        self._answer(200, [s["id"] for s in new])
                    else:
                        self.send_response(204)
                        self.end_headers()
                finally:
                    with lrs.lock:
                        lrs.in_flight.subtract(ids)

            def _answer(self, status: int, data) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/xAPI/"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def posts(self) -> list[list[str]]:
        return [r["ids"] for r in self.requests if r["method"] == "POST"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def answer(status: int, body: bytes = b"", headers: dict | None = None):
    """A scripted answer for :class:`StandInLRS`."""

    def reply(handler: BaseHTTPRequestHandler) -> bool:
        handler.send_response(status)
        for k, v in (headers or {}).items():
            handler.send_header(k, v)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
        return True

    return reply


@pytest.fixture
def lrs():
    server = StandInLRS()
    yield server
    server.close()


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'course.sqlite3'}")
    s.upgrade()
    yield s
    s.close()


class Clock:
    """A clock the test moves, so backoffs are checked without waiting for them."""

    def __init__(self) -> None:
        self.t = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)


def learner_of(store: Store, name: str = "Bea"):
    trainer = store.add_staff(f"Trainer {uuid.uuid4().hex[:8]}", "trainer", "hash")
    cohort = store.add_cohort("Spring", trainer.id)
    return store.add_learner(cohort.id, name)[0]


def store_answers(store: Store, course, learner, n: int) -> list[str]:
    """``n`` answers by ``learner``, stored as the server stores them (checked, re-scored); their ids."""
    quiz = course.quiz("sensitivity")
    sent = []
    for i in range(n):
        q = quiz.questions[i % len(quiz.questions)]
        sent.append(
            xapi.answered(
                statement_id=str(uuid.uuid4()),
                actor=xapi.agent(learner.id, HOME),
                quiz_id=quiz.id,
                chapter=quiz.chapter,
                question_id=q.id,
                kind=q.kind,
                prompt=q.prompt,
                response=full_credit_response(q),
                try_number=1,
                attempt_id=str(uuid.uuid4()),
                credit=1,
                correct=True,
                final=True,
                when=datetime.now(UTC),
            )
        )
    ingestor = Ingestor(course, store, HOME)
    for i in range(0, n, 200):
        ingestor.accept(learner, sent[i : i + 200])
    return [s["id"] for s in sent]


def forwarder(store: Store, lrs: StandInLRS, now: Callable[[], datetime] | None = None, **settings) -> Forwarder:
    """A forwarder to ``lrs`` with short waits, a clock the test moves (unless ``now`` is given), and its log
    lines kept in ``.lines``."""
    lines: list[str] = []
    f = Forwarder(
        store,
        Destination.parse(lrs.url, "quizlib", "s3cret:with colon"),
        Settings(**{"first_backoff": 1.0, "max_backoff": 60.0, "timeout": 5.0, **settings}),
        log=lines.append,
        now=now or Clock(),
    )
    f.lines = lines  # type: ignore[attr-defined]
    return f


# -- what is sent, and how -------------------------------------------------------------------------------


def test_every_stored_statement_is_queued_with_it_and_sent_once_in_batches(store, course, lrs):
    learner = learner_of(store)
    ids = store_answers(store, course, learner, 120)
    assert store.outbox.state().pending == 120  # queued in the transaction that stored them
    f = forwarder(store, lrs)
    steps = [f.step() for _ in range(4)]
    assert [s.delivered for s in steps] == [50, 50, 20, 0]
    assert [len(p) for p in lrs.posts()] == [50, 50, 20]
    assert Counter(i for p in lrs.posts() for i in p) == Counter(ids)  # each once
    # What the LRS gets is the statement as stored, but for "stored", which an LRS sets itself.
    for stored in store.statements():
        sent = dict(lrs.held[stored.id])
        assert "stored" not in sent and sent == {k: v for k, v in stored.statement.items() if k != "stored"}
    headers = lrs.requests[0]["headers"]
    assert headers["X-Experience-API-Version"] == "1.0.3"
    assert headers["Content-Type"].startswith("application/json")
    assert base64.b64decode(headers["Authorization"].removeprefix("Basic ")) == b"quizlib:s3cret:with colon"
    assert lrs.requests[0]["path"] == "/xAPI/statements"
    state = store.outbox.state()
    assert (state.pending, state.forwarded, state.refused, state.failures) == (0, 120, 0, 0)
    assert state.last_success_at is not None and state.endpoint == lrs.url
    # New statements are picked up by the next step.
    more = store_answers(store, course, learner, 3)
    assert f.step().delivered == 3 and sorted(lrs.posts()[-1]) == sorted(more)


def test_a_statement_the_lrs_refuses_is_set_aside_and_the_rest_of_its_batch_goes(store, course, lrs):
    learner = learner_of(store)
    ids = store_answers(store, course, learner, 20)
    lrs.held[ids[13]] = {"id": ids[13], "verb": {"id": "http://example.org/other"}}  # the LRS knows another
    f = forwarder(store, lrs, batch_size=20)
    step = f.step()
    assert (step.claimed, step.delivered, step.refused, step.error) == (20, 19, 1, None)
    # Split in halves down to the one statement: 20 -> 10 + 10 -> 5 + 5 -> 2 + 3 -> 1 + 2 -> 1 + 1.
    assert len(lrs.posts()) <= 1 + 2 * 5
    assert set(lrs.held) == set(ids)
    state = store.outbox.state()
    assert (state.pending, state.refused, state.forwarded, state.failures) == (0, 1, 19, 0)
    [refused] = store.outbox.refused()
    assert refused.statement_id == ids[13] and refused.status == 409 and refused.verb == "answered"
    assert "409 Conflict" in refused.reason and "Differing statements already exist" in refused.reason
    assert any(ids[13] in line and "refused" in line for line in f.lines)  # type: ignore[attr-defined]
    # A refused statement is not sent again by itself...
    before = len(lrs.posts())
    assert f.step().claimed == 0 and len(lrs.posts()) == before
    # ... until the lead queues it again, once the LRS's copy is dealt with.
    del lrs.held[ids[13]]
    assert store.outbox.retry_refused() == 1
    assert f.step().delivered == 1 and lrs.posts()[-1] == [ids[13]]
    assert store.outbox.state().refused == 0 and store.outbox.refused() == []


def test_while_the_lrs_fails_the_statements_wait_and_the_waits_double_up_to_the_cap(store, course, lrs):
    learner = learner_of(store)
    ids = store_answers(store, course, learner, 30)
    clock = Clock()
    f = forwarder(store, lrs, now=clock, first_backoff=1.0, max_backoff=10.0)
    lrs.script = [answer(503, b'{"detail": "down for maintenance"}')] * 6
    waits = []
    for _ in range(6):
        step = f.step()
        assert step.delivered == 0 and step.error is not None and "503 Service Unavailable" in step.error
        assert "down for maintenance" in step.error
        waits.append(step.wait)
        # Before its time, no forwarder tries again: the step only says how long to wait.
        clock.advance(step.wait / 2)
        sent = len(lrs.posts())
        assert f.step().claimed == 0 and len(lrs.posts()) == sent
        clock.advance(step.wait / 2 + 0.001)
    for failures, wait in enumerate(waits, start=1):
        full = min(10.0, 2 ** (failures - 1))
        assert full / 2 <= wait <= full, (failures, waits)
    state = store.outbox.state()
    assert (state.pending, state.failures, state.forwarded) == (30, 6, 0)
    assert "503" in state.last_error and state.retry_at is not None
    assert sum("503" in line for line in f.lines) == 1  # type: ignore[attr-defined]  # said once, not each time
    # The LRS is back: everything goes, each statement once, and the state says so.
    assert f.step().delivered == 30
    assert Counter(i for p in lrs.posts() for i in p if i in lrs.held)[ids[0]] == 7  # sent 7 times, held once
    assert set(lrs.held) == set(ids)
    state = store.outbox.state()
    assert (state.pending, state.failures, state.retry_at, state.forwarded) == (0, 0, None, 30)
    assert state.last_error is not None  # the last problem stays on record, with its time
    assert any("works again" in line for line in f.lines)  # type: ignore[attr-defined]


def test_a_retry_after_from_the_lrs_is_honoured_up_to_the_cap(store, course, lrs):
    store_answers(store, course, learner_of(store), 2)
    clock = Clock()
    f = forwarder(store, lrs, now=clock, first_backoff=1.0, max_backoff=30.0)
    lrs.script = [answer(429, headers={"Retry-After": "20"}), answer(503, headers={"Retry-After": "3600"})]

    def retry_in() -> float:
        return (store.outbox.state().retry_at - clock()).total_seconds()

    step = f.step()
    assert "429 Too Many Requests" in step.error and 20 <= retry_in() <= 20.01
    # The thread wakes at least every 15 s meanwhile (to show the lead it is alive), and sends nothing early.
    assert step.wait == 15.0
    clock.advance(15)
    assert f.step().claimed == 0 and len(lrs.posts()) == 1
    clock.advance(6)
    f.step()
    assert retry_in() == pytest.approx(30.0)  # an hour asked for; the cap is 30 s


def test_the_waits_of_backoff():
    assert [backoff(n, 1.0, 300.0, rand=lambda: 1.0) for n in range(1, 12)] == [
        1,
        2,
        4,
        8,
        16,
        32,
        64,
        128,
        256,
        300,
        300,
    ]
    assert backoff(1, 1.0, 300.0, rand=lambda: 0.0) == 0.5
    assert backoff(10_000, 1.0, 300.0, rand=lambda: 0.0) == 150.0  # no overflow after a long outage


@pytest.mark.parametrize(
    ("reply", "says"),
    [
        (answer(401, b'{"detail": "Invalid authentication credentials"}'), "refused quizlib's credentials (401"),
        (answer(403), "refused quizlib's credentials (403 Forbidden"),
        (answer(404, b'{"detail": "Not Found"}'), "has no statements resource there (404 Not Found"),
        (answer(307, headers={"Location": "https://lrs.example.org/xAPI/statements"}), "redirects"),
        (answer(200, b"<html>Please sign in</html>"), "answered 200 but not as an xAPI LRS does"),
        (answer(200, b'["not-one-of-ours"]'), "answered 200 but not as an xAPI LRS does"),
        (answer(500, b"Internal Server Error"), "answered 500 Internal Server Error: Internal Server Error"),
    ],
    ids=["401", "403", "404", "redirect", "html", "other-ids", "500"],
)
def test_what_the_lead_reads_when_the_lrs_does_not_take_a_batch(store, course, lrs, reply, says):
    ids = store_answers(store, course, learner_of(store), 5)
    lrs.script = [reply]
    f = forwarder(store, lrs)
    step = f.step()
    assert step.delivered == 0 and step.refused == 0 and says in step.error
    state = store.outbox.state()
    assert (state.pending, state.refused, state.failures) == (5, 0, 1) and says in state.last_error
    assert [r["method"] for r in lrs.requests] == ["POST"]  # a redirect is not followed (nor turned into a GET)
    assert "s3cret" not in state.last_error
    assert lrs.held == {}
    # Nothing is lost: once the LRS answers properly, the same statements go.
    f.now.advance(120)  # type: ignore[attr-defined]
    assert f.step().delivered == 5 and set(lrs.held) == set(ids)


def test_an_lrs_that_cannot_be_reached_or_does_not_answer_in_time(store, course, lrs):
    store_answers(store, course, learner_of(store), 3)
    closed = StandInLRS()
    closed.close()  # nothing listens on its port now
    f = Forwarder(store, Destination.parse(closed.url), Settings(timeout=5), now=Clock())
    step = f.step()
    assert step.error.startswith(f"could not reach the LRS at {closed.url} (") and "refused" in step.error
    lrs.delay = 1.5
    slow = Forwarder(store, Destination.parse(lrs.url), Settings(timeout=0.5), now=Clock())
    step = slow.step()
    assert "could not reach the LRS" in step.error and "timed out" in step.error
    assert store.outbox.state().pending == 3


# -- several forwarders, crashes, leases -----------------------------------------------------------------


def test_two_forwarders_on_one_database_never_send_a_statement_twice(database_url, course, lrs):
    """As two server processes would: two stores (two connection pools) on one database, forwarding at once
    to a slow LRS. Each statement is sent exactly once, and never while another request carries it."""
    stores = [Store(database_url) for _ in range(2)]
    stores[0].upgrade()
    ids = store_answers(stores[0], course, learner_of(stores[0]), 200)
    lrs.delay = 0.02
    forwarders = [forwarder(s, lrs, now=lambda: datetime.now(UTC), batch_size=10) for s in stores]
    done = []

    def run(f: Forwarder) -> None:
        done.append(f.drain(timeout=60))

    threads = [threading.Thread(target=run, args=(f,)) for f in forwarders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=90)
    sent = Counter(i for p in lrs.posts() for i in p)
    assert sent == Counter(ids) and set(lrs.held) == set(ids)
    assert lrs.overlaps == []
    assert sum(done) == 200 and min(done) > 0  # both took part
    assert stores[0].outbox.state().forwarded == 200
    for s in stores:
        s.close()


def test_a_claim_is_a_lease_the_statements_of_a_forwarder_that_died_come_back(store, course, lrs):
    ids = store_answers(store, course, learner_of(store), 10)
    clock = Clock()
    dead = store.outbox.claim("a forwarder that died", 50, timedelta(seconds=40), clock())
    assert sorted(i.statement_id for i in dead) == sorted(ids) and all(i.attempts == 1 for i in dead)
    f = forwarder(store, lrs, now=clock)
    assert f.step().claimed == 0  # still held
    clock.advance(41)
    step = f.step()
    assert step.delivered == 10 and [sorted(p) for p in lrs.posts()] == [sorted(ids)]
    # The dead forwarder cannot delete what another has since claimed and sent.
    assert store.outbox.delivered("a forwarder that died", ids, clock()) == 0


def test_a_split_batch_holds_its_claim_and_gives_up_what_another_forwarder_took(store, course, lrs):
    """A batch the LRS refuses takes several requests; the claim is renewed before each, so no other forwarder
    takes the statements meanwhile, and if a request outlasted the claim, the statements another forwarder
    took since are left to it."""
    learner = learner_of(store)
    clock = Clock()
    f = forwarder(store, lrs, now=clock, batch_size=4, timeout=1.0)  # a lease of 12 s
    lease = f.settings.lease
    taken: list[list] = []

    def slow(seconds: float):
        def go(handler) -> bool:
            clock.advance(seconds)
            taken.append(store.outbox.claim("another", 50, lease, clock()))
            return False  # then answer as the LRS does

        return go

    # Each request takes 8 s; the claim, renewed before each, keeps "another" off the statements although
    # 40 s pass, more than three leases.
    first = sorted(store_answers(store, course, learner, 4))  # stored together: claimed in id order
    lrs.held[first[1]] = {"id": first[1], "other": True}  # the batch is refused, then split
    lrs.script = [slow(8)] * 5
    step = f.step()
    assert (step.claimed, step.delivered, step.refused) == (4, 3, 1)
    assert len(taken) == 5 and all(t == [] for t in taken)
    # A request outlasts the claim: "another" takes the statements meanwhile, and sends them; f leaves them.
    second = sorted(store_answers(store, course, learner, 4))
    lrs.held[second[0]] = {"id": second[0], "other": True}
    lrs.script = [slow(30)]
    step = f.step()
    assert (step.claimed, step.delivered, step.refused) == (4, 0, 0)
    assert sorted(i.statement_id for i in taken[-1]) == second
    assert len(lrs.posts()) == 5 + 1
    assert store.outbox.state().refused == 1


# -- the outbox and the learners' data -------------------------------------------------------------------


def test_deleting_a_learner_removes_their_statements_waiting_to_be_forwarded(store, course, lrs):
    bea, cy = learner_of(store, "Bea"), learner_of(store, "Cy")
    bea_ids = store_answers(store, course, bea, 5)
    cy_ids = store_answers(store, course, cy, 4)
    lrs.held[cy_ids[0]] = {"id": cy_ids[0], "other": True}  # one of Cy's will be refused, and kept
    f = forwarder(store, lrs, batch_size=3)
    f.step()  # three of Bea's go
    sent_before = set(lrs.posts()[0])
    assert len(sent_before) == 3 and sent_before < set(bea_ids)
    store.delete_learner(bea.id)
    while f.step().claimed:
        pass
    assert set(lrs.held) - {cy_ids[0]} == sent_before | set(cy_ids[1:])  # Bea's other two never left
    assert store.outbox.state().refused == 1
    store.delete_learner(cy.id)
    state = store.outbox.state()
    assert (state.pending, state.refused) == (0, 0) and store.outbox.refused() == []


def test_statements_stored_before_forwarding_existed_are_queued_by_the_upgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine, "0004")
    now = datetime.now(UTC)
    with engine.begin() as c:
        c.execute(sa.text("INSERT INTO staff VALUES ('s1', 'T', 'trainer', 'h', false, 0, :t, true)"), {"t": now})
        c.execute(sa.text("INSERT INTO cohorts VALUES ('c1', 'C', 'code', 's1', :t)"), {"t": now})
        c.execute(
            sa.text(
                "INSERT INTO learners (id, cohort_id, display_name, token_hash, created_at) "
                "VALUES ('l1', 'c1', 'L', 'tokenhash', :t)"
            ),
            {"t": now},
        )
        for i in range(3):
            c.execute(
                sa.text(
                    "INSERT INTO statements (id, learner_id, verb, quiz_id, attempt_id, timestamp, stored, detail, "
                    "received, statement) VALUES (:id, 'l1', 'answered', 'sensitivity', 'a1', :t, :t, '{}', '{}', "
                    ":s)"
                ),
                {"id": f"00000000-0000-4000-8000-00000000000{i}", "t": now + timedelta(seconds=i), "s": '{"id": 1}'},
            )
    engine.dispose()
    store = Store(url)
    store.upgrade()
    state = store.outbox.state()
    assert (state.pending, state.forwarded, state.failures) == (3, 0, 0)
    claimed = store.outbox.claim("f", 50, timedelta(seconds=10), datetime.now(UTC))
    assert [i.statement_id for i in claimed] == [f"00000000-0000-4000-8000-00000000000{i}" for i in range(3)]
    store.close()


# -- configuration ---------------------------------------------------------------------------------------


def test_the_lrs_address_and_credentials():
    d = Destination.parse("https://lrs.example.org/xAPI/", "me", "pw")
    assert (d.statements_url, d.endpoint, d.username, d.password) == (
        "https://lrs.example.org/xAPI/statements",
        "https://lrs.example.org/xAPI/",
        "me",
        "pw",
    )
    assert Destination.parse("https://lrs.example.org/xAPI").statements_url.endswith("/xAPI/statements")
    assert Destination.parse("https://lrs.example.org/xAPI/statements").endpoint == "https://lrs.example.org/xAPI/"
    in_url = Destination.parse("https://me:p%40ss@lrs.example.org:8443/data/xAPI/")
    assert (in_url.username, in_url.password) == ("me", "p@ss")
    assert "p@ss" not in in_url.statements_url and "me@" not in in_url.endpoint
    assert "pw" not in repr(d)
    assert Destination.parse("http://lrs.example.org/xAPI/", "me", "pw").sends_credentials_in_clear
    assert not Destination.parse("http://127.0.0.1:8100/xAPI/", "me", "pw").sends_credentials_in_clear
    for bad, says in [
        ("lrs.example.org/xAPI", "not an http:// or https:// URL"),
        ("ftp://lrs.example.org/", "not an http:// or https:// URL"),
        ("https://lrs.example.org/xAPI/?x=1", "query or fragment"),
        ("https://lrs.example.org:port/", "not a URL"),
    ]:
        with pytest.raises(ForwardConfigError, match=says):
            Destination.parse(bad)
    with pytest.raises(ForwardConfigError, match="password was given without a user name"):
        Destination.parse("https://lrs.example.org/xAPI/", None, "pw")
    with pytest.raises(ForwardConfigError, match="batch size must be from 1 to 1000"):
        Settings(batch_size=0)


@pytest.mark.slow  # runs the quizlib command in subprocesses
@pytest.mark.parametrize(
    ("args", "env", "says"),
    [
        (["--forward-lrs", "lrs.example.org"], {}, "--forward-lrs: the LRS address 'lrs.example.org' is not an http"),
        ([], {"QUIZLIB_FORWARD_LRS_URL": "ftp://x/"}, "$QUIZLIB_FORWARD_LRS_URL: the LRS address 'ftp://x/'"),
        (["--forward-lrs-auth", "me:pw"], {}, "--forward-lrs-auth needs --forward-lrs URL"),
        (["--forward-lrs", "https://x/", "--forward-lrs-auth", "me"], {}, "--forward-lrs-auth: expected USER:PASSWORD"),
        (["--forward-lrs", "https://x/"], {"QUIZLIB_FORWARD_LRS_PASSWORD": "pw"}, "$QUIZLIB_FORWARD_LRS_USER is not"),
        (["--forward-lrs", "https://x/", "--forward-batch-size", "5000"], {}, "--forward-batch-size must be from 1"),
        (["--forward-lrs", "https://x/", "--forward-timeout", "0"], {}, "--forward-timeout must be more than 0"),
    ],
)
def test_bad_forwarding_options_get_one_line_naming_the_option(tmp_path, args, env, says):
    import os

    clean = {k: v for k, v in os.environ.items() if not k.startswith("QUIZLIB_FORWARD_")}
    proc = subprocess.run(
        [QUIZLIB, "serve", "--book", str(tmp_path), "--database", f"sqlite:///{tmp_path / 'db.sqlite3'}", *args],
        check=False,
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=60,
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("quizlib serve: ") and says in proc.stderr and proc.stderr.count("\n") == 1


# -- what the course lead sees ---------------------------------------------------------------------------


def _lead_page_in_every_state(live, course, lrs, visit: Callable[[str], str]) -> None:
    """Take the forwarding page through its states, calling ``visit(label)`` on each; it returns the page's
    text. Checks what each state says."""
    store = live.store
    learner = learner_of(store)
    text = visit("off, nothing waiting")
    assert "Forwarding is off" in text and "Waiting to be sent 0" in " ".join(text.split())
    ids = sorted(store_answers(store, course, learner, 6))
    text = " ".join(visit("off, statements waiting").split())
    assert "Forwarding is off" in text and "Waiting to be sent 6 the oldest stored" in text
    f = forwarder(store, lrs, now=lambda: datetime.now(UTC), first_backoff=60)
    lrs.script = [answer(503, b'{"detail": "down for maintenance"}')]
    f.step()
    text = " ".join(visit("failing").split())
    assert "is failing" in text and "503 Service Unavailable: down for maintenance" in text
    assert "Next try at" in text and "1 in a row" in text
    lrs.held[ids[2]] = {"id": ids[2], "other": True}
    store.outbox.retry_now()
    f.step()
    text = " ".join(visit("a statement refused").split())
    assert "Statements are being sent to" in text and lrs.url in text
    assert "Sent, in all 5" in text and "Refused by the LRS 1" in text and ids[2] in text and "409 Conflict" in text
    assert "s3cret" not in text


@pytest.mark.server
def test_the_lead_sees_the_forwarding_state_and_queues_refused_statements_again(live, course, lrs):
    from server_fixtures import signed_in

    lead = signed_in(live, "Lee", "lead")

    def visit(label: str) -> str:
        r = lead.get("lead/forwarding")
        assert r.status_code == 200, label
        assert 'href="/lead/forwarding"' in r.text  # in the staff menu
        import re

        return re.sub(r"<[^>]+>", " ", r.text)

    _lead_page_in_every_state(live, course, lrs, visit)
    r = lead.post("lead/forwarding/retry", data={"csrf": lead.csrf})
    assert r.status_code == 303 and r.headers["location"] == "/lead/forwarding?done=retried&n=1"
    assert "1 refused statement queued again" in lead.get(r.headers["location"]).text
    assert live.store.outbox.state().refused == 0
    lead.close()


@pytest.mark.browser
def test_the_forwarding_page_passes_axe_in_every_state(page, live, course, lrs):
    from axe_playwright_python.sync_playwright import Axe
    from server_fixtures import PASSWORD, password_hash

    axe = Axe()
    live.store.add_staff("Lee", "lead", password_hash(), must_change_password=False)
    page.goto(live.url + "signin")
    page.get_by_label("Name").fill("Lee")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/trainer/")
    page.get_by_role("link", name="Forwarding to the LRS").click()  # reached from the staff menu
    found = {}

    def visit(label: str) -> str:
        page.goto(live.url + "lead/forwarding")
        result = axe.run(page)
        found[label] = [f"{v['id']}: {v['help']}" for v in result.response["violations"]]
        return page.inner_text("main")

    _lead_page_in_every_state(live, course, lrs, visit)
    # The refused statements are queued again by keyboard alone.
    page.get_by_role("button", name="Queue the refused statements again").focus()
    page.keyboard.press("Enter")
    page.get_by_role("status").wait_for()
    found["queued again"] = [f"{v['id']}: {v['help']}" for v in axe.run(page).response["violations"]]
    assert {k: v for k, v in found.items() if v} == {}


def test_every_forwarding_option_and_variable_is_in_the_readme():
    from quizlib.cli import build_parser

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    serve = next(a for a in build_parser()._actions if a.dest == "command").choices["serve"]
    options = [o for a in serve._actions for o in a.option_strings if o.startswith("--forward")]
    assert len(options) == 5
    for name in [*options, "QUIZLIB_FORWARD_LRS_URL", "QUIZLIB_FORWARD_LRS_USER", "QUIZLIB_FORWARD_LRS_PASSWORD"]:
        assert name in readme, name
