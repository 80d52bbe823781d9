"""The learners' API, over real HTTP: join, statements (re-scored, idempotent, all or none), me; bad requests."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

import pytest
from ralph.models.xapi.base.statements import BaseXapiStatement
from server_fixtures import join

from quizlib.quiz import draw, score
from quizlib.quiz.score import full_credit_response as _right
from quizlib.results import xapi


def _wrong(q):
    if q.kind == "single_choice":
        return next(o.id for o in q.options if not o.correct)
    if q.kind == "true_false":
        return not q.answer
    raise AssertionError(f"no wrong answer helper for {q.kind}")


def answered(who: dict, quiz, q, response, *, try_number=1, attempt=None, registration=None, seed=None, credit=0.0):
    return xapi.answered(
        statement_id=str(uuid.uuid4()),
        actor=xapi.agent(who["learner_id"], who["home_page"]),
        quiz_id=quiz.id,
        chapter=quiz.chapter,
        question_id=q.id,
        kind=q.kind,
        prompt=q.prompt,
        response=response,
        try_number=try_number,
        attempt_id=attempt or str(uuid.uuid4()),
        credit=credit,
        correct=credit == 1,
        final=True,
        when=datetime.now(UTC),
        registration=registration,
        seed=seed,
    )


def completed(who: dict, quiz, answers, *, attempt, registration=None, seed=None, claim=100.0):
    return xapi.finished(
        verb="completed",
        statement_id=str(uuid.uuid4()),
        actor=xapi.agent(who["learner_id"], who["home_page"]),
        quiz_id=quiz.id,
        chapter=quiz.chapter,
        title=quiz.title,
        answers=answers,
        points=1,
        max_points=1,
        percentage=claim,
        passed=True,
        complete=True,
        attempt_id=attempt,
        when=datetime.now(UTC),
        registration=registration,
        seed=seed,
    )


@pytest.fixture
def cohort(live):
    trainer = live.store.add_staff("Tess", "trainer", "x")
    return live.store.add_cohort("Spring", trainer.id)


@pytest.fixture
def learner(live, cohort):
    who = join(live, cohort.code)
    client = live.client()
    client.headers["Authorization"] = f"Bearer {who['token']}"
    who["client"] = client
    yield who
    client.close()


def post(who, body, **kw):
    return who["client"].post("api/v1/statements", json=body, **kw)


def test_config_says_a_quizlib_server_is_here(live):
    with live.client() as c:
        r = c.get("api/v1/config")
    assert r.status_code == 200 and r.json()["server"] == "quizlib"
    assert r.headers["cache-control"] == "no-store"


def test_joining_needs_a_known_code_and_a_name(live, cohort):
    with live.client() as c:
        r = c.post("api/v1/join", json={"code": "nope", "display_name": "Bea"})
        assert r.status_code == 404 and "check the link" in r.json()["error"]
        r = c.post("api/v1/join", json={"code": cohort.code, "display_name": "  "})
        assert r.status_code == 400 and "display_name" in r.json()["error"]
        r = c.post("api/v1/join", json={"code": cohort.code, "display_name": "Bea"})
        assert r.status_code == 201
    who = r.json()
    assert live.store.learner(who["learner_id"]).display_name == "Bea"
    assert live.store.learner(who["learner_id"]).email is None


def test_the_join_page_is_served_for_a_known_code_only(live, cohort):
    with live.client() as c:
        page = c.get(f"join/{cohort.code}")
        assert page.status_code == 200
        assert '<label for="display-name">' in page.text and "<main" in page.text
        assert c.get("join/unknown").status_code == 404


def test_the_server_rescores_answers_and_never_trusts_the_clients_score(live, learner, course):
    quiz = course.quiz("sensitivity")
    q = quiz.questions[0]
    lying = answered(learner, quiz, q, _wrong(q), credit=1.0)  # a wrong answer that claims full credit
    modest = answered(learner, quiz, q, _right(q), credit=0.0)  # a right one that claims none
    r = post(learner, [lying, modest])
    assert r.status_code == 200 and r.json() == [lying["id"], modest["id"]]
    stored_lie = live.store.statement(lying["id"])
    stored_modest = live.store.statement(modest["id"])
    assert stored_lie.credit == 0.0 and stored_lie.statement["result"]["score"]["scaled"] == 0.0
    assert stored_lie.statement["result"]["success"] is False
    assert stored_modest.credit == 1.0 and stored_modest.statement["result"]["success"] is True
    for s in (stored_lie, stored_modest):
        BaseXapiStatement.model_validate(s.statement)


def test_a_finished_quiz_is_judged_by_the_assignments_pass_mark(live, cohort, learner, course):
    quiz = course.quiz("sensitivity")
    strict = live.store.add_assignment(
        cohort.id,
        title="Strict",
        chapters=[quiz.chapter],
        quiz_ids=[quiz.id],
        include_final=False,
        pass_mark=100,
        due_date=date(2000, 1, 1),
    )
    attempt = str(uuid.uuid4())
    answers, sent = {}, []
    for i, q in enumerate(quiz.questions):
        # Every answer right but the first, which is wrong on every try.
        tries = (
            [_wrong(q)] * quiz.settings.tries if i == 0 and q.kind in ("single_choice", "true_false") else [_right(q)]
        )
        answers[q.id] = {"tries": tries, "revealed": False}
        for n, response in enumerate(tries, start=1):
            sent.append(answered(learner, quiz, q, response, try_number=n, attempt=attempt, registration=strict.id))
    done = completed(learner, quiz, answers, attempt=attempt, registration=strict.id, claim=100.0)
    r = post(learner, sent + [done])
    assert r.status_code == 200, r.text
    expected = score.score_quiz(quiz, answers)
    stored = live.store.statement(done["id"])
    assert stored.percentage == expected.percentage < 100
    assert stored.passed is False
    verdicts = live.store.statements(verb="failed")
    assert len(verdicts) == 1 and verdicts[0].statement["result"]["success"] is False
    assert verdicts[0].registration == strict.id
    for s in live.store.statements():
        BaseXapiStatement.model_validate(s.statement)
    # Sending the same statements again changes nothing, not even the derived verdict.
    assert post(learner, sent + [done]).status_code == 200
    assert live.store.count_statements() == len(sent) + 2
    me = learner["client"].get("api/v1/me").json()
    [a] = me["assignments"]
    assert a["registration"] == strict.id and a["due"] == "2000-01-01" and a["overdue"] is True
    assert a["quizzes"][0]["finished"] is True and a["quizzes"][0]["passed"] is False
    assert a["progress"] == {"passed": 0, "total": 1, "started": True, "finished": True, "passed_all": False}


def test_the_same_statement_twice_is_stored_once_and_a_changed_one_is_a_conflict(live, learner, course):
    quiz = course.quiz("sensitivity")
    q = quiz.questions[0]
    s = answered(learner, quiz, q, _right(q))
    assert post(learner, s).status_code == 200
    assert post(learner, s).status_code == 200
    assert live.store.count_statements() == 1
    changed = dict(s, result={**s["result"], "extensions": {xapi.EXT_RESPONSE: _wrong(q)}})
    r = post(learner, changed)
    assert r.status_code == 409 and s["id"] in r.json()["error"]
    assert live.store.statement(s["id"]).credit == 1.0


def test_a_batch_is_stored_whole_or_not_at_all(live, learner, course):
    quiz = course.quiz("sensitivity")
    q = quiz.questions[0]
    good = answered(learner, quiz, q, _right(q))
    bad = answered(learner, quiz, q, _right(q))
    bad["object"]["id"] = xapi.question_iri(quiz.id, "no-such-question")
    r = post(learner, [good, bad])
    assert r.status_code == 422
    body = r.json()
    assert body["errors"][0]["index"] == 1 and body["errors"][0]["id"] == bad["id"]
    assert "no-such-question" in body["error"] and "nothing was stored" in body["error"]
    assert live.store.count_statements() == 0


def test_the_final_assessment_takes_no_statement_the_server_did_not_make(live, learner, course):
    """The final is summative: its attempts are started and scored by the server (tests/test_attempts.py), so a
    client's statement for it is refused, naming the field: a seed the server never issued, no seed, or (for an
    attempt it did start) any statement at all, which it makes itself when the attempt is submitted."""
    final = course.quiz("final")
    shown = draw.draw_questions(final, course.quizzes, 424242)
    q = shown[-1]
    r = post(learner, answered(learner, final, q, _right(q), seed=424242))
    assert r.status_code == 422 and "not one the server issued" in r.json()["error"]
    assert r.json()["errors"][0]["path"] == f"context.extensions[{xapi.EXT_SEED}]"
    r = post(learner, answered(learner, final, q, _right(q)))
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == f"context.extensions[{xapi.EXT_SEED}]"
    started = learner["client"].post("api/v1/attempts", json={"quiz_id": "final"}).json()
    seed = live.store.attempt(started["id"]).seed
    issued = draw.draw_questions(final, course.quizzes, seed)[0]
    r = post(learner, answered(learner, final, issued, _right(issued), seed=seed, attempt=started["id"]))
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "verb.id"
    assert f"api/v1/attempts/{started['id']}/submit" in r.json()["error"]
    assert live.store.count_statements() == 0


# -- bad requests: a 4xx with a reason, never a 5xx --------------------------------------------------------


def _bad_cases(learner, other, course, cohort_registration):
    quiz = course.quiz("sensitivity")
    q = quiz.questions[0]

    def stmt(**change):
        s = answered(learner, quiz, q, _right(q))
        for path, value in change.items():
            target = s
            keys = path.split(".")
            for k in keys[:-1]:
                target = target[k]
            target[keys[-1]] = value
        return s

    tf = next((x for x in quiz.questions if x.kind == "single_choice"), q)
    unfinished = completed(learner, quiz, {}, attempt=str(uuid.uuid4()))
    passed = completed(
        learner,
        quiz,
        {x.id: {"tries": [_right(x)], "revealed": False} for x in quiz.questions},
        attempt=str(uuid.uuid4()),
    )
    passed["verb"] = {"id": xapi.VERBS["passed"]}
    return {
        "malformed JSON": (
            {"content": b'{"id": ', "headers": {"Content-Type": "application/json"}},
            400,
            "not valid JSON",
        ),
        "NaN is not JSON": (
            {"content": b'[{"x": NaN}]', "headers": {"Content-Type": "application/json"}},
            400,
            "not valid JSON",
        ),
        "not UTF-8": ({"content": b"\xff\xfe", "headers": {"Content-Type": "application/json"}}, 400, "UTF-8"),
        "nested too deeply": (
            {"content": b"[" * 100_000 + b"]" * 100_000, "headers": {"Content-Type": "application/json"}},
            400,
            "nested too deeply",
        ),
        "a NUL character": ({"json": stmt(**{"result.extensions": {xapi.EXT_RESPONSE: "a\x00b"}})}, 400, "NUL"),
        "an unpaired surrogate": (
            {"content": b'{"id": "\\ud800"}', "headers": {"Content-Type": "application/json"}},
            400,
            "surrogate",
        ),
        "a number too large": (
            {"content": b'{"id": 1e400}', "headers": {"Content-Type": "application/json"}},
            400,
            "too large",
        ),
        "wrong content type": ({"content": b"{}", "headers": {"Content-Type": "text/plain"}}, 415, "application/json"),
        "a string, not a statement": ({"json": "hello"}, 400, "expected a statement"),
        "an empty list": ({"json": []}, 400, "empty"),
        "too many statements": ({"json": [stmt() for _ in range(201)]}, 413, "at most 200"),
        "oversized body": ({"json": [stmt(**{"result.extensions": {xapi.EXT_RESPONSE: "x" * 300_000}})]}, 413, "limit"),
        "oversized, streamed without a length": (
            {
                "content": iter([b"[" + b" " * 200_000, b" " * 200_000 + b"]"]),
                "headers": {"Content-Type": "application/json"},
            },
            413,
            "limit",
        ),
        "try number as text": ({"json": stmt(**{f"context.extensions.{xapi.EXT_TRY}": "2"})}, 400, "whole number"),
        "id not a UUID": ({"json": stmt(id="statement-1")}, 400, "UUID"),
        "unknown quiz": (
            {
                "json": stmt(
                    **{
                        "object.id": xapi.question_iri("no-such-quiz", q.id),
                        "context.contextActivities.parent": [{"id": xapi.quiz_iri("no-such-quiz")}],
                    }
                )
            },
            422,
            "no quiz 'no-such-quiz'",
        ),
        "unknown question": (
            {"json": stmt(**{"object.id": xapi.question_iri(quiz.id, "nope")})},
            422,
            "no question 'nope'",
        ),
        "response of the wrong type": (
            {"json": stmt(**{"result.extensions": {xapi.EXT_RESPONSE: ["a", "b"]}})}
            if tf.kind == "single_choice"
            else {"json": stmt(**{"result.extensions": {xapi.EXT_RESPONSE: "maybe"}})},
            422,
            "does not fit",
        ),
        "too many tries": (
            {"json": stmt(**{f"context.extensions.{xapi.EXT_TRY}": quiz.settings.tries + 1})},
            422,
            "allows",
        ),
        "another learner's actor": (
            {"json": stmt(actor=xapi.agent(other["learner_id"], other["home_page"]))},
            403,
            "another learner",
        ),
        "a verdict from the client": ({"json": passed}, 422, "server decides"),
        "a registration of another cohort": (
            {"json": stmt(**{"context.registration": cohort_registration})},
            422,
            "registration",
        ),
        "the wrong chapter": (
            {"json": stmt(**{"context.contextActivities.grouping": [{"id": xapi.chapter_iri("chapters/99-x")}]})},
            422,
            "belongs to chapter",
        ),
        "an unfinished quiz sent as completed": ({"json": unfinished}, 422, "not finished"),
    }


@pytest.fixture
def learner_anywhere(live_on_each_database, cohort_anywhere):
    who = join(live_on_each_database, cohort_anywhere.code)
    client = live_on_each_database.client()
    client.headers["Authorization"] = f"Bearer {who['token']}"
    who["client"] = client
    yield who
    client.close()


@pytest.fixture
def cohort_anywhere(live_on_each_database):
    trainer = live_on_each_database.store.add_staff("Tess", "trainer", "x")
    return live_on_each_database.store.add_cohort("Spring", trainer.id)


def test_bad_requests_get_a_4xx_with_a_reason_and_store_nothing(live_on_each_database, learner_anywhere, course):
    live, learner = live_on_each_database, learner_anywhere
    other_trainer = live.store.add_staff("Otto", "trainer", "x")
    other_cohort = live.store.add_cohort("Elsewhere", other_trainer.id)
    elsewhere = live.store.add_assignment(
        other_cohort.id,
        title="x",
        chapters=["chapters/02-sensitivity"],
        quiz_ids=["sensitivity"],
        include_final=False,
        pass_mark=50,
        due_date=None,
    )
    other = join(live, other_cohort.code, "Otto's learner")
    failures = []
    for name, (request, status, reason) in _bad_cases(learner, other, course, elsewhere.id).items():
        r = learner["client"].post("api/v1/statements", **request)
        body = r.json()
        if r.status_code != status or reason not in body.get("error", ""):
            failures.append(f"{name}: {r.status_code} {body}")
    assert not failures, "\n".join(failures)
    assert live.store.count_statements() == 0


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic dXNlcjpwYXNz"])
def test_statements_and_me_need_a_learners_token(live, header, course):
    with live.client() as c:
        headers = {"Authorization": header} if header else {}
        for r in (c.post("api/v1/statements", json={}, headers=headers), c.get("api/v1/me", headers=headers)):
            assert r.status_code == 401
            assert "join" in r.json()["error"]


def test_an_unknown_api_address_is_a_json_404(live):
    with live.client() as c:
        r = c.get("api/v1/nothing")
    assert r.status_code == 404 and json.loads(r.text)["error"]


def test_staff_forms_refuse_text_the_database_cannot_hold(live_on_each_database):
    from server_fixtures import signed_in

    trainer = signed_in(live_on_each_database, "Tess Form")
    r = trainer.post("trainer/", data={"csrf": trainer.csrf, "name": "a\x00b"})
    assert r.status_code == 400 and "NUL" in r.text
    r = trainer.post("trainer/", data={"csrf": trainer.csrf, "name": "x" * 201})
    assert r.status_code == 400 and "up to 200 characters" in r.text
    r = trainer.post(
        "trainer/", content=b"csrf=x&name=%ff", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 400 and "UTF-8" in r.text
    assert live_on_each_database.store.cohorts() == []
    trainer.close()
