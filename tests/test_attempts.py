"""Server-scored summative attempts (/api/v1/attempts), over real HTTP: the questions reach the learner with no
key and no feedback, the server scores what is submitted with quizlib.score and states it, attempts are limited,
the review opens as the quiz's `review` says, a time limit holds, and bad requests get a 4xx naming the field.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from attempt_helpers import blind, public_response
from ralph.models.xapi.base.statements import BaseXapiStatement
from server_fixtures import LiveApp, join

from quizlib.quiz import draw, score
from quizlib.quiz.load import load_course
from quizlib.quiz.score import full_credit_response as _right
from quizlib.results import xapi
from quizlib.results.store import Store
from quizlib.server.catalogue import Catalogue, Module

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def cohort(live):
    trainer = live.store.add_staff("Tess", "trainer", "x")
    return live.store.add_cohort("Spring", trainer.id)


def learner_client(live, code: str, name: str = "Bea"):
    who = join(live, code, name)
    client = live.client()
    client.headers["Authorization"] = f"Bearer {who['token']}"
    client.who = who
    return client


@pytest.fixture
def bea(live, cohort):
    client = learner_client(live, cohort.code)
    yield client
    client.close()


def start(client, quiz_id: str = "final"):
    r = client.post("api/v1/attempts", json={"quiz_id": quiz_id})
    assert r.status_code in (200, 201), r.text
    return r.json()


def submit(client, attempt: dict, responses: dict, durations: dict | None = None):
    return client.post(
        f"api/v1/attempts/{attempt['id']}/submit", json={"responses": responses, "durations": durations or {}}
    )


def right_responses(course, live, attempt: dict) -> dict:
    """The full-credit response to every question of ``attempt``, in the names it shows."""
    final = course.quiz(attempt["quiz_id"])
    shown = {q.id: q for q in draw.shown_questions(final, course.quizzes, live.store.attempt(attempt["id"]).seed)}
    return {p["id"]: public_response(shown[p["id"]], p, _right(shown[p["id"]])) for p in attempt["questions"]}


def pool_secrets(course, quiz_id: str = "final") -> tuple[set[str], set[str]]:
    """What must never reach the learner before submitting: every piece of feedback (and case ending) of every
    question the quiz may draw, and every id that answers one of them (the keyed option, step order, pairs)."""
    quiz = course.quiz(quiz_id)
    pool = list(quiz.questions) + [
        q for d in quiz.draw for q in course.quiz(d.quiz).questions if not d.kinds or q.kind in d.kinds
    ]
    texts, ids = set(), set()
    for q in pool:
        for o in getattr(q, "options", ()):
            texts.add(o.feedback)
            if o.correct:
                ids.add(o.id)
        for s in getattr(q, "stages", ()):
            texts.update(o.feedback for o in s.options)
            texts.add(s.ending)
            ids.update(o.id for o in s.options if o.credit == 1)
        for i in getattr(q, "items", ()):
            texts.add(i.feedback)
            ids.add(i.id)
        for p in getattr(q, "pairs", ()):
            texts.add(p.feedback)
            ids.add(p.id)
        for d in getattr(q, "distractors", ()):
            texts.add(d.feedback)
        if q.kind == "numeric":
            texts.update([q.feedback.correct, q.feedback.incorrect, *(w.feedback for w in q.wrong_answers)])
        if q.kind == "true_false":
            texts.update([q.feedback.if_true, q.feedback.if_false])
    return {t for t in texts if len(t) >= 25}, {i for i in ids if len(i) >= 2}


def leaks(text: str, secrets: tuple[set[str], set[str]], *, ids: bool = True) -> list[str]:
    """The feedback texts and answer ids found in ``text`` (ids as JSON string values or HTML attribute values;
    a field name such as "review" is not an id)."""
    texts, key_ids = secrets
    found = [t[:60] for t in texts if t in text or json.dumps(t)[1:-1] in text]
    if ids:
        found += [i for i in key_ids if re.search(rf"""["']{re.escape(i)}["'](?!\s*:)""", text)]
    return found


KEY_FIELDS = {
    "correct",
    "credit",
    "feedback",
    "answer",
    "order",
    "wrong_answers",
    "ending",
    "tolerance",
    "right",
    "cite",
}


def _fields(value, out=None) -> set[str]:
    out = set() if out is None else out
    if isinstance(value, dict):
        out.update(value)
        for v in value.values():
            _fields(v, out)
    elif isinstance(value, list):
        for v in value:
            _fields(v, out)
    return out


# -- what the learner receives ----------------------------------------------------------------------------


def test_an_attempt_reaches_the_learner_without_keys_or_feedback(live, bea, course):
    status = bea.get("api/v1/attempts", params={"quiz": "final"})
    assert status.status_code == 200
    rules = status.json()["quiz"]
    assert (rules["attempts"], rules["review"], rules["pass_mark"], rules["time_limit"]) == (2, "after_due", 70, 0)
    assert status.json()["attempts_left"] == 2 and status.json()["open"] is None
    r = bea.post("api/v1/attempts", json={"quiz_id": "final"})
    assert r.status_code == 201 and r.headers["cache-control"] == "no-store"
    attempt = r.json()
    assert len(attempt["questions"]) == 16 and attempt["state"] == "open"
    assert not _fields(attempt) & KEY_FIELDS, "fields that carry a key or feedback"
    assert leaks(r.text, pool_secrets(course)) == []
    # The seed is the server's, and the questions are those it draws, in its order of choices.
    stored = live.store.attempt(attempt["id"])
    shown = draw.shown_questions(course.quiz("final"), course.quizzes, stored.seed)
    assert [p["id"] for p in attempt["questions"]] == [q.id for q in shown]
    for p, q in zip(attempt["questions"], shown):
        if q.kind == "single_choice":
            assert [o["text"] for o in p["options"]] != [] and {o["text"] for o in p["options"]} == {
                o.text for o in q.options
            }
    # A second learner's attempt names the same choices differently.
    other = learner_client(live, live.store.cohorts()[0].code, "Cai")
    theirs = start(other)
    mine_ids = {o["id"] for p in attempt["questions"] for o in p.get("options", [])}
    assert not mine_ids & {o["id"] for p in theirs["questions"] for o in p.get("options", [])}
    other.close()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_server_scores_a_submitted_attempt_and_states_it(database, tmp_path, catalogue, request, course):
    url = (
        f"sqlite:///{tmp_path / 'c.sqlite3'}"
        if database == "sqlite"
        else request.getfixturevalue("postgres").create_database()
    )
    store = Store(url)
    store.upgrade()
    live = LiveApp(store, catalogue)
    try:
        cohort = store.add_cohort("Spring", store.add_staff("Tess", "trainer", "x").id)
        bea = learner_client(live, cohort.code)
        attempt = start(bea)
        responses = right_responses(course, live, attempt)
        durations = {qid: 30 + n for n, qid in enumerate(responses)}
        r = submit(bea, attempt, responses, durations)
        assert r.status_code == 200, r.text
        done = r.json()
        assert done["state"] == "submitted" and "questions" not in done
        assert done["result"]["percentage"] == 100 and done["result"]["passed"] is True
        assert done["result"]["pass_mark"] == 70
        # No assignment, so no due date: the review after the due date never opens.
        assert done["review"] == {
            "allowed": False,
            "note": "The answers are shown after the due date, and no due date is set for you, so they are not shown.",
        }
        # The statements the server made: one answered per question (try 1, with its time), completed, passed.
        stored = store.statements(learner_id=bea.who["learner_id"])
        assert sorted(s.verb for s in stored) == ["answered"] * 16 + ["completed", "passed"]
        for s in stored:
            BaseXapiStatement.model_validate(s.statement)
            assert s.attempt_id == attempt["id"]
            assert s.statement["context"]["extensions"][xapi.EXT_SEED] == store.attempt(attempt["id"]).seed
        answered = [s for s in stored if s.verb == "answered"]
        assert all(s.credit == 1 and s.try_number == 1 for s in answered)
        assert {s.question_id: s.statement["result"]["duration"] for s in answered} == {
            qid: xapi.duration_text(min(seconds, done["result"]["duration"])) for qid, seconds in durations.items()
        }
        completed = next(s for s in stored if s.verb == "completed")
        assert completed.percentage == 100 and "duration" in completed.statement["result"]
        # Stored answers name choices by the question's own ids, never by the attempt's names or by position.
        final = course.quiz("final")
        shown = {q.id: q for q in draw.shown_questions(final, course.quizzes, store.attempt(attempt["id"]).seed)}
        assert {s.question_id: s.detail["response"] for s in answered} == {qid: _right(q) for qid, q in shown.items()}
        with store.engine.connect() as c:
            duration = c.execute(sa.text("SELECT duration FROM attempt_results")).scalar()
            question_times = c.execute(sa.text("SELECT count(duration) FROM question_results")).scalar()
        assert duration == completed.detail["duration"] > 0 and question_times == 16
        # Sending it again (the first answer was lost on the way) changes nothing.
        again = submit(bea, attempt, {}, {})
        assert again.status_code == 200 and again.json()["result"] == done["result"]
        assert store.count_statements() == 18
        bea.close()
    finally:
        live.close()
        store.close()


@pytest.mark.parametrize("how", ["first", "longest"])
def test_a_learner_who_answers_blind_fails_the_final_on_the_server(live, cohort, how):
    for n in range(8):
        client = learner_client(live, cohort.code, f"Blind {n}")
        attempt = start(client)
        r = submit(client, attempt, {p["id"]: blind(p, how) for p in attempt["questions"]})
        assert r.status_code == 200, r.text
        result = r.json()["result"]
        assert result["percentage"] < result["pass_mark"] and result["passed"] is False, result
        client.close()


def test_attempts_are_limited_and_an_open_attempt_is_taken_up_again(live, bea, course):
    first = start(bea)
    again = bea.post("api/v1/attempts", json={"quiz_id": "final"})
    assert again.status_code == 200 and again.json()["id"] == first["id"]  # a reload goes on with it
    assert again.json()["questions"] == first["questions"]
    assert submit(bea, first, {}).status_code == 200  # nothing answered: it counts, and earns 0
    second = start(bea)
    assert second["number"] == 2 and second["id"] != first["id"]
    assert submit(bea, second, right_responses(course, live, second)).json()["result"]["percentage"] == 100
    r = bea.post("api/v1/attempts", json={"quiz_id": "final"})
    assert r.status_code == 409
    assert r.json()["error"].startswith("You have used all 2 attempts at “Final assessment”.")
    status = bea.get("api/v1/attempts", params={"quiz": "final"}).json()
    assert (status["attempts_used"], status["attempts_left"], status["open"]) == (2, 0, None)
    assert [a["result"]["percentage"] for a in status["attempts"]] == [0, 100]


def test_two_starts_at_once_make_one_attempt(live, bea):
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        ids = set(pool.map(lambda _: start(bea)["id"], range(8)))
    assert len(ids) == 1 and len(live.store.attempts(bea.who["learner_id"])) == 1


def test_the_review_opens_after_the_due_date_with_the_assignments_pass_mark(live, cohort, course):
    final = course.quiz("final")
    assignment = live.store.add_assignment(
        cohort.id,
        title="Final",
        chapters=[final.chapter],
        quiz_ids=[final.id],
        include_final=True,
        pass_mark=80,
        due_date=date.today() + timedelta(days=3),
    )
    bea = learner_client(live, cohort.code)
    status = bea.get("api/v1/attempts", params={"quiz": "final"}).json()
    assert status["quiz"]["pass_mark"] == 80 and status["quiz"]["registration"] == assignment.id
    attempt = start(bea)
    responses = right_responses(course, live, attempt)
    wrong_one = next(p for p in attempt["questions"] if p["kind"] == "single_choice")
    responses[wrong_one["id"]] = next(o["id"] for o in wrong_one["options"] if o["id"] != responses[wrong_one["id"]])
    done = submit(bea, attempt, responses).json()
    assert done["result"]["pass_mark"] == 80 and done["result"]["percentage"] == 93.75 and done["result"]["passed"]
    assert done["review"] == {
        "allowed": False,
        "note": f"The answers and feedback are shown after the due date, {assignment.due_date.isoformat()}.",
    }
    assert leaks(json.dumps(done), pool_secrets(course)) == []
    verdict = live.store.statements(verb="passed")[0]
    assert verdict.registration == assignment.id and verdict.detail["pass_mark"] == 80
    # The due date has gone: the review opens, with the feedback on each answer and the answer itself.
    with live.store.engine.begin() as c:
        c.execute(sa.text("UPDATE assignments SET due_date = :d"), {"d": date.today() - timedelta(days=1)})
    past = bea.get(f"api/v1/attempts/{attempt['id']}").json()
    assert past["review"]["allowed"] is True
    items = {i["id"]: i for i in past["review"]["questions"]}
    assert len(items) == 16
    missed = items[wrong_one["id"]]
    real = draw.shown_questions(final, course.quizzes, live.store.attempt(attempt["id"]).seed)
    q = next(x for x in real if x.id == wrong_one["id"])
    assert missed["credit"] == 0 and missed["answer"] == next(o.text for o in q.options if o.correct)
    assert missed["feedback"][0]["correct"] is False and missed["feedback"][0]["text"] in {
        o.feedback for o in q.options
    }
    assert all(i["credit"] == 1 for qid, i in items.items() if qid != wrong_one["id"])
    # A case drawn into the attempt ends, in the review, with the ending of the path taken.
    for shown in real:
        if shown.kind == "vignette":
            stages = {s.id: s for s in shown.stages}
            stage = stages[shown.start]
            best = next(o for o in stage.options if o.credit == 1)
            while best.next:
                stage = stages[best.next]
                best = next(o for o in stage.options if o.credit == 1)
            assert items[shown.id]["ending"] == (best.ending or stage.ending)
        else:
            assert "ending" not in items[shown.id]
    bea.close()


# -- a course with other review rules and a time limit ------------------------------------------------------

EXAM = """schema_version: 1
id: {id}
title: A short assessment
chapter: chapters/kinds
settings: {{pass_mark: 50, mode: summative, tries: 1, attempts: 3, review: {review}, time_limit: {limit}}}
objectives:
  - {{id: o, text: Know things.}}
questions: []
draw:
  - {{quiz: kinds, count: 4, kinds: [single_choice, multiple_response, matching, vignette]}}
"""


@pytest.fixture
def exams(tmp_path):
    """A live server over the fixture course plus three summative quizzes: review after submit, never, and one
    with a one-minute time limit."""
    folder = tmp_path / "quizzes"
    shutil.copytree(DATA / "course" / "quizzes", folder)
    for quiz_id, review, limit in (("now", "after_submit", 0), ("never", "never", 0), ("timed", "after_submit", 1)):
        (folder / f"{quiz_id}.yaml").write_text(EXAM.format(id=quiz_id, review=review, limit=limit))
    course = load_course(folder)
    catalogue = Catalogue(
        course=course,
        modules=(Module("chapters/kinds", "Kinds", ("kinds",)),),
        final_quiz_ids=("now", "never", "timed"),
        chapter_titles={},
    )
    store = Store(f"sqlite:///{tmp_path / 'exams.sqlite3'}")
    store.upgrade()
    live = LiveApp(store, catalogue)
    cohort = store.add_cohort("Spring", store.add_staff("Tess", "trainer", "x").id)
    client = learner_client(live, cohort.code)
    yield live, client, course
    client.close()
    live.close()
    store.close()


def test_the_review_after_submit_comes_with_the_result_and_never_means_never(exams):
    live, bea, course = exams
    attempt = start(bea, "now")
    done = submit(bea, attempt, right_responses(course, live, attempt)).json()
    assert done["review"]["allowed"] is True and len(done["review"]["questions"]) == 4
    for item in done["review"]["questions"]:
        assert item["credit"] == 1 and item["feedback"] and all(f["correct"] for f in item["feedback"])
    attempt = start(bea, "never")
    done = submit(bea, attempt, {}).json()
    assert done["result"]["percentage"] == 0
    assert done["review"] == {
        "allowed": False,
        "note": "The answers are not shown, so that the assessment stays fair for everyone.",
    }


def test_a_time_limit_closes_an_attempt_that_is_not_submitted_in_time(exams):
    live, bea, course = exams
    attempt = start(bea, "timed")
    assert 55 <= attempt["seconds_left"] <= 60 and attempt["deadline"]
    # Within the grace after the deadline (a slow network), the submission counts.
    with live.store.engine.begin() as c:
        c.execute(sa.text("UPDATE attempts SET deadline = :d"), {"d": datetime.now(UTC) - timedelta(seconds=30)})
    assert submit(bea, attempt, right_responses(course, live, attempt)).json()["result"]["percentage"] == 100
    late = start(bea, "timed")
    with live.store.engine.begin() as c:
        c.execute(
            sa.text("UPDATE attempts SET deadline = :d WHERE id = :i"),
            {"d": datetime.now(UTC) - timedelta(minutes=10), "i": late["id"]},
        )
    r = submit(bea, late, right_responses(course, live, late))
    assert r.status_code == 409 and "so it is closed without a score" in r.json()["error"]
    status = bea.get("api/v1/attempts", params={"quiz": "timed"}).json()
    assert status["open"] is None and status["attempts_used"] == 2 and status["attempts_left"] == 1
    assert [a["state"] for a in status["attempts"]] == ["submitted", "closed"]
    assert start(bea, "timed")["number"] == 3  # the closed attempt counts, a new one starts


# -- bad requests ---------------------------------------------------------------------------------------------


def test_bad_requests_get_a_4xx_naming_what_to_change(live, cohort, bea, course):
    def error(r, status):
        assert r.status_code == status, r.text
        return r.json()["error"]

    assert "quiz_id: there is no quiz 'nope'" in error(bea.post("api/v1/attempts", json={"quiz_id": "nope"}), 404)
    assert "'welcome' is a practice quiz" in error(bea.post("api/v1/attempts", json={"quiz_id": "welcome"}), 422)
    assert "quiz_id: expected the id of a quiz" in error(bea.post("api/v1/attempts", json={}), 400)
    assert "quiz: expected the id of a quiz" in error(bea.get("api/v1/attempts"), 400)
    attempt = start(bea)
    first = attempt["questions"][0]
    path = f"api/v1/attempts/{attempt['id']}/submit"
    assert "expected an object with responses" in error(bea.post(path, json=[]), 400)
    assert "responses.nope: no such question" in error(bea.post(path, json={"responses": {"nope": "x"}}), 422)
    real = course.quiz("final")
    shown = {q.id: q for q in draw.shown_questions(real, course.quizzes, live.store.attempt(attempt["id"]).seed)}
    # The question's own ids are not names this attempt showed: knowing them earns nothing.
    own_key = _right(shown[first["id"]])
    message = error(bea.post(path, json={"responses": {first["id"]: own_key}}), 422)
    assert message.startswith(f"responses.{first['id']}: ")
    assert "durations.nope" in error(bea.post(path, json={"responses": {}, "durations": {"nope": 3}}), 422)
    bad_time = {"responses": {}, "durations": {first["id"]: -1}}
    assert f"durations.{first['id']}: expected a number of seconds" in error(bea.post(path, json=bad_time), 400)
    # Another learner's attempt is nobody else's business; an attempt needs a learner's token.
    cai = learner_client(live, cohort.code, "Cai")
    assert "no such attempt of yours" in error(cai.post(path, json={"responses": {}}), 404)
    assert "no such attempt of yours" in error(cai.get(f"api/v1/attempts/{attempt['id']}"), 404)
    cai.close()
    with live.client() as anonymous:
        assert anonymous.post(path, json={"responses": {}}).status_code == 401
        assert anonymous.get("api/v1/attempts", params={"quiz": "final"}).status_code == 401
    assert live.store.count_statements() == 0 and live.store.attempt(attempt["id"]).submitted_at is None


def test_the_practice_copy_of_an_assessment_is_never_served(tmp_path, catalogue):
    """A built book holds each summative quiz's practice copy (keys included, encoded) for readers without a
    server; the course server serves the rest of the book, never that."""
    book = tmp_path / "book"
    (book / "_static" / "quizlib-practice").mkdir(parents=True)
    (book / "index.html").write_text("<!doctype html><title>Book</title>")
    (book / "_static" / "quizlib.js").write_text("/* runtime */")
    (book / "_static" / "quizlib-practice" / "final.js").write_text("/* keys */")
    store = Store(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    store.upgrade()
    live = LiveApp(store, catalogue, book)
    try:
        with live.client() as c:
            assert c.get("_static/quizlib.js").status_code == 200
            for path in (
                "_static/quizlib-practice/final.js",
                "_static/quizlib-practice/",
                "_static//quizlib-practice/final.js",
                "_static/./quizlib-practice/final.js",
                "_static/x/../quizlib-practice/final.js",
                "_static/quizlib-practice%2Ffinal.js",
            ):
                r = c.get(path)
                assert r.status_code == 404 and "keys" not in r.text, path
    finally:
        live.close()
        store.close()


def test_a_submitted_attempt_scores_as_quizlib_score_does(live, bea, course):
    """What the server returns is quizlib.score's result over the same responses in the questions' own ids."""
    attempt = start(bea)
    final = course.quiz("final")
    shown = draw.shown_questions(final, course.quizzes, live.store.attempt(attempt["id"]).seed)
    by_id = {p["id"]: p for p in attempt["questions"]}
    own = {q.id: _half(q) for q in shown}
    done = submit(bea, attempt, {q.id: public_response(q, by_id[q.id], own[q.id]) for q in shown})
    expected = score.score_quiz(final, {qid: {"tries": [r]} for qid, r in own.items()}, shown)
    assert done.json()["result"]["percentage"] == expected.percentage
    assert done.json()["result"]["points"] == expected.points


def _half(q):
    """A response right in some questions and not others (to compare scores, not only full marks)."""
    key = _right(q)
    if q.kind == "single_choice":
        return key if len(q.prompt) % 2 else next(o.id for o in q.options if not o.correct)
    if q.kind == "multiple_response":
        return key[:1]
    if q.kind == "ordering":
        return list(reversed(key))
    if q.kind == "matching":
        return dict(list(key.items())[:1])
    return key


# -- time spent, shown to trainers and leads ---------------------------------------------------------------


def test_trainers_and_leads_see_the_time_spent(live, cohort, bea, course):
    from server_fixtures import signed_in

    attempt = start(bea)
    with live.store.engine.begin() as c:  # the learner started twelve minutes ago
        c.execute(sa.text("UPDATE attempts SET started_at = :t"), {"t": datetime.now(UTC) - timedelta(minutes=12)})
    responses = right_responses(course, live, attempt)
    assert submit(bea, attempt, responses, {qid: 40 for qid in responses}).status_code == 200
    learner_id = bea.who["learner_id"]
    trainer = signed_in(live, "Tara Trainer")
    live.store.reassign_cohort(cohort.id, live.store.staff_by_name("Tara Trainer").id)
    page = trainer.get(f"trainer/cohorts/{cohort.id}/learners/{learner_id}").text
    summary = re.search(rf'<details data-attempt="{attempt["id"]}"[^>]*>\s*<summary>(.*?)</summary>', page, re.DOTALL)
    assert re.search(r"time spent 12 min [0-9] s", summary.group(1)), summary.group(1)
    cohort_page = trainer.get(f"trainer/cohorts/{cohort.id}").text
    assert re.search(r'<td class="num">12 min [0-9] s</td>', cohort_page)
    lead = signed_in(live, "Lee Lead", role="lead")
    summary = re.search(r'<tr data-quiz="final">(.*?)</tr>', lead.get("lead/").text, re.DOTALL).group(1)
    assert '<td class="num">12.0 min</td>' in summary or '<td class="num">12.1 min</td>' in summary, summary
    items = lead.get("lead/quizzes/final").text
    assert items.count('<td class="num">40 s</td>') == 16
    csv = lead.get("lead/export/items.csv", params={"quiz": "final"}).text
    assert csv.splitlines()[0].endswith(",median_seconds") and all(
        line.endswith(",40.0") for line in csv.splitlines()[1:]
    )
    for client in (trainer, lead):
        client.close()


def test_the_course_states_the_rules_of_its_final_assessment(course, root):
    """The final is summative, and chapter 10 tells learners what its settings say."""
    final = course.quiz("final")
    s = final.settings
    assert final.summative and (s.attempts, s.review, s.time_limit, s.tries) == (2, "after_due", 0, 1)
    chapter = (root / "chapters" / "10-final-assessment.md").read_text(encoding="utf-8")
    assert f"**{s.attempts} attempts**" in chapter and "There is no time limit." in chapter
    assert "shown after the due date" in chapter and "runs as practice" in chapter
    assert "nothing is marked until you submit" in final.intro
