"""Server-scored attempts at summative quizzes, under ``/api/v1/attempts``.

A summative quiz's keys and feedback never reach the learner before they submit. The browser asks the server
to start an attempt: the server draws the seed (which questions, in which order), keeps it, and answers with the
questions as :mod:`quizlib.quiz.deliver` shows them (no key, no feedback, every id renamed for the attempt).
The browser sends the responses back; the server maps them to the questions' ids, scores them with
:mod:`quizlib.quiz.score`, stores the statements and the attempt's result in one transaction, and answers with
the result and the review the quiz's ``review`` setting allows at that moment.

- ``GET  /api/v1/attempts?quiz=<id>``           the rules, the attempts used and left, an open attempt, results
- ``POST /api/v1/attempts`` ``{"quiz_id"}``      start an attempt (201), or go on with the open one (200)
- ``GET  /api/v1/attempts/<id>``                one attempt: its questions while open; result and review after
- ``POST /api/v1/attempts/<id>/submit``          ``{"responses": {question id: response or null},
                                                  "durations": {question id: seconds}}``

The pass mark is the assignment's when the quiz is assigned to the learner's cohort (the earliest such
assignment is the attempt's registration), else the quiz's own. An attempt counts against ``attempts`` from
the moment it starts. With a time limit, the server accepts a submission up to :data:`GRACE` after the
deadline (the browser submits by itself when time runs out); an attempt left open past that is closed with
no score.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from quizlib.quiz import deliver, draw
from quizlib.quiz.kinds import ResponseError, kind_of
from quizlib.quiz.model import Question, Quiz
from quizlib.quiz.score import score_response
from quizlib.results.ingest import Ingestor
from quizlib.results.store import Assignment, AttemptConflict, IssuedAttempt, Learner, NotFound
from quizlib.server.auth import current_learner
from quizlib.server.context import ServerContext
from quizlib.server.http import BadRequest, read_json

GRACE = timedelta(minutes=2)  # a submission this late after the deadline still counts (a slow network)
REVIEW_RULES = {
    "after_submit": "You see the answers and feedback as soon as you submit.",
    "after_due": "You see the answers and feedback after the due date.",
    "never": "The answers are not shown, so that the assessment stays fair for everyone.",
}


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if moment else None


def _no_store(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers={"Cache-Control": "no-store"})


@dataclass(frozen=True)
class _Terms:
    """What applies to one learner at one summative quiz: the assignment (if any) and its pass mark."""

    quiz: Quiz
    assignment: Assignment | None

    @property
    def pass_mark(self) -> float:
        return self.assignment.pass_mark if self.assignment else self.quiz.settings.pass_mark

    @property
    def due(self) -> date | None:
        return self.assignment.due_date if self.assignment else None


def _terms(
    ctx: ServerContext, learner: Learner, quiz_id: Any, *, field: str = "quiz_id", registration: str | None = None
) -> _Terms:
    """The quiz and the assignment an attempt is made for: ``registration`` (an attempt's) if it is still
    assigned, else the earliest assignment of the learner's cohort that includes the quiz."""
    if not isinstance(quiz_id, str) or not quiz_id:
        raise BadRequest(400, f"{field}: expected the id of a quiz, for example 'final'")
    quiz = ctx.catalogue.course.quizzes.get(quiz_id)
    if quiz is None:
        raise BadRequest(404, f"{field}: there is no quiz {quiz_id!r} in this course")
    if not quiz.summative:
        raise BadRequest(
            422,
            f"{field}: {quiz_id!r} is a practice quiz, answered and scored in the page; only assessments start here",
        )
    assigned = [a for a in ctx.store.assignments(learner.cohort_id) if quiz.id in a.quiz_ids]
    chosen = next((a for a in assigned if a.id == registration), assigned[0] if assigned else None)
    return _Terms(quiz, chosen)


def _closed(attempt: IssuedAttempt, now: datetime) -> bool:
    """Open no longer: submitted, or its time ran out (with the grace) without a submission."""
    return attempt.submitted_at is not None or (attempt.deadline is not None and now > attempt.deadline + GRACE)


def _review_open(terms: _Terms, today: date) -> tuple[bool, str]:
    """Whether the review of a submitted attempt may be shown now, and what to tell the learner."""
    review = terms.quiz.settings.review
    if review == "after_submit":
        return True, ""
    if review == "never":
        return False, REVIEW_RULES["never"]
    if terms.due is None:
        return False, "The answers are shown after the due date, and no due date is set for you, so they are not shown."
    if today > terms.due:
        return True, ""
    return False, f"The answers and feedback are shown after the due date, {terms.due.isoformat()}."


class _Names:
    """The names an attempt's browser sees for the ids of its choices: an HMAC of the server's secret, the
    attempt and the id, so they differ from attempt to attempt and say nothing of the answer."""

    def __init__(self, secret: bytes, attempt_id: str, question_id: str):
        self.key = hmac.new(secret, f"attempt-names:{attempt_id}:{question_id}".encode(), hashlib.sha256).digest()

    def __call__(self, role: str, real_id: str) -> str:
        return "t" + hmac.new(self.key, f"{role}:{real_id}".encode(), hashlib.sha256).hexdigest()[:12]


def _questions(ctx: ServerContext, quiz: Quiz, attempt: IssuedAttempt) -> tuple[Question, ...]:
    return draw.shown_questions(quiz, ctx.catalogue.course.quizzes, attempt.seed)


def _attempt_json(ctx: ServerContext, terms: _Terms, attempt: IssuedAttempt, now: datetime) -> dict[str, Any]:
    """An attempt as the learner's browser sees it: questions while it is open, result and review after."""
    out: dict[str, Any] = {
        "id": attempt.id,
        "quiz_id": attempt.quiz_id,
        "number": attempt.number,
        "started": _iso(attempt.started_at),
        "deadline": _iso(attempt.deadline),
        "seconds_left": max(0, math.floor((attempt.deadline - now).total_seconds())) if attempt.deadline else None,
        "submitted": _iso(attempt.submitted_at),
        "state": "submitted" if attempt.submitted_at else ("closed" if _closed(attempt, now) else "open"),
        "pass_mark": terms.pass_mark,
    }
    if out["state"] == "open":
        secret = ctx.secret
        out["questions"] = [
            deliver.public_question(q, attempt.seed, _Names(secret, attempt.id, q.id))
            for q in _questions(ctx, terms.quiz, attempt)
        ]
    elif attempt.submitted_at is not None and attempt.result is not None:
        out["result"] = _result_json(attempt)
        allowed, note = _review_open(terms, now.date())
        out["review"] = {"allowed": allowed, "note": note}
        if allowed:
            out["review"]["questions"] = _review(ctx, terms.quiz, attempt)
    return out


def _result_json(attempt: IssuedAttempt) -> dict[str, Any]:
    result = attempt.result or {}
    return {
        "points": result.get("points"),
        "max_points": result.get("max_points"),
        "percentage": attempt.percentage,
        "passed": attempt.passed,
        "pass_mark": result.get("pass_mark"),
        "duration": result.get("duration"),
    }


def _review(ctx: ServerContext, quiz: Quiz, attempt: IssuedAttempt) -> list[dict[str, Any]]:
    """Each question of a submitted attempt with its credit, the feedback on what the learner chose, and the
    answer in words, in the order the attempt showed them."""
    refs = ctx.catalogue.course.bibliography.references
    responses = (attempt.result or {}).get("responses", {})
    out = []
    for number, q in enumerate(_questions(ctx, quiz, attempt), start=1):
        kind = kind_of(q)
        response = responses.get(q.id)
        item: dict[str, Any] = {
            "id": q.id,
            "number": number,
            "prompt": q.prompt,
            "answered": response is not None,
            "feedback": [],
        }
        if response is not None:
            result = score_response(q, response, quiz.settings)
            item["credit"] = result.credit if result.complete else 0.0
            for f in result.feedback:
                cites = f.cite or q.cite
                item["feedback"].append(
                    {
                        "about": kind.feedback_label(q, f.ref),
                        "text": f.text,
                        "correct": f.correct,
                        "cite": "; ".join(refs[k].short if k in refs else k for k in cites),
                    }
                )
            closing = kind.closing(q, response) if result.complete else ""
            if closing:
                item["ending"] = closing
        else:
            item["credit"] = 0.0
        item["answer"] = kind.answer_text(q)
        out.append(item)
    return out


def _status(ctx: ServerContext, learner: Learner, quiz_id: str | None) -> dict[str, Any]:
    terms = _terms(ctx, learner, quiz_id, field="quiz")
    now = _now()
    mine = ctx.store.attempts(learner.id, terms.quiz.id)
    allowed = terms.quiz.settings.attempts or 0
    open_ = next((a for a in mine if not _closed(a, now)), None)
    return {
        "quiz": _rules(terms),
        "attempts_used": len(mine),
        "attempts_left": max(0, allowed - len(mine)),
        "open": _attempt_json(ctx, terms, open_, now) if open_ else None,
        "attempts": [_attempt_json(ctx, _attempt_terms(ctx, learner, a), a, now) for a in mine if a is not open_],
    }


def _attempt_terms(ctx: ServerContext, learner: Learner, attempt: IssuedAttempt) -> _Terms:
    return _terms(ctx, learner, attempt.quiz_id, registration=attempt.registration)


def _rules(terms: _Terms) -> dict[str, Any]:
    s = terms.quiz.settings
    return {
        "id": terms.quiz.id,
        "title": terms.quiz.title,
        "attempts": s.attempts,
        "time_limit": s.time_limit,
        "review": s.review,
        "review_rule": REVIEW_RULES[s.review],
        "pass_mark": terms.pass_mark,
        "registration": terms.assignment.id if terms.assignment else None,
        "due": terms.due.isoformat() if terms.due else None,
    }


def _start(ctx: ServerContext, learner: Learner, quiz_id: Any) -> tuple[dict[str, Any], int]:
    terms = _terms(ctx, learner, quiz_id)
    allowed = terms.quiz.settings.attempts or 0
    for _ in range(3):
        now = _now()
        mine = ctx.store.attempts(learner.id, terms.quiz.id)
        open_ = next((a for a in mine if not _closed(a, now)), None)
        if open_ is not None:
            return _attempt_json(ctx, terms, open_, now), 200
        if len(mine) >= allowed:
            raise BadRequest(
                409,
                f"You have used all {allowed} attempt{'' if allowed == 1 else 's'} at “{terms.quiz.title}”. Your "
                "results stay on your progress page; ask your trainer if you need another attempt.",
            )
        limit = terms.quiz.settings.time_limit
        try:
            attempt = ctx.store.add_attempt(
                learner.id,
                terms.quiz.id,
                number=len(mine) + 1,
                seed=secrets.randbits(32),
                registration=terms.assignment.id if terms.assignment else None,
                started_at=now,
                deadline=now + timedelta(minutes=limit) if limit else None,
            )
        except AttemptConflict:
            continue  # another request started one at the same moment: answer with that one
        return _attempt_json(ctx, terms, attempt, now), 201
    raise BadRequest(409, "Another attempt was being started at the same moment; try again.")


def _mine(ctx: ServerContext, learner: Learner, attempt_id: str) -> IssuedAttempt:
    try:
        attempt = ctx.store.attempt(attempt_id)
    except NotFound:
        attempt = None
    if attempt is None or attempt.learner_id != learner.id:
        raise BadRequest(404, "There is no such attempt of yours; start the assessment again from its page.")
    return attempt


def _get(ctx: ServerContext, learner: Learner, attempt_id: str) -> dict[str, Any]:
    attempt = _mine(ctx, learner, attempt_id)
    return _attempt_json(ctx, _attempt_terms(ctx, learner, attempt), attempt, _now())


def _durations(value: Any, questions: dict[str, Question], limit: float) -> dict[str, float]:
    """Seconds on each question as the browser measured them: numbers from 0 up to the attempt's own length."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequest(400, "durations: expected an object of question id to seconds")
    out = {}
    for qid, seconds in value.items():
        if qid not in questions:
            raise BadRequest(422, f"durations.{qid}: no such question in this attempt")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise BadRequest(400, f"durations.{qid}: expected a number of seconds, 0 or more")
        out[qid] = round(min(float(seconds), limit), 2)
    return out


def _submit(ctx: ServerContext, request_home: str, learner: Learner, attempt_id: str, body: Any) -> dict[str, Any]:
    attempt = _mine(ctx, learner, attempt_id)
    terms = _attempt_terms(ctx, learner, attempt)
    now = _now()
    if attempt.submitted_at is not None:
        # A repeated submission (the answer to the first was lost on the way): the result stands.
        return _attempt_json(ctx, terms, attempt, now)
    if attempt.deadline is not None and now > attempt.deadline + GRACE:
        late = math.ceil((now - attempt.deadline).total_seconds() / 60)
        raise BadRequest(
            409,
            f"The time for this attempt ended at {_iso(attempt.deadline)}, {late} minute{'' if late == 1 else 's'} "
            "ago, so it is closed without a score.",
        )
    if not isinstance(body, dict) or not isinstance(body.get("responses"), dict):
        raise BadRequest(400, "expected an object with responses: {question id: your response, or null}")
    questions = {q.id: q for q in _questions(ctx, terms.quiz, attempt)}
    names = {qid: _Names(ctx.secret, attempt.id, qid) for qid in questions}
    answers: dict[str, dict[str, Any]] = {}
    for qid, response in body["responses"].items():
        if qid not in questions:
            raise BadRequest(422, f"responses.{qid}: no such question in this attempt")
        try:
            answers.update(deliver.real_answers([questions[qid]], {qid: response}, names[qid]))
        except ResponseError as e:
            raise BadRequest(422, f"responses.{qid}: {e}") from None
    wall = (now - attempt.started_at).total_seconds()
    durations = _durations(body.get("durations"), questions, wall)
    ingestor = Ingestor(ctx.catalogue.course, ctx.store, request_home)
    try:
        result, records = ingestor.submitted(
            learner, terms.quiz, attempt, answers, durations, pass_mark=terms.pass_mark, when=now
        )
    except ResponseError as e:
        raise BadRequest(422, f"responses: {e}") from None
    summary = {
        "points": result.points,
        "max_points": result.max_points,
        "pass_mark": terms.pass_mark,
        "duration": round(wall, 2),
        "responses": {qid: answers.get(qid, {}).get("tries", [None])[0] for qid in questions},
        "durations": durations,
    }
    passed = result.percentage >= terms.pass_mark
    try:
        attempt = ctx.store.submit_attempt(
            attempt.id, records, submitted_at=now, percentage=result.percentage, passed=passed, result=summary
        )
    except AttemptConflict:
        attempt = ctx.store.attempt(attempt.id)  # submitted by another request a moment ago: its result stands
    return _attempt_json(ctx, terms, attempt, _now())


# -- handlers -------------------------------------------------------------------------------------------


async def status(request: Request) -> JSONResponse:
    ctx: ServerContext = request.app.state.ctx
    learner = await run_in_threadpool(current_learner, ctx.store, request)
    quiz_id = request.query_params.get("quiz")
    return _no_store(await run_in_threadpool(_status, ctx, learner, quiz_id))


async def start(request: Request) -> JSONResponse:
    ctx: ServerContext = request.app.state.ctx
    learner = await run_in_threadpool(current_learner, ctx.store, request)
    body = await read_json(request, 4096)
    if not isinstance(body, dict):
        raise BadRequest(400, "expected an object with quiz_id")
    data, code = await run_in_threadpool(_start, ctx, learner, body.get("quiz_id"))
    return _no_store(data, code)


async def one(request: Request) -> JSONResponse:
    ctx: ServerContext = request.app.state.ctx
    learner = await run_in_threadpool(current_learner, ctx.store, request)
    return _no_store(await run_in_threadpool(_get, ctx, learner, request.path_params["attempt_id"]))


async def submit(request: Request) -> JSONResponse:
    ctx: ServerContext = request.app.state.ctx
    learner = await run_in_threadpool(current_learner, ctx.store, request)
    body = await read_json(request)
    home = ctx.home_page(request)
    return _no_store(await run_in_threadpool(_submit, ctx, home, learner, request.path_params["attempt_id"], body))


def routes() -> list[Route]:
    return [
        Route("/api/v1/attempts", status, methods=["GET"]),
        Route("/api/v1/attempts", start, methods=["POST"]),
        Route("/api/v1/attempts/{attempt_id}", one, methods=["GET"]),
        Route("/api/v1/attempts/{attempt_id}/submit", submit, methods=["POST"]),
    ]
