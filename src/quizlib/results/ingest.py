"""Accepting statements from a learner: check them, re-score them with :mod:`quizlib.score`, store them.

The server never trusts a score a client sends. It reads the facts of each statement (quiz, question, try,
response; for a finished quiz every answer), scores them itself, and stores a statement it builds with
:mod:`quizlib.xapi`. For each *completed* attempt it adds its own *passed* or *failed* statement, judged by
the assignment's pass mark (the quiz's own when the statement names no assignment).

Used by the server (``POST /api/v1/statements``) and by anything that records results without HTTP, such as
the demo-data command.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from quizlib.quiz import draw, score
from quizlib.quiz.kinds import kind_of
from quizlib.quiz.model import Course, Question, Quiz
from quizlib.results import xapi
from quizlib.results.store import Learner, StatementConflict, StatementRecord, Store

MAX_BATCH = 200  # statements in one request
MAX_STATEMENT_BYTES = 32 * 1024  # one statement as JSON; a finished final assessment has about 6 KB
MAX_REASON = 300  # characters of a reason: never a long value echoed back
# Derived passed/failed statements get an id made from the completed statement's id, so that two server
# processes (or a resend) derive the same statement and store it once.
VERDICT_NAMESPACE = uuid.UUID("5a0c6a4e-6f0a-4c4e-9d1e-7a1b5b0e3c21")
CLIENT_VERBS = ("answered", "completed")


class Rejected(Exception):
    """Statements the server will not store. ``status`` is the HTTP status; ``errors`` say why, by index."""

    def __init__(self, status: int, message: str, errors: Sequence[dict] = ()):
        self.status = status
        self.message = message
        self.errors = list(errors)
        super().__init__(message)

    def as_json(self) -> dict:
        return {"error": self.message, "status": self.status, "errors": self.errors}


class _Bad(Exception):
    def __init__(self, status: int, reason: str, path: str = ""):
        self.status, self.reason, self.path = status, reason, path


@dataclass(frozen=True)
class Scored:
    ids: list[str]  # the ids of the statements sent, in order
    records: list[StatementRecord]  # what to store: each statement re-scored, and the server's verdicts


@dataclass(frozen=True)
class Accepted:
    ids: list[str]  # the ids of the statements sent, in order
    new: int  # how many were stored for the first time


class Ingestor:
    """Turns a learner's statements into stored, server-scored records."""

    def __init__(self, course: Course, store: Store, home_page: str, *, own_clock: bool = False):
        """``own_clock``: keep the server's own clock (the course server does): each statement's time is
        clamped to between the learner's joining and now (:func:`_believable`). Off for a trusted writer
        that dates answers itself, such as demo data spread over past weeks."""
        self.course = course
        self.store = store
        self.home_page = home_page
        self.own_clock = own_clock

    def accept(self, learner: Learner, payload: Any) -> Accepted:
        """Store one statement (a JSON object) or a list of them, all or none. Raises :class:`Rejected`."""
        scored = self.score(learner, payload)
        try:
            new = self.store.add_statements(scored.records)
        except StatementConflict as e:
            raise Rejected(
                409,
                f"statement id already stored with different content: {', '.join(e.ids)}; "
                "give each new statement a new id",
                [{"id": i, "status": 409, "reason": "already stored with different content"} for i in e.ids],
            ) from None
        sent = {r.id: flag for r, flag in zip(scored.records, new)}
        return Accepted(ids=scored.ids, new=sum(1 for i in scored.ids if sent.get(i)))

    def score(self, learner: Learner, payload: Any) -> Scored:
        """Check and re-score what :meth:`accept` would store, without storing it. Raises :class:`Rejected`.

        For callers that store many learners' records in one transaction (benchmarks filling a database).
        """
        items = payload if isinstance(payload, list) else [payload]
        if not isinstance(payload, (list, dict)):
            raise Rejected(400, "expected a statement (a JSON object) or a list of statements")
        if not items:
            raise Rejected(400, "expected at least one statement; the list is empty")
        if len(items) > MAX_BATCH:
            raise Rejected(413, f"expected at most {MAX_BATCH} statements in one request; send them in smaller batches")
        # Deleted assignments too: a browser that was offline may still send answers made under one.
        assignments = {a.id: a for a in self.store.assignments(learner.cohort_id, include_deleted=True)}
        now = datetime.now(UTC)
        ids: list[str] = []
        records: list[StatementRecord] = []
        errors: list[dict[str, Any]] = []
        for i, item in enumerate(items):
            try:
                size = len(json.dumps(item, ensure_ascii=False).encode("utf-8"))
                if size > MAX_STATEMENT_BYTES:
                    raise _Bad(413, f"the statement has {size:,} bytes; expected at most {MAX_STATEMENT_BYTES:,}")
                incoming = xapi.check(item)  # read once: its id is what the request is answered with
                if self.own_clock:
                    incoming = dataclasses.replace(incoming, timestamp=_believable(incoming.timestamp, learner, now))
                records += self._records(learner, incoming, assignments)
                ids.append(incoming.id)
            except xapi.StatementError as e:
                errors.append(
                    {"index": i, "id": _id_of(item), "status": 400, "path": e.path, "reason": _short(e.message)}
                )
            except _Bad as e:
                errors.append(
                    {"index": i, "id": _id_of(item), "status": e.status, "path": e.path, "reason": _short(e.reason)}
                )
        if errors:
            status = max(e["status"] for e in errors) if len({e["status"] for e in errors}) == 1 else 400
            first = errors[0]
            where = f" (statement {first['index']}{', ' + first['path'] if first['path'] else ''})"
            raise Rejected(status, f"{first['reason']}{where}; nothing was stored", errors)
        return Scored(ids=ids, records=records)

    # -- one statement ---------------------------------------------------------------------------------

    def _records(
        self, learner: Learner, incoming: xapi.IncomingAnswer | xapi.IncomingAttempt, assignments: dict
    ) -> list[StatementRecord]:
        if incoming.verb not in CLIENT_VERBS:
            raise _Bad(422, f"clients send answered or completed; the server decides {incoming.verb}", "verb.id")
        if incoming.learner_id != learner.id:
            raise _Bad(
                403,
                "the statement's actor is another learner; send only your own statements with your own token",
                "actor.account.name",
            )
        quiz = self._quiz(incoming.quiz_id)
        if incoming.chapter is not None and incoming.chapter != quiz.chapter:
            raise _Bad(
                422,
                f"quiz {quiz.id!r} belongs to chapter {quiz.chapter!r}, not {incoming.chapter!r}",
                "context.contextActivities.grouping",
            )
        pass_mark = quiz.settings.pass_mark
        if incoming.registration is not None:
            assignment = assignments.get(incoming.registration)
            if assignment is None:
                raise _Bad(422, "the registration is not an assignment of your cohort", "context.registration")
            # A trainer may have taken the quiz out of the assignment since the browser learned it: the answer
            # is kept, and judged by the quiz's own pass mark.
            if quiz.id in assignment.quiz_ids:
                pass_mark = assignment.pass_mark
        # The account is this server's, whatever address the client wrote (it was checked to be a web address).
        actor = xapi.agent(learner.id, self.home_page)
        if isinstance(incoming, xapi.IncomingAnswer):
            return [self._answered(learner, quiz, incoming, actor)]
        return self._finished(learner, quiz, incoming, actor, pass_mark)

    def _quiz(self, quiz_id: str) -> Quiz:
        quiz = self.course.quizzes.get(quiz_id)
        if quiz is None:
            raise _Bad(422, f"no quiz {quiz_id!r} in this course", "object.id")
        return quiz

    def _shown(self, quiz: Quiz, seed: int | None) -> tuple[Question, ...]:
        if quiz.draw and seed is None:
            raise _Bad(
                422,
                f"quiz {quiz.id!r} draws its questions: the statement needs the seed of the draw",
                f"context.extensions[{xapi.EXT_SEED}]",
            )
        return draw.shown_questions(quiz, self.course.quizzes, seed)

    def _answered(self, learner: Learner, quiz: Quiz, s: xapi.IncomingAnswer, actor: dict) -> StatementRecord:
        shown = {q.id: q for q in self._shown(quiz, s.seed)}
        question = shown.get(s.question_id)
        if question is None:
            drawn = " drawn with this seed" if quiz.draw else ""
            raise _Bad(422, f"no question {s.question_id!r}{drawn} in quiz {quiz.id!r}", "object.id")
        limit = kind_of(question).tries_allowed(quiz.settings)
        if s.try_number > limit:
            raise _Bad(
                422,
                f"quiz {quiz.id!r} allows {limit} {'try' if limit == 1 else 'tries'} at a question, "
                f"this is try {s.try_number}",
                f"context.extensions[{xapi.EXT_TRY}]",
            )
        try:
            result = score.score_response(question, s.response, quiz.settings)
        except score.ResponseError as e:
            raise _Bad(
                422,
                f"the response does not fit question {question.id!r}: {e}",
                f"result.extensions[{xapi.EXT_RESPONSE}]",
            ) from None
        credit, final = score.try_credit(question, quiz.settings, result, s.try_number)
        statement = xapi.answered(
            statement_id=s.id,
            actor=actor,
            quiz_id=quiz.id,
            chapter=quiz.chapter,
            question_id=question.id,
            kind=question.kind,
            prompt=question.prompt,
            response=s.response,
            try_number=s.try_number,
            attempt_id=s.attempt_id,
            credit=credit,
            correct=result.correct,
            final=final,
            when=s.timestamp,
            registration=s.registration,
            seed=s.seed,
        )
        return StatementRecord(
            id=s.id,
            learner_id=learner.id,
            verb="answered",
            quiz_id=quiz.id,
            question_id=question.id,
            attempt_id=s.attempt_id,
            try_number=s.try_number,
            registration=s.registration,
            timestamp=s.timestamp,
            credit=credit,
            final=final,
            statement=statement,
            received=s.raw,
            detail={
                "response": s.response,
                "try_credit": result.credit,
                "kind": question.kind,
                "max_points": question.points,
            },
        )

    def _finished(
        self, learner: Learner, quiz: Quiz, s: xapi.IncomingAttempt, actor: dict, pass_mark: float
    ) -> list[StatementRecord]:
        shown = self._shown(quiz, s.seed)
        try:
            result = score.score_quiz(quiz, s.answers, shown)
        except score.ResponseError as e:
            raise _Bad(
                422, f"the answers do not fit quiz {quiz.id!r}: {e}", f"result.extensions[{xapi.EXT_ANSWERS}]"
            ) from None
        if not result.complete:
            open_ = [o.question_id for o in result.questions if not o.final]
            raise _Bad(
                422,
                f"the quiz is not finished: {', '.join(open_)} can still be answered",
                f"result.extensions[{xapi.EXT_ANSWERS}]",
            )
        passed = result.percentage >= pass_mark
        kinds = {q.id: q.kind for q in shown}
        questions = [
            {
                "question_id": o.question_id,
                "credit": o.credit,
                "max_points": o.max_points,
                "kind": kinds[o.question_id],
                "first_response": (s.answers.get(o.question_id, {}).get("tries") or [None])[0],
            }
            for o in result.questions
        ]
        common: dict[str, Any] = {
            "actor": actor,
            "quiz_id": quiz.id,
            "chapter": quiz.chapter,
            "title": quiz.title,
            "answers": s.answers,
            "points": result.points,
            "max_points": result.max_points,
            "percentage": result.percentage,
            "passed": passed,
            "complete": True,
            "attempt_id": s.attempt_id,
            "when": s.timestamp,
            "registration": s.registration,
            "seed": s.seed,
        }
        completed = xapi.finished(verb="completed", statement_id=s.id, **common)
        verdict_id = str(uuid.uuid5(VERDICT_NAMESPACE, s.id))
        verb = "passed" if passed else "failed"
        verdict = xapi.finished(verb=verb, statement_id=verdict_id, **common)
        base: dict[str, Any] = {
            "learner_id": learner.id,
            "quiz_id": quiz.id,
            "attempt_id": s.attempt_id,
            "registration": s.registration,
            "timestamp": s.timestamp,
            "credit": round(result.percentage / 100, 4),
            "final": True,
            "percentage": result.percentage,
            "passed": passed,
        }
        return [
            StatementRecord(
                id=s.id,
                verb="completed",
                statement=completed,
                received=s.raw,
                detail={
                    "points": result.points,
                    "max_points": result.max_points,
                    "pass_mark": pass_mark,
                    "quiz_passed": result.passed,
                    "questions": questions,
                },
                **base,
            ),
            StatementRecord(
                id=verdict_id,
                verb=verb,
                statement=verdict,
                received=verdict,
                detail={"derived_from": s.id, "pass_mark": pass_mark},
                **base,
            ),
        ]


def _id_of(item: Any) -> str | None:
    found = item.get("id") if isinstance(item, dict) else None
    return found if isinstance(found, str) and len(found) <= 100 else None


def _short(reason: str) -> str:
    return reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 1] + "…"


def _believable(moment: datetime, learner: Learner, now: datetime) -> datetime:
    """The time a statement is stored under: the client's, moved into the span the server can vouch for.

    The server keeps its own clock. A time before the learner joined becomes the time they joined (a
    browser may keep answers from before it joined, or have its clock wrong); a time after the server
    received the statement becomes that moment. Such statements are clamped, not refused: no answer is lost
    for a wrong clock, and none can be dated before the learner existed or after it arrived.
    """
    return min(max(moment, learner.created_at), now)


__all__ = ["MAX_BATCH", "Accepted", "Ingestor", "Rejected", "Scored"]
