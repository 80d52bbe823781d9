"""An acknowledged answer survives kill -9 of the server: a real `quizlib serve` process on a SQLite file."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from quizlib.quiz.score import full_credit_response as _right
from quizlib.results import xapi
from quizlib.results.store import Store


def _statements(who: dict, course, attempt: str) -> list[dict]:
    quiz = course.quiz("sensitivity")
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
            attempt_id=attempt,
            credit=1,
            correct=True,
            final=True,
            when=datetime.now(UTC),
        )
        for q in quiz.questions
    ]


def test_an_acknowledged_answer_is_there_after_kill_9_and_a_restart(tmp_path, tiny_book, start_server, course):
    url = f"sqlite:///{tmp_path / 'course.sqlite3'}"
    server = start_server(tiny_book, url)
    store = Store(url)
    trainer = store.add_staff("Tess", "trainer", "x")
    cohort = store.add_cohort("Spring", trainer.id)
    status, who = server.request("POST", "api/v1/join", {"code": cohort.code, "display_name": "Bea"})
    assert status == 201
    acknowledged = []
    for _round in range(2):
        statements = _statements(who, course, str(uuid.uuid4()))
        for s in statements:
            status, body = server.request("POST", "api/v1/statements", s, token=who["token"])
            assert status == 200 and body == [s["id"]]
            acknowledged.append(s["id"])
        # Killed the moment the last answer is acknowledged: no shutdown code runs.
        server.kill9()
        server = start_server(tiny_book, url, port=server.port)
    assert store.statement_ids(acknowledged) == set(acknowledged)
    assert store.count_statements() == len(acknowledged)
    # The restarted server has them too, and a resend of the last one is recognised, not stored again.
    status, body = server.request("POST", "api/v1/statements", statements[-1], token=who["token"])
    assert status == 200 and store.count_statements() == len(acknowledged)
    status, me = server.request("GET", "api/v1/me", token=who["token"])
    assert status == 200 and me["learner"]["display_name"] == "Bea"
    store.close()
