"""The live-Jupyter front records results too: a QuizWidget in a real kernel (nbclient), a Recorder, and a real
`quizlib serve` that is stopped mid-quiz and restarted. Nothing is lost or doubled; a refused statement is
set aside without blocking the rest.
"""

from __future__ import annotations

import json

import nbformat
import pytest
from nbclient import NotebookClient
from server_fixtures import ROOT

from quizlib.quiz import score
from quizlib.results.store import Store

pytestmark = pytest.mark.kernel

QUIZ = "sensitivity"

SETUP = """
import json
from pathlib import Path
from quizlib.course import quizzes as load_course
from quizlib.results.recorder import Recorder
from quizlib.fronts.widgets import QuizWidget
from quizlib.quiz.score import full_credit_response as _right

course = load_course(Path({root!r}))
recorder = Recorder.join({server!r}, {code!r}, "Wid", credentials=Path({creds!r}), outbox=Path({outbox!r}))
widget = QuizWidget(course, {quiz!r})
widget.on(recorder)

def answer(qw, response):
    if qw.question.kind == "vignette":
        for option in response:
            qw.decide(option)
    else:
        qw.set_response(response)
        qw.check()

first = next(qw for qw in widget.questions if qw.question.kind == "single_choice")
wrong = next(o.id for o in first.question.options if not o.correct)
answer(first, wrong)  # a wrong first try
half = len(widget.questions) // 2
for qw in widget.questions[:half]:
    answer(qw, _right(qw.question))
print(json.dumps({{"pending": recorder.pending(), "registrations": recorder.registrations}}))
"""

WHILE_DOWN = """
for qw in widget.questions[half:]:
    answer(qw, _right(qw.question))
print(json.dumps({"pending": recorder.pending(), "complete": widget.result().complete}))
"""

BACK_UP = """
sent = recorder.flush()
print(json.dumps({"sent": sent, "pending": recorder.pending(), "attempt": widget.attempt_id,
                  "percentage": widget.result().percentage}))
"""


def _output(cell) -> dict:
    text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
    return json.loads(text.strip().splitlines()[-1])


def test_a_widget_in_a_real_kernel_records_through_a_server_restart(tmp_path, tiny_book, start_server, course):
    url = f"sqlite:///{tmp_path / 'course.sqlite3'}"
    server = start_server(tiny_book, url)
    store = Store(url)
    trainer = store.add_staff("Tess", "trainer", "x")
    cohort = store.add_cohort("Spring", trainer.id)
    quiz = course.quiz(QUIZ)
    assignment = store.add_assignment(
        cohort.id,
        title="Sensitivity",
        chapters=[quiz.chapter],
        quiz_ids=[QUIZ],
        include_final=False,
        pass_mark=50,
        due_date=None,
    )
    outbox = tmp_path / "outbox"
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            SETUP.format(
                root=str(ROOT),
                server=server.url,
                code=cohort.code,
                creds=str(tmp_path / "creds.json"),
                outbox=str(outbox),
                quiz=QUIZ,
            )
        ),
        nbformat.v4.new_code_cell(WHILE_DOWN),
        nbformat.v4.new_code_cell(BACK_UP),
    ]
    client = NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    with client.setup_kernel():
        client.execute_cell(nb.cells[0], 0)
        first = _output(nb.cells[0])
        assert first["pending"] == 0  # sent as they were made
        assert first["registrations"] == {QUIZ: assignment.id}

        server.stop()
        client.execute_cell(nb.cells[1], 1)
        down = _output(nb.cells[1])
        assert down["complete"] is True
        assert down["pending"] >= len(quiz.questions) - len(quiz.questions) // 2  # waiting on disk
        assert len(list(outbox.glob("*.json"))) == down["pending"]

        server = start_server(tiny_book, url, port=server.port)
        client.execute_cell(nb.cells[2], 2)
        up = _output(nb.cells[2])
    assert up["pending"] == 0 and up["sent"] == down["pending"]

    answered = store.statements(verb="answered")
    tries = {}
    for s in answered:
        tries.setdefault(s.question_id, []).append(s.try_number)
    first_q = next(q for q in quiz.questions if q.kind == "single_choice")
    assert sorted(tries[first_q.id]) == [1, 2]
    for q in quiz.questions:
        assert q.id in tries, q.id
    [done] = store.statements(verb="completed")
    assert done.attempt_id == up["attempt"] and done.percentage == up["percentage"]
    assert done.registration == assignment.id
    expected = score.score_quiz(
        quiz, {k: v for k, v in done.statement["result"]["extensions"]["urn:quizlib:xapi:answers"].items()}
    )
    assert done.percentage == expected.percentage
    assert len(store.statements(verb="passed")) + len(store.statements(verb="failed")) == 1
    assert not (outbox / "rejected").exists()
    store.close()


def test_a_refused_statement_is_set_aside_and_the_rest_are_sent(tmp_path, tiny_book, start_server, course):
    from quizlib.results.recorder import Recorder

    url = f"sqlite:///{tmp_path / 'course.sqlite3'}"
    server = start_server(tiny_book, url)
    store = Store(url)
    cohort = store.add_cohort("Spring", store.add_staff("Tess", "trainer", "x").id)
    recorder = Recorder.join(server.url, cohort.code, "Cy", credentials=tmp_path / "c.json", outbox=tmp_path / "out")
    assert (tmp_path / "c.json").stat().st_mode & 0o777 == 0o600
    quiz = course.quiz(QUIZ)
    q = quiz.questions[0]
    good = {
        "type": "answered",
        "question": q,
        "response": next(o.id for o in q.options if o.correct),
        "result": score.score_response(q, next(o.id for o in q.options if o.correct), quiz.settings),
        "outcome": score.outcome(q, [next(o.id for o in q.options if o.correct)], quiz.settings),
        "try_number": 1,
        "quiz": quiz,
        "quiz_id": QUIZ,
        "chapter": quiz.chapter,
        "attempt_id": "7d7c2c1e-0d0b-4bde-9b8e-2f3f6c1f3a11",
        "seed": 1,
    }
    bad = dict(good, try_number=99)  # more tries than the quiz allows: refused for good
    server.stop()
    recorder(good)
    recorder(bad)
    recorder(dict(good))
    assert recorder.pending() == 3
    server = start_server(tiny_book, url, port=server.port)
    assert recorder.flush() == 2
    assert recorder.pending() == 0
    [aside] = list((tmp_path / "out" / "rejected").glob("*.json"))
    assert "allows 2 tries" in json.loads(aside.read_text())["reason"]
    assert store.count_statements("answered") == 2
    store.close()
