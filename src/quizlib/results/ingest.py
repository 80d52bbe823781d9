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
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from quizlib.quiz import draw, score
from quizlib.quiz.kinds import kind_of
from quizlib.quiz.model import Course, Question, Quiz
from quizlib.quiz.score import QuizResult
from quizlib.results import xapi
from quizlib.results.store import IssuedAttempt, Learner, StatementConflict, StatementRecord, Store, canonical_json

MAX_BATCH = 200  # statements in one request
# One statement as compact JSON (its canonical text, as the store keeps it); a finished final assessment has
# about 6 KB.
MAX_STATEMENT_BYTES = 32 * 1024
MAX_REASON = 300  # characters of a reason: never a long value echoed back
# Derived passed/failed statements get an id made from the completed statement's id, so that two server
# processes (or a resend) derive the same statement and store it once.
VERDICT_NAMESPACE = uuid.UUID("5a0c6a4e-6f0a-4c4e-9d1e-7a1b5b0e3c21")
# The statements of a submitted summative attempt get ids made from the attempt's id and the question's.
ATTEMPT_NAMESPACE = uuid.UUID("2f6e3c1a-8b4d-4f2e-a7c9-51d0e8b3a64f")
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

    def accepted(self, new: Sequence[bool]) -> Accepted:
        """What storing ``records`` came to, given for each whether it was new (``Store.add_statements``)."""
        sent = {r.id: flag for r, flag in zip(self.records, new)}
        return Accepted(ids=self.ids, new=sum(1 for i in self.ids if sent.get(i)))


def conflict(e: StatementConflict) -> Rejected:
    """The 409 for statement ids already stored with other content."""
    return Rejected(
        409,
        f"statement id already stored with different content: {', '.join(e.ids)}; give each new statement a new id",
        [{"id": i, "status": 409, "reason": "already stored with different content"} for i in e.ids],
    )


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
            raise conflict(e) from None
        return scored.accepted(new)

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
        assignments = _Registrations(self.store, learner.cohort_id)
        now = datetime.now(UTC)
        ids: list[str] = []
        records: list[StatementRecord] = []
        errors: list[dict[str, Any]] = []
        sent = _Answers()  # the answers of this request, which a completed statement in it counts too
        for i, item in enumerate(items):
            try:
                text = canonical_json(item)  # measured here, compared by the store (idempotency)
                size = len(text) if text.isascii() else len(text.encode("utf-8"))
                if size > MAX_STATEMENT_BYTES:
                    raise _Bad(413, f"the statement has {size:,} bytes; expected at most {MAX_STATEMENT_BYTES:,}")
                incoming = xapi.check(item)  # read once: its id is what the request is answered with
                if self.own_clock:
                    moment = _believable(incoming.timestamp, learner, now)
                    if moment is not incoming.timestamp:
                        incoming = dataclasses.replace(incoming, timestamp=moment)
                made = self._records(learner, incoming, assignments, sent, text)
                records += made
                if isinstance(incoming, xapi.IncomingAnswer):
                    sent.add(incoming.quiz_id, incoming.attempt_id, made[0])
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
        self,
        learner: Learner,
        incoming: xapi.IncomingAnswer | xapi.IncomingAttempt,
        assignments: _Registrations,
        sent: _Answers,
        text: str | None = None,
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
        if quiz.summative:
            self._refuse_summative(learner, quiz, incoming)
        if incoming.chapter is not None and incoming.chapter != quiz.chapter:
            raise _Bad(
                422,
                f"quiz {quiz.id!r} belongs to chapter {quiz.chapter!r}, not {incoming.chapter!r}",
                "context.contextActivities.grouping",
            )
        pass_mark = quiz.settings.pass_mark
        if incoming.registration is not None:
            # A finished attempt is judged by the assignment's pass mark as it is now.
            assignment = assignments.get(incoming.registration, fresh=isinstance(incoming, xapi.IncomingAttempt))
            if assignment is None:
                raise _Bad(422, "the registration is not an assignment of your cohort", "context.registration")
            # A trainer may have taken the quiz out of the assignment since the browser learned it: the answer
            # is kept, and judged by the quiz's own pass mark.
            if quiz.id in assignment.quiz_ids:
                pass_mark = assignment.pass_mark
        # The account is this server's, whatever address the client wrote (it was checked to be a web address).
        actor = xapi.agent(learner.id, self.home_page)
        if isinstance(incoming, xapi.IncomingAnswer):
            return [self._answered(learner, quiz, incoming, actor, text)]
        return self._finished(learner, quiz, incoming, actor, pass_mark, sent)

    def _refuse_summative(self, learner: Learner, quiz: Quiz, s: xapi.Incoming) -> None:
        """A summative quiz's attempts are started and scored by the server (``/api/v1/attempts``): a seed it
        did not issue to this learner is refused, and so is a statement for an attempt it did issue (the
        server makes those statements itself when the attempt is submitted)."""
        seed_field = f"context.extensions[{xapi.EXT_SEED}]"
        issued = [a for a in self.store.attempts(learner.id, quiz.id) if a.seed == s.seed]
        if not issued:
            raise _Bad(
                422,
                f"quiz {quiz.id!r} is an assessment scored by the server, and this seed is not one the server "
                "issued to you: start an attempt with POST /api/v1/attempts, which draws the seed",
                seed_field,
            )
        raise _Bad(
            422,
            f"attempts at quiz {quiz.id!r} are scored by the server: send the responses to "
            f"POST /api/v1/attempts/{issued[0].id}/submit; the server makes the statements",
            "verb.id",
        )

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

    def _answered(
        self, learner: Learner, quiz: Quiz, s: xapi.IncomingAnswer, actor: dict, text: str | None = None
    ) -> StatementRecord:
        """``text``: ``s.raw`` as canonical JSON, if the caller made it."""
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
            duration=s.duration,
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
            received_text=text,
            detail={
                "response": s.response,
                "try_credit": result.credit,
                "kind": question.kind,
                "max_points": question.points,
                "duration": s.duration,
            },
        )

    def _finished(
        self, learner: Learner, quiz: Quiz, s: xapi.IncomingAttempt, actor: dict, pass_mark: float, sent: _Answers
    ) -> list[StatementRecord]:
        """A finished attempt, scored over the answers the server recorded for it (stored, or sent earlier in
        the same request), never over the answers the completed statement claims: those only say which
        questions the learner asked to see the answer of."""
        shown = self._shown(quiz, s.seed)
        recorded = _Answers()
        for question_id, try_number, response, duration in self.store.recorded_answers(
            learner.id, quiz.id, s.attempt_id
        ):
            recorded.put(quiz.id, s.attempt_id, question_id, try_number, response, duration)
        recorded.merge(sent, quiz.id, s.attempt_id)
        tries = recorded.tries(quiz.id, s.attempt_id)
        answers = {
            qid: {"tries": responses, "revealed": bool(s.answers.get(qid, {}).get("revealed", False))}
            for qid, responses in tries.items()
        }
        for qid, claimed in s.answers.items():
            if claimed.get("revealed") and qid not in answers:
                answers[qid] = {"tries": [], "revealed": True}
        try:
            result = score.score_quiz(quiz, answers, shown)
        except score.ResponseError as e:
            raise _Bad(
                422, f"the answers do not fit quiz {quiz.id!r}: {e}", f"result.extensions[{xapi.EXT_ANSWERS}]"
            ) from None
        if not result.complete:
            open_ = [o.question_id for o in result.questions if not o.final]
            raise _Bad(
                422,
                f"the quiz is not finished by the answers recorded for this attempt: {', '.join(open_)} can still "
                "be answered (send the answered statements before the completed one)",
                f"result.extensions[{xapi.EXT_ANSWERS}]",
            )
        durations = recorded.durations(quiz.id, s.attempt_id)
        return self._finished_records(
            learner=learner,
            quiz=quiz,
            shown=shown,
            statement_id=s.id,
            actor=actor,
            answers=answers,
            result=result,
            pass_mark=pass_mark,
            attempt_id=s.attempt_id,
            when=s.timestamp,
            registration=s.registration,
            seed=s.seed,
            duration=s.duration,
            durations=durations,
            received=s.raw,
        )

    def _finished_records(
        self,
        *,
        learner: Learner,
        quiz: Quiz,
        shown: Sequence[Question],
        statement_id: str,
        actor: dict,
        answers: dict[str, Any],
        result: QuizResult,
        pass_mark: float,
        attempt_id: str,
        when: datetime,
        registration: str | None,
        seed: int | None,
        duration: float | None,
        durations: dict[str, float],
        received: dict | None,
    ) -> list[StatementRecord]:
        """The completed statement of a scored attempt and the server's passed or failed verdict."""
        passed = result.percentage >= pass_mark
        kinds = {q.id: q.kind for q in shown}
        questions = [
            {
                "question_id": o.question_id,
                "credit": o.credit,
                "max_points": o.max_points,
                "kind": kinds[o.question_id],
                "first_response": (answers.get(o.question_id, {}).get("tries") or [None])[0],
                "duration": durations.get(o.question_id),
            }
            for o in result.questions
        ]
        common: dict[str, Any] = {
            "actor": actor,
            "quiz_id": quiz.id,
            "chapter": quiz.chapter,
            "title": quiz.title,
            "answers": answers,
            "points": result.points,
            "max_points": result.max_points,
            "percentage": result.percentage,
            "passed": passed,
            "complete": True,
            "attempt_id": attempt_id,
            "when": when,
            "registration": registration,
            "seed": seed,
            "duration": duration,
        }
        completed = xapi.finished(verb="completed", statement_id=statement_id, **common)
        verdict_id = str(uuid.uuid5(VERDICT_NAMESPACE, statement_id))
        verb = "passed" if passed else "failed"
        verdict = xapi.finished(verb=verb, statement_id=verdict_id, **common)
        base: dict[str, Any] = {
            "learner_id": learner.id,
            "quiz_id": quiz.id,
            "attempt_id": attempt_id,
            "registration": registration,
            "timestamp": when,
            "credit": round(result.percentage / 100, 4),
            "final": True,
            "percentage": result.percentage,
            "passed": passed,
        }
        return [
            StatementRecord(
                id=statement_id,
                verb="completed",
                statement=completed,
                received=received if received is not None else completed,
                detail={
                    "points": result.points,
                    "max_points": result.max_points,
                    "pass_mark": pass_mark,
                    "quiz_passed": result.passed,
                    "questions": questions,
                    "duration": duration,
                },
                **base,
            ),
            StatementRecord(
                id=verdict_id,
                verb=verb,
                statement=verdict,
                received=verdict,
                detail={"derived_from": statement_id, "pass_mark": pass_mark},
                **base,
            ),
        ]

    # -- an attempt the server started and scores (a summative quiz) ----------------------------------

    def submitted(
        self,
        learner: Learner,
        quiz: Quiz,
        attempt: IssuedAttempt,
        answers: dict[str, dict[str, Any]],
        durations: dict[str, float],
        *,
        pass_mark: float,
        when: datetime,
    ) -> tuple[QuizResult, list[StatementRecord]]:
        """Score a submitted summative attempt (``answers`` in the questions' own ids, one try each) and make
        its statements: one *answered* per question answered, *completed*, and *passed* or *failed*.

        Every question is final once the attempt is submitted; one left unanswered earns nothing. Statement
        ids derive from the attempt's id, so a repeated submission makes the same statements.
        """
        shown = self._shown(quiz, attempt.seed)
        result = score.score_quiz(quiz, answers, shown)  # raises ResponseError
        actor = xapi.agent(learner.id, self.home_page)
        records = []
        by_id = {q.id: q for q in shown}
        for o in result.questions:
            if o.last is None:
                continue
            question = by_id[o.question_id]
            response = answers[o.question_id]["tries"][0]
            statement_id = str(uuid.uuid5(ATTEMPT_NAMESPACE, f"{attempt.id}:{question.id}"))
            statement = xapi.answered(
                statement_id=statement_id,
                actor=actor,
                quiz_id=quiz.id,
                chapter=quiz.chapter,
                question_id=question.id,
                kind=question.kind,
                prompt=question.prompt,
                response=response,
                try_number=1,
                attempt_id=attempt.id,
                credit=o.credit,
                correct=o.last.correct,
                final=True,
                when=when,
                registration=attempt.registration,
                seed=attempt.seed,
                duration=durations.get(question.id),
            )
            records.append(
                StatementRecord(
                    id=statement_id,
                    learner_id=learner.id,
                    verb="answered",
                    quiz_id=quiz.id,
                    question_id=question.id,
                    attempt_id=attempt.id,
                    try_number=1,
                    registration=attempt.registration,
                    timestamp=when,
                    credit=o.credit,
                    final=True,
                    statement=statement,
                    received=statement,
                    detail={
                        "response": response,
                        "try_credit": o.last.credit,
                        "kind": question.kind,
                        "max_points": question.points,
                        "duration": durations.get(question.id),
                    },
                )
            )
        records += self._finished_records(
            learner=learner,
            quiz=quiz,
            shown=shown,
            statement_id=str(uuid.uuid5(ATTEMPT_NAMESPACE, f"{attempt.id}:completed")),
            actor=actor,
            answers=answers,
            result=result,
            pass_mark=pass_mark,
            attempt_id=attempt.id,
            when=when,
            registration=attempt.registration,
            seed=attempt.seed,
            duration=(when - attempt.started_at).total_seconds(),
            durations=durations,
            received=None,
        )
        return result, records


class _Registrations:
    """A cohort's assignments by id (deleted ones too: a browser that was offline may still send answers made
    under one), read from the store when first needed, as it remembers them for a few seconds; an id not
    among them, or a finished attempt's assignment (whose pass mark judges it), is read afresh."""

    def __init__(self, store: Store, cohort_id: str):
        self.store, self.cohort_id = store, cohort_id

    def get(self, assignment_id: str, *, fresh: bool = False) -> Any:
        if not fresh:
            found = self.store.registrations(self.cohort_id).get(assignment_id)
            if found is not None:
                return found
        return self.store.registrations(self.cohort_id, max_age=0).get(assignment_id)


class _Answers:
    """Answers of attempts by (quiz, attempt): question id -> try number -> (response, duration), the later
    of two with the same try winning (each decision of a case is sent as try 1 with the path so far)."""

    def __init__(self) -> None:
        self.by_attempt: dict[tuple[str, str], dict[str, dict[int, tuple[Any, Any]]]] = {}

    def put(self, quiz_id: str, attempt_id: str, question_id: str, try_number: int, response: Any, duration: Any):
        self.by_attempt.setdefault((quiz_id, attempt_id), {}).setdefault(question_id, {})[try_number] = (
            response,
            duration,
        )

    def add(self, quiz_id: str, attempt_id: str, record: StatementRecord) -> None:
        assert record.question_id is not None and record.try_number is not None
        self.put(
            quiz_id,
            attempt_id,
            record.question_id,
            record.try_number,
            record.detail["response"],
            record.detail.get("duration"),
        )

    def merge(self, other: _Answers, quiz_id: str, attempt_id: str) -> None:
        for question_id, tries in other.by_attempt.get((quiz_id, attempt_id), {}).items():
            for n, (response, duration) in tries.items():
                self.put(quiz_id, attempt_id, question_id, n, response, duration)

    def tries(self, quiz_id: str, attempt_id: str) -> dict[str, list[Any]]:
        return {
            qid: [tries[n][0] for n in sorted(tries)]
            for qid, tries in self.by_attempt.get((quiz_id, attempt_id), {}).items()
        }

    def durations(self, quiz_id: str, attempt_id: str) -> dict[str, float]:
        out = {}
        for qid, tries in self.by_attempt.get((quiz_id, attempt_id), {}).items():
            duration = tries[max(tries)][1]
            if duration is not None:
                out[qid] = duration
        return out


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


__all__ = ["MAX_BATCH", "Accepted", "Ingestor", "Rejected", "Scored", "conflict"]
