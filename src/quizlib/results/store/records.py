"""What the store hands out: plain frozen dataclasses (nothing outside the store sees an ORM object)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class Staff:
    id: str
    name: str
    role: str  # "lead" or "trainer"
    password_hash: str
    must_change_password: bool
    session_generation: int  # bumped when the password changes or the account is deactivated: ends older sessions
    created_at: datetime
    active: bool = True  # a deactivated account cannot sign in; its cohorts stay until a lead reassigns them


@dataclass(frozen=True)
class Cohort:
    id: str
    name: str
    code: str  # the join code in /join/<code>
    trainer_id: str
    created_at: datetime
    time_zone: str = "UTC"  # an IANA name: a due date ends at midnight there


@dataclass(frozen=True)
class Assignment:
    id: str  # also the xAPI registration of every statement made for it
    cohort_id: str
    title: str
    chapters: tuple[str, ...]
    quiz_ids: tuple[str, ...]  # the quizzes a learner must pass, the final assessment among them if chosen
    include_final: bool
    pass_mark: float
    due_date: date | None  # a day in the cohort's time zone
    created_at: datetime
    deleted_at: datetime | None = None


@dataclass(frozen=True)
class Learner:
    id: str
    cohort_id: str
    display_name: str
    email: str | None
    created_at: datetime
    note: str | None = None  # the trainer's note
    merged_into: str | None = None  # a duplicate merged into this other learner


@dataclass(frozen=True)
class AssignmentChange:
    """One change to an assignment: ``before`` and ``after`` hold the fields that changed (None when made or
    deleted)."""

    assignment_id: str
    staff_id: str | None
    at: datetime
    action: str  # "created", "changed" or "deleted"
    before: dict | None
    after: dict | None


@dataclass(frozen=True)
class Reminder:
    learner_id: str
    assignment_id: str | None
    staff_id: str | None
    at: datetime
    channel: str  # "email" or "copied"


@dataclass(frozen=True)
class StatementRecord:
    """One statement as the server scored it, ready to store (see :mod:`quizlib.ingest`).

    ``detail`` for ``answered``: ``response``, ``try_credit``, ``kind``, ``max_points``; for ``completed``:
    ``points``, ``max_points``, ``questions`` (each question's ``question_id``, ``credit``, ``max_points``,
    ``first_response``, ``kind``). ``received`` is the statement exactly as sent, for idempotency;
    ``received_text`` its :func:`canonical_json`, when whoever made the record has it already (the ingest
    makes it to measure the statement), so that the store does not make it again.
    """

    id: str
    learner_id: str
    verb: str
    quiz_id: str
    attempt_id: str
    timestamp: datetime
    statement: dict
    received: dict
    question_id: str | None = None
    try_number: int | None = None
    registration: str | None = None
    credit: float | None = None
    final: bool | None = None
    percentage: float | None = None
    passed: bool | None = None
    detail: dict = dataclasses.field(default_factory=dict)
    received_text: str | None = None


@dataclass(frozen=True)
class IssuedAttempt:
    """An attempt at a summative quiz that the server started: its seed and time and, once submitted, its result.

    ``result`` (once submitted): ``points``, ``max_points``, ``pass_mark``, ``responses`` (question id -> the
    response in the question's own ids, None if unanswered) and ``durations`` (question id -> seconds).
    """

    id: str
    learner_id: str
    quiz_id: str
    number: int  # 1 for the learner's first attempt at the quiz
    seed: int
    registration: str | None
    started_at: datetime
    deadline: datetime | None
    submitted_at: datetime | None
    percentage: float | None
    passed: bool | None
    result: dict | None


@dataclass(frozen=True)
class Activity:
    """The facts of a stored statement that progress pages need, without its JSON (cheap to load in bulk)."""

    learner_id: str
    verb: str
    quiz_id: str
    question_id: str | None
    attempt_id: str
    timestamp: datetime
    percentage: float | None
    passed: bool | None


@dataclass(frozen=True)
class StoredStatement:
    id: str
    learner_id: str
    verb: str
    quiz_id: str
    question_id: str | None
    attempt_id: str
    try_number: int | None
    registration: str | None
    timestamp: datetime
    stored: datetime
    credit: float | None
    final: bool | None
    percentage: float | None
    passed: bool | None
    detail: dict
    statement: dict


def canonical_json(value: Any) -> str:
    """The one text of a JSON value that idempotency compares: sorted keys, no spaces."""
    return _CANONICAL(value)


# Made once: json.dumps with options makes a new encoder on every call.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def digest(text: str) -> str:
    """The SHA-256 of ``text`` as hex: how the store keeps what it must recognise but never hold, such as a
    learner's token (random, so no salt is needed) or a throttled name or address."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class OutboxItem:
    """A statement claimed to be forwarded: its id and the statement as the store keeps it."""

    statement_id: str
    statement: dict
    attempts: int  # how many times it has been claimed, this time included


@dataclass(frozen=True)
class RefusedStatement:
    """A statement the external LRS will not take (for example 409: it holds another with the same id)."""

    statement_id: str
    verb: str
    quiz_id: str
    stored: datetime
    status: int | None  # the LRS's HTTP status
    reason: str
    refused_at: datetime


@dataclass(frozen=True)
class ForwardingState:
    """Where forwarding to the external LRS stands, as every server process sees it."""

    pending: int  # statements waiting to be forwarded (claimed ones included)
    oldest_pending: datetime | None  # when the oldest of them was stored
    refused: int
    forwarded: int  # statements the LRS has taken, in all
    endpoint: str | None  # the LRS's address (no credentials), as the last forwarder to look recorded it
    checked_at: datetime | None  # when a forwarder last looked at the outbox
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    failures: int  # failed sends in a row since the last success
    retry_at: datetime | None  # no forwarder sends before this (backoff)


@dataclass(frozen=True)
class Certificate:
    """A certificate of completion as the server issued it (``/verify/<code>`` shows it)."""

    code: str  # ten characters, as issued (lower case); shown in groups, read in any case
    learner_id: str
    scope: str  # "course", or the id of the assignment it was earned in
    title: str
    course_title: str
    learner_name: str
    issued_at: datetime
    percentage: float
    quizzes: list  # [{id, title, percentage, pass_mark}]
