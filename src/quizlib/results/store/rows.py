"""The schema as the ORM sees it. The migrations (``migrations/``) make it; ``tests/test_store.py`` holds the
two to the same tables, columns and indexes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(sa.TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone, so it is put back on read)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to the store; expected one with a time zone")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    pass


class SettingRow(Base):
    __tablename__ = "quizlib_settings"
    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)


class StaffRow(Base):
    __tablename__ = "staff"
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    password_hash: Mapped[str] = mapped_column(sa.Text)
    must_change_password: Mapped[bool] = mapped_column(sa.Boolean)
    session_generation: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)  # migration 0004


class CohortRow(Base):
    __tablename__ = "cohorts"
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    trainer_id: Mapped[str] = mapped_column(sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="UTC")  # migration 0005


class AssignmentRow(Base):
    __tablename__ = "assignments"
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    cohort_id: Mapped[str] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    chapters: Mapped[list] = mapped_column(sa.JSON)
    quiz_ids: Mapped[list] = mapped_column(sa.JSON)
    include_final: Mapped[bool] = mapped_column(sa.Boolean)
    pass_mark: Mapped[float] = mapped_column(sa.Float)
    due_date: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # migration 0005


class LearnerRow(Base):
    __tablename__ = "learners"
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    cohort_id: Mapped[str] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(320), nullable=True)  # migration 0002
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(sa.Text, nullable=True)  # migration 0005: the trainer's note
    # Migration 0005: a duplicate merged into another learner; its token still works, for the other learner.
    merged_into: Mapped[str | None] = mapped_column(sa.String(36), nullable=True)
    # Migration 0011: how many statements are stored with this learner's id, kept as they are stored (and moved
    # on a merge), so the limit on what one learner may store is checked without counting them.
    statements_stored: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")


class AssignmentChangeRow(Base):
    """Who created, changed or deleted an assignment, and what it was before and after (migration 0005)."""

    __tablename__ = "assignment_changes"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    assignment_id: Mapped[str] = mapped_column(sa.ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[str | None] = mapped_column(sa.String(36), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(sa.String(16))
    before: Mapped[dict | None] = mapped_column(sa.JSON, nullable=True)
    after: Mapped[dict | None] = mapped_column(sa.JSON, nullable=True)


class ReminderRow(Base):
    """A reminder a trainer sent by e-mail or copied to send themselves (migration 0005)."""

    __tablename__ = "reminders"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    learner_id: Mapped[str] = mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"), index=True)
    assignment_id: Mapped[str | None] = mapped_column(sa.String(36), nullable=True)
    staff_id: Mapped[str | None] = mapped_column(sa.String(36), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(sa.String(16))


class StaffSessionRow(Base):
    """A signed-in browser (migration 0007); its cookie carries a random id, this row its SHA-256."""

    __tablename__ = "staff_sessions"
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    staff_id: Mapped[str] = mapped_column(sa.ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class StatementRow(Base):
    __tablename__ = "statements"
    __table_args__ = (
        sa.Index("ix_statements_verb_quiz", "verb", "quiz_id"),
        # Migration 0010: a learner's own recent statements are counted within this one index (it replaced one
        # on learner_id alone and one on learner_id, stored); since 0011 their total is kept on their row.
        sa.Index("ix_statements_learner_stored_verb", "learner_id", "stored", "verb"),
    )
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    learner_id: Mapped[str] = mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"))
    verb: Mapped[str] = mapped_column(sa.String(16))
    quiz_id: Mapped[str] = mapped_column(sa.String(100), index=True)
    question_id: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    attempt_id: Mapped[str] = mapped_column(sa.String(36))
    try_number: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    registration: Mapped[str | None] = mapped_column(sa.String(36), nullable=True)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime)
    stored: Mapped[datetime] = mapped_column(UTCDateTime)
    credit: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    final: Mapped[bool | None] = mapped_column(sa.Boolean, nullable=True)
    percentage: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    passed: Mapped[bool | None] = mapped_column(sa.Boolean, nullable=True)
    detail: Mapped[dict] = mapped_column(sa.JSON)
    received: Mapped[str] = mapped_column(sa.Text)
    statement: Mapped[dict] = mapped_column(sa.JSON)


class ThrottleFailureRow(Base):
    """One failed attempt that counts towards a throttle (migration 0004), e.g. a wrong password for a name.

    Kept here, not in a server process's memory, so every process behind a load balancer counts them all.
    ``key`` is a SHA-256 of what is throttled (a name, a client address), never the name or address itself.
    """

    __tablename__ = "throttle_failures"
    __table_args__ = (
        sa.Index("ix_throttle_failures_key", "scope", "key", "at"),
        sa.Index("ix_throttle_failures_at", "at"),
    )
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(sa.String(16))
    key: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class AttemptResultRow(Base):
    """One finished attempt (a *completed* statement), narrow, so reports need not read statements' JSON.

    Written with its statement, in the same transaction (migration 0003 filled it for older statements).
    The key is the order reports read attempts in (a quiz, a learner, as they finished): SQLite keeps the
    rows in that order (WITHOUT ROWID), so reading them is one sequential pass.
    """

    __tablename__ = "attempt_results"
    __table_args__ = (sa.Index("ix_attempt_results_learner", "learner_id"),)
    quiz_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    learner_id: Mapped[str] = mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    statement_id: Mapped[str] = mapped_column(
        sa.ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True, unique=True
    )
    attempt_id: Mapped[str] = mapped_column(sa.String(36))
    percentage: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    quiz_passed: Mapped[bool] = mapped_column(sa.Boolean)  # against the quiz's own pass mark
    duration: Mapped[float | None] = mapped_column(sa.Float, nullable=True)  # seconds spent (migration 0008)


class QuestionResultRow(Base):
    """One question of a finished attempt: its final credit and the first try's response (JSON text).

    Keyed by its attempt's key and its place in the attempt, so a quiz's answers are read in one pass, in order.
    """

    __tablename__ = "question_results"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["quiz_id", "learner_id", "completed_at", "statement_id"],
            [
                "attempt_results.quiz_id",
                "attempt_results.learner_id",
                "attempt_results.completed_at",
                "attempt_results.statement_id",
            ],
            ondelete="CASCADE",
        ),
    )
    quiz_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    learner_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    statement_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    position: Mapped[int] = mapped_column(sa.Integer, primary_key=True)  # the question's place in the attempt
    question_id: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(32))
    credit: Mapped[float] = mapped_column(sa.Float)
    max_points: Mapped[float] = mapped_column(sa.Float)
    first_response: Mapped[str | None] = mapped_column(sa.Text, nullable=True)  # None: never answered
    duration: Mapped[float | None] = mapped_column(sa.Float, nullable=True)  # seconds spent (migration 0008)


class OutboxRow(Base):
    """A stored statement not yet forwarded to the external LRS (migration 0006; :mod:`quizlib.results.forward`).

    Written in the same transaction as its statement, so a statement stored is a statement queued. A
    forwarder claims rows for a while (``claimed_by``, ``claimed_until``: a lease, so two processes never
    send the same row at once, and a crashed one's rows come back when the lease ends); a row goes when the
    LRS has it, or stays as ``refused`` with the LRS's answer when the LRS will never take it.
    """

    __tablename__ = "lrs_outbox"
    __table_args__ = (sa.Index("ix_lrs_outbox_state_queued", "state", "queued_at", "statement_id"),)
    statement_id: Mapped[str] = mapped_column(sa.ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(sa.String(16))  # "pending" or "refused"
    attempts: Mapped[int] = mapped_column(sa.Integer)  # how many times it was claimed to be sent
    claimed_by: Mapped[str | None] = mapped_column(sa.String(36), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    refused_status: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)  # the LRS's HTTP status
    refused_reason: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ForwardingRow(Base):
    """How forwarding to the external LRS goes (one row, id "lrs", made by migration 0006), shared by every
    server process: the course lead's page reads it, and ``retry_at`` makes every process wait out a backoff."""

    __tablename__ = "lrs_forwarding"
    id: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    endpoint: Mapped[str | None] = mapped_column(sa.String(2000), nullable=True)  # without credentials
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # a forwarder looked
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    failures: Mapped[int] = mapped_column(sa.Integer)  # in a row, since the last success
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    forwarded: Mapped[int] = mapped_column(sa.BigInteger)  # statements the LRS has taken, in all


class AttemptRow(Base):
    """An attempt at a summative quiz, started by the server (migration 0008): its seed, its time and, once
    submitted, its result. Keyed by the attempt id its statements carry."""

    __tablename__ = "attempts"
    __table_args__ = (sa.UniqueConstraint("learner_id", "quiz_id", "number", name="uq_attempts_learner_quiz_number"),)
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    learner_id: Mapped[str] = mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"))
    quiz_id: Mapped[str] = mapped_column(sa.String(100))
    number: Mapped[int] = mapped_column(sa.Integer)
    seed: Mapped[int] = mapped_column(sa.BigInteger)
    registration: Mapped[str | None] = mapped_column(sa.String(36), nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    percentage: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    passed: Mapped[bool | None] = mapped_column(sa.Boolean, nullable=True)
    result: Mapped[dict | None] = mapped_column(sa.JSON, nullable=True)


class ItemSumRow(Base):
    """Per question, the sums item analysis needs over learners' first finished attempts (migration 0010;
    :mod:`quizlib.results.store.items`): marks in ten-thousandths of a point, so the sums are exact."""

    __tablename__ = "item_sums"
    quiz_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    question_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    max_points: Mapped[float] = mapped_column(sa.Float)
    n: Mapped[int] = mapped_column(sa.BigInteger)  # first attempts that included the question
    sum_x: Mapped[int] = mapped_column(sa.BigInteger)  # the question's mark x
    sum_xx: Mapped[int] = mapped_column(sa.BigInteger)
    sum_r: Mapped[int] = mapped_column(sa.BigInteger)  # the rest of the attempt's marks r
    sum_rr: Mapped[int] = mapped_column(sa.BigInteger)
    sum_xr: Mapped[int] = mapped_column(sa.BigInteger)
    timed: Mapped[int] = mapped_column(sa.BigInteger)  # answers with a time spent recorded


class ItemResponseRow(Base):
    """How often each first response was given to a question on a first attempt (migration 0010)."""

    __tablename__ = "item_responses"
    quiz_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    question_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    response_key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)  # SHA-256 of the response
    response: Mapped[str] = mapped_column(sa.Text)  # its JSON text; "null" for no response
    count: Mapped[int] = mapped_column(sa.BigInteger)


class ItemTimeRow(Base):
    """How many first-attempt answers to a question took each time, in seconds as recorded (migration 0010)."""

    __tablename__ = "item_times"
    quiz_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    question_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    seconds: Mapped[float] = mapped_column(sa.Float, primary_key=True)
    count: Mapped[int] = mapped_column(sa.BigInteger)


class ItemTimeSecondRow(Base):
    """The same per whole second (migration 0010): where the median lies is found here, then read exactly in
    ``item_times`` within that second."""

    __tablename__ = "item_time_seconds"
    quiz_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    question_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    second: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    count: Mapped[int] = mapped_column(sa.BigInteger)


class BegunAttemptRow(Base):
    """Every attempt with at least one answer, and when its first answer was given (migration 0010): kept in the
    transaction that stores each *answered* statement, so progress reports read one row per attempt rather
    than grouping every answer. Keyed by learner first: a learner's rows (moved on a merge, deleted with the
    learner) are found by the key."""

    __tablename__ = "begun_attempts"
    learner_id: Mapped[str] = mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True)
    quiz_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    attempt_id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CertificateRow(Base):
    """A certificate of completion the server issued (migration 0009): what it says, kept here so that
    ``/verify/<code>`` can confirm it and nobody can make one up. ``scope`` is "course" (every required quiz
    of the course) or the id of the assignment it was earned in; a learner has one per scope."""

    __tablename__ = "certificates"
    __table_args__ = (sa.UniqueConstraint("learner_id", "scope", name="uq_certificates_learner_scope"),)
    code: Mapped[str] = mapped_column(sa.String(16), primary_key=True)  # random, from the join codes' alphabet
    learner_id: Mapped[str] = mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(sa.String(36))
    title: Mapped[str] = mapped_column(sa.String(300))  # what was completed: the course or the assignment
    course_title: Mapped[str] = mapped_column(sa.String(300))
    learner_name: Mapped[str] = mapped_column(sa.String(100))  # as the learner asked for it on the certificate
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    percentage: Mapped[float] = mapped_column(sa.Float)  # the mean of the best scores of its quizzes
    quizzes: Mapped[list] = mapped_column(sa.JSON)  # [{id, title, percentage, pass_mark}], in course order


class ResumeCodeRow(Base):
    """A short code that lets a learner carry on on another device (migration 0009): only its hash is kept; it
    is valid until ``expires_at`` and once. A learner has at most one (a new one replaces it)."""

    __tablename__ = "resume_codes"
    code_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    learner_id: Mapped[str] = mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
