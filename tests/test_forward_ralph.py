"""Forwarding to a real LRS: Ralph (tests/ralph_lrs.py), started by the tests on 127.0.0.1.

The end-to-end test runs two ``quizlib serve`` processes on one database while learners answer through the
API; Ralph is killed (kill -9) in the middle of forwarding and brought back, then one server process is
killed in the middle of forwarding and restarted. Every statement arrives once: Ralph's file holds each
stored statement's id exactly once, with the content quizlib stored.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from ralph_lrs import RalphLRS

from quizlib.quiz.score import full_credit_response
from quizlib.results import xapi
from quizlib.results.forward import Destination, Forwarder, Settings
from quizlib.results.ingest import Ingestor
from quizlib.results.store import Store
from quizlib.results.store.rows import StatementRow

pytestmark = [pytest.mark.lrs, pytest.mark.slow]
# Fields an LRS keeps as sent (Ralph compares these for a resend; it sets stored and authority itself).
KEPT = ("id", "actor", "verb", "object", "result", "context", "timestamp", "version")


@pytest.fixture
def ralph(tmp_path):
    lrs = RalphLRS(tmp_path / "ralph").start()
    yield lrs
    lrs.stop()


def answers(who: dict, course, n: int) -> list[dict]:
    quiz = course.quiz("sensitivity")
    out = []
    for i in range(n):
        q = quiz.questions[i % len(quiz.questions)]
        out.append(
            xapi.answered(
                statement_id=str(uuid.uuid4()),
                actor=xapi.agent(who["learner_id"], who["home_page"]),
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
    return out


def wait_for(what: str, test, timeout: float = 120.0, every: float = 0.1, why=lambda: ""):
    deadline = time.monotonic() + timeout
    while not (result := test()):
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}\n{why()}")
        time.sleep(every)
    return result


def assert_every_statement_arrived_once(store: Store, ralph: RalphLRS) -> None:
    stored = {s.id: s.statement for s in store.statements()}
    held = ralph.statements()
    counts = Counter(s["id"] for s in held)
    assert {i: n for i, n in counts.items() if n != 1} == {}  # none twice
    assert set(counts) == set(stored)  # none missing, none extra
    for s in held:
        assert {k: s.get(k) for k in KEPT} == {k: stored[s["id"]].get(k) for k in KEPT}


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_every_statement_arrives_once_though_the_lrs_and_a_server_are_killed_mid_forwarding(
    database, tmp_path, tiny_book, start_server, course, ralph, request
):
    url = (
        f"sqlite:///{tmp_path / 'course.sqlite3'}"
        if database == "sqlite"
        else request.getfixturevalue("postgres").create_database()
    )
    options = [
        "--forward-lrs",
        ralph.endpoint,
        "--forward-lrs-auth",
        f"{ralph.user}:{ralph.password}",
        "--forward-batch-size",
        "20",
        "--forward-timeout",
        "3",  # a lease of 16 s: the statements a killed server held come back after that
        "--forward-max-backoff",
        "2",
    ]
    servers = [start_server(tiny_book, url, args=options)]
    store = Store(url)
    servers.append(start_server(tiny_book, url, args=options))
    trainer = store.add_staff("Tess", "trainer", "x")
    cohort = store.add_cohort("Spring", trainer.id)
    learners = []
    for i, name in enumerate(("Bea", "Cy", "Dee")):
        status, who = servers[i % 2].request("POST", "api/v1/join", {"code": cohort.code, "display_name": name})
        assert status == 201
        learners.append(who)

    def why() -> str:
        return (
            f"{store.outbox.state()}\nRalph holds {len(ralph.statements())}; Ralph said:\n{ralph.output()}\n"
            + "\n".join(f"server {i} said:\n{s.stderr()[-3000:]}" for i, s in enumerate(servers))
        )

    def answer(rounds: int) -> None:
        for r in range(rounds):
            for i, who in enumerate(learners):
                batch = answers(who, course, 20)
                status, _ = servers[(r + i) % 2].request("POST", "api/v1/statements", batch, token=who["token"])
                assert status == 200

    # Learners answer; forwarding runs alongside. Ralph is killed while statements are on their way.
    answer(4)
    wait_for("Ralph to hold some statements", lambda: len(ralph.statements()) >= 60, why=why)
    # On a busy machine forwarding may have caught up by now: a last round puts statements on their way.
    answer(1)
    assert store.outbox.state().pending > 0  # mid-forwarding
    ralph.kill9()
    repairs = ralph.recover_after_kill()
    answer(4)  # learners go on answering while the LRS is down
    wait_for("the servers to notice", lambda: store.outbox.state().failures >= 1, why=why)
    waiting = store.outbox.state().pending
    assert waiting > 0

    # Ralph comes back on its port with its data; forwarding resumes by itself.
    ralph.start()
    before = len(ralph.statements())
    wait_for("forwarding to resume", lambda: len(ralph.statements()) >= before + 40, every=0.02, why=why)
    # A server is killed in the middle of forwarding, then restarted on the same database.
    assert store.outbox.state().pending > 0
    servers[0].kill9()
    servers[0] = start_server(tiny_book, url, args=options)
    answer(1)
    wait_for("the outbox to empty", lambda: store.outbox.state().pending == 0, timeout=180, every=0.5, why=why)

    total = 3 * 20 * 10
    assert store.count_statements() == total
    assert_every_statement_arrived_once(store, ralph)
    state = store.outbox.state()
    assert (state.forwarded, state.refused, state.failures, state.retry_at) == (total, 0, 0, None)
    assert state.last_error is not None and "could not reach the LRS" in state.last_error
    for server in servers:
        assert "quizlib: forwarding every stored statement to the LRS at " + ralph.endpoint in server.stderr()
    print(f"\n{database}: {waiting} statements waited while Ralph was down; Ralph repaired: {repairs or 'nothing'}")
    for s in servers:
        s.stop()
    store.close()


def test_ralph_takes_a_resend_and_refuses_another_statement_under_a_known_id(tmp_path, course, ralph):
    """What forwarding relies on, with the real LRS: a statement sent again is accepted and stored once; a
    different statement under an id the LRS holds is refused (409), kept for the lead, and does not hold back
    the others; wrong credentials are a problem to wait out, not a refusal."""
    store = Store(f"sqlite:///{tmp_path / 'course.sqlite3'}")
    store.upgrade()
    trainer = store.add_staff("Tess", "trainer", "x")
    learner = store.add_learner(store.add_cohort("Spring", trainer.id).id, "Bea")[0]
    who = {"learner_id": learner.id, "home_page": "http://127.0.0.1:8000/"}
    Ingestor(course, store, who["home_page"]).accept(learner, answers(who, course, 30))
    settings = Settings(batch_size=8, timeout=10)
    wrong = Forwarder(store, Destination.parse(ralph.endpoint, ralph.user, "not the password"), settings)
    step = wrong.step()
    assert step.delivered == 0 and "refused quizlib's credentials (401 Unauthorized" in step.error
    assert store.outbox.state().refused == 0
    forwarder = Forwarder(store, Destination.parse(ralph.endpoint, ralph.user, ralph.password), settings)
    assert forwarder.drain(timeout=60) == 30
    assert_every_statement_arrived_once(store, ralph)

    # Everything queued again, as after a crash between sending and recording: Ralph has them, so says 204.
    changed = sorted(s.id for s in store.statements())[:8]
    with store.engine.begin() as c:
        c.execute(
            sa.text(
                "INSERT INTO lrs_outbox (statement_id, queued_at, state, attempts) "
                "SELECT id, stored, 'pending', 0 FROM statements"
            )
        )
        # One statement's content changed under its id: Ralph holds the other one.
        statement = dict(store.statement(changed[3]).statement)
        statement["result"] = {**statement["result"], "success": not statement["result"]["success"]}
        c.execute(sa.update(StatementRow).where(StatementRow.id == changed[3]).values(statement=statement))
    assert forwarder.drain(timeout=60) == 29
    [refused] = store.outbox.refused()
    assert refused.statement_id == changed[3] and refused.status == 409
    assert "Differing statements already exist with the same ID" in refused.reason
    assert len(ralph.statements()) == 30  # nothing stored twice
    state = store.outbox.state()
    assert (state.pending, state.refused, state.forwarded) == (0, 1, 59)
    store.close()


def test_the_forwarding_figures_against_ralph_are_printed(tmp_path):
    """benchmarks/forward.py runs (with a small size) and prints statements per second."""
    import re
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run(
        [sys.executable, str(root / "benchmarks" / "forward.py"), "--statements", "200"],
        check=False,
        capture_output=True,
        text=True,
        cwd=root,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert re.search(r"[\d,.]+ statements/s", proc.stdout), proc.stdout
