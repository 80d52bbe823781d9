"""Several server processes on one PostgreSQL database: they start together and share every learner."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

import httpx
from server_fixtures import PASSWORD, ServerProcess, csrf_of, password_hash

from quizlib.quiz.score import full_credit_response as _right
from quizlib.results import xapi
from quizlib.results.store import Store, current_revision, head_revision


def _answers(who: dict, course, n: int) -> list[dict]:
    quiz = course.quiz("sensitivity")
    q = quiz.questions[0]
    return [
        xapi.answered(
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
        for _ in range(n)
    ]


def test_two_servers_start_together_on_a_new_database_and_share_a_learner(postgres, tiny_book, course):
    url = postgres.create_database()
    # Both start at once on an empty database: the advisory lock lets one migrate while the other waits.
    servers = [ServerProcess(tiny_book, url), ServerProcess(tiny_book, url)]
    starters = [threading.Thread(target=s.start) for s in servers]
    try:
        for t in starters:
            t.start()
        for t in starters:
            t.join(timeout=90)
        assert all(s.url for s in servers), [s.stderr() for s in servers]
        store = Store(url)
        assert current_revision(store.engine) == head_revision()

        trainer = store.add_staff("Tess", "trainer", password_hash(), must_change_password=False)
        cohort = store.add_cohort("Spring", trainer.id)
        status, who = servers[0].request("POST", "api/v1/join", {"code": cohort.code, "display_name": "Bea"})
        assert status == 201

        # The same learner sends to both servers at the same time, as behind a load balancer.
        batches = [_answers(who, course, 20) for _ in range(4)]
        results: list[tuple[int, object]] = []

        def send(server, batch):
            for s in batch:
                results.append(server.request("POST", "api/v1/statements", s, token=who["token"]))

        senders = [threading.Thread(target=send, args=(servers[i % 2], b)) for i, b in enumerate(batches)]
        for t in senders:
            t.start()
        for t in senders:
            t.join(timeout=120)
        assert [code for code, _ in results] == [200] * 80
        everything = [s["id"] for b in batches for s in b]
        assert store.statement_ids(everything) == set(everything)
        # A resend to the other server is recognised: stored once.
        for s in batches[0][:5]:
            assert servers[1].request("POST", "api/v1/statements", s, token=who["token"])[0] == 200
        assert store.count_statements() == 80
        # Both report the same progress from the shared database.
        assert servers[0].request("GET", "api/v1/me", token=who["token"]) == servers[1].request(
            "GET", "api/v1/me", token=who["token"]
        )

        # A staff session signed by one process is good on the other: the key is in the database.
        with httpx.Client(base_url=servers[0].url) as a:
            csrf = csrf_of(a.get("signin").text)
            assert a.post("signin", data={"csrf": csrf, "name": "Tess", "password": PASSWORD}).status_code == 303
            cookies = dict(a.cookies)
        with httpx.Client(base_url=servers[1].url, cookies=cookies) as b:
            page = b.get(f"trainer/cohorts/{cohort.id}")
            assert page.status_code == 200 and "Bea" in page.text
        store.close()
    finally:
        for s in servers:
            s.stop()
