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


class LearnerRow(Base):
    __tablename__ = "learners"
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    cohort_id: Mapped[str] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(320), nullable=True)  # migration 0002
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StatementRow(Base):
    __tablename__ = "statements"
    __table_args__ = (sa.Index("ix_statements_verb_quiz", "verb", "quiz_id"),)
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    learner_id: Mapped[str] = mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"), index=True)
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
    duration: Mapped[float | None] = mapped_column(sa.Float, nullable=True)  # seconds spent (migration 0005)


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
    duration: Mapped[float | None] = mapped_column(sa.Float, nullable=True)  # seconds spent (migration 0005)


class AttemptRow(Base):
    """An attempt at a summative quiz, started by the server (migration 0005): its seed, its time and, once
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
