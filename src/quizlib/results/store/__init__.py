"""The results store: one API object (:class:`Store`) over a SQL database, through SQLAlchemy 2.

SQLite (a file, by default ``var/course.sqlite3``) or PostgreSQL (``postgresql+psycopg://...``). The schema
is made and upgraded by Alembic migrations (``quizlib/migrations``, see :func:`upgrade`), never by
``create_all``, so an existing database upgrades in place. Nothing that matters is kept in memory: several
processes can share one PostgreSQL database.

Everything the store hands out is a plain frozen dataclass; nothing outside this module sees an ORM object.
Reports read narrow result tables written with each finished attempt (:mod:`quizlib.results`), not the
statements' JSON.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy import event, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

DEFAULT_URL = "sqlite:///var/course.sqlite3"
ROLES = ("lead", "trainer")
# One key for PostgreSQL's advisory lock, so only one process at a time runs migrations.
MIGRATION_LOCK_KEY = 0x71756C6962  # "qulib"


class StoreError(Exception):
    """Base of the store's errors."""


class NotFound(StoreError):
    """No such row, e.g. ``NotFound("No cohort 'x'")``."""


class DuplicateName(StoreError):
    """A staff name that is already taken."""


class StatementConflict(StoreError):
    """A statement id that is already stored with different content (xAPI: 409 Conflict)."""

    def __init__(self, ids: Sequence[str]):
        self.ids = list(ids)
        super().__init__(f"statement id already stored with different content: {', '.join(self.ids)}")


class SchemaNotCurrent(StoreError):
    """The database's schema is older than this version of quizlib: run ``quizlib db upgrade``."""


# -- the schema, as the ORM sees it (the migrations make it) ---------------------------------------------


class UTCDateTime(sa.TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone, so it is put back on read)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to the store; expected one with a time zone")
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
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
    quiz_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    learner_id: Mapped[str] = mapped_column(sa.ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    statement_id: Mapped[str] = mapped_column(sa.ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True,
                                              unique=True)
    attempt_id: Mapped[str] = mapped_column(sa.String(36))
    percentage: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    quiz_passed: Mapped[bool] = mapped_column(sa.Boolean)  # against the quiz's own pass mark


class QuestionResultRow(Base):
    """One question of a finished attempt: its final credit and the first try's response (JSON text).

    Keyed by its attempt's key and its place in the attempt, so a quiz's answers are read in one pass, in order.
    """

    __tablename__ = "question_results"
    __table_args__ = (
        sa.ForeignKeyConstraint(["quiz_id", "learner_id", "completed_at", "statement_id"],
                                ["attempt_results.quiz_id", "attempt_results.learner_id", "attempt_results.completed_at",
                                 "attempt_results.statement_id"], ondelete="CASCADE"),
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


# -- what the store hands out ----------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Assignment:
    id: str  # also the xAPI registration of every statement made for it
    cohort_id: str
    title: str
    chapters: tuple[str, ...]
    quiz_ids: tuple[str, ...]  # the quizzes a learner must pass, the final assessment among them if chosen
    include_final: bool
    pass_mark: float
    due_date: date | None
    created_at: datetime


@dataclass(frozen=True)
class Learner:
    id: str
    cohort_id: str
    display_name: str
    email: str | None
    created_at: datetime


@dataclass(frozen=True)
class StatementRecord:
    """One statement as the server scored it, ready to store (see :mod:`quizlib.ingest`).

    ``detail`` for ``answered``: ``response``, ``try_credit``, ``kind``, ``max_points``; for ``completed``:
    ``points``, ``max_points``, ``questions`` (each question's ``question_id``, ``credit``, ``max_points``,
    ``first_response``, ``kind``). ``received`` is the statement exactly as sent, for idempotency.
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
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def hash_token(token: str) -> str:
    """A learner token's SHA-256 (the token itself is never stored; it is random, so no salt is needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(timezone.utc)


_KINDS_OF_ROW = {
    StaffRow: "staff account",
    CohortRow: "cohort",
    AssignmentRow: "assignment",
    LearnerRow: "learner",
    StatementRow: "statement",
}


def _get(session: Session, row_cls: type, key: str):
    """The row with this key, or :class:`NotFound` naming what is missing."""
    row = session.get(row_cls, key)
    if row is None:
        raise NotFound(f"No {_KINDS_OF_ROW[row_cls]} {key!r}")
    return row


def _dc(cls, row) -> Any:
    return cls(**{f.name: getattr(row, f.name) for f in dataclasses.fields(cls)})


def _assignment(row: AssignmentRow) -> Assignment:
    return Assignment(
        id=row.id, cohort_id=row.cohort_id, title=row.title, chapters=tuple(row.chapters),
        quiz_ids=tuple(row.quiz_ids), include_final=row.include_final, pass_mark=row.pass_mark,
        due_date=row.due_date, created_at=row.created_at,
    )


# -- engines ---------------------------------------------------------------------------------------------


def normalise_url(url: str) -> str:
    """The SQLAlchemy URL for ``url``: plain ``postgresql://`` uses psycopg 3, the driver quizlib installs."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    """An engine for ``url``. SQLite gets WAL, synchronous=FULL (a commit is on disk before it returns),
    foreign keys, a busy timeout and BEGIN IMMEDIATE for writes (so writers queue instead of deadlocking)."""
    url = normalise_url(url)
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record):
            # Let SQLAlchemy's "begin" event below start transactions, not the sqlite3 module.
            dbapi_connection.isolation_level = None
            cur = dbapi_connection.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

        return engine
    if u.get_backend_name() == "postgresql":
        return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    raise StoreError(f"unsupported database {u.get_backend_name()!r}; expected sqlite:///FILE or postgresql://...")


# -- migrations ------------------------------------------------------------------------------------------


def _alembic_config(connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("quizlib.results.store").joinpath("migrations")))
    cfg.attributes["connection"] = connection
    return cfg


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[sa.Connection]:
    """A connection holding the lock that lets only one process migrate at a time."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")
            conn.commit()
            try:
                yield conn
            finally:
                conn.rollback()
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")
                conn.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        with engine.connect() as conn:
            yield conn
        return
    with open(f"{database}.migrate-lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with engine.connect() as conn:
                yield conn
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database's schema up to ``revision`` (the newest by default), keeping its data."""
    from alembic import command

    try:
        with _migration_lock(engine) as conn:
            command.upgrade(_alembic_config(conn), revision)
            conn.commit()
    except sa.exc.OperationalError as e:
        where = engine.url.render_as_string(hide_password=True)
        raise StoreError(f"cannot open the database {where}: {str(e.orig).strip()}; check the URL and that the "
                         "database server is running") from None


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(None)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


# -- the store -------------------------------------------------------------------------------------------


def _code() -> str:
    # Join codes are read aloud and typed: no 0/O or 1/l/I.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


class Store:
    """The course's results and people, over one database.

    ``Store(url)`` connects; it does not change the schema. Call :meth:`upgrade` (``quizlib db upgrade``,
    and ``quizlib serve`` at start) to make or upgrade it; methods raise :class:`SchemaNotCurrent` before.
    """

    def __init__(self, url: str = DEFAULT_URL):
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self._writer = self.engine.execution_options(write=True)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def upgrade(self) -> None:
        """Make or upgrade the schema (safe when several processes start at once)."""
        upgrade(self.engine)

    def check_schema(self) -> None:
        """Raise :class:`SchemaNotCurrent` unless the schema is the one this quizlib expects."""
        current, head = current_revision(self.engine), head_revision()
        if current != head:
            raise SchemaNotCurrent(
                f"the database at {make_url(self.url).render_as_string(hide_password=True)} is at schema "
                f"{current or 'none'}, this quizlib needs {head}: run `quizlib db upgrade --database URL`"
            )

    @contextlib.contextmanager
    def _read(self) -> Iterator[Session]:
        with Session(self.engine) as s:
            yield s

    @contextlib.contextmanager
    def _write(self) -> Iterator[Session]:
        # Commit before returning: a caller that acknowledges after this has the data on disk.
        with Session(self._writer, expire_on_commit=False) as s, s.begin():
            yield s

    # -- settings --------------------------------------------------------------------------------------

    def setting(self, key: str) -> str | None:
        with self._read() as s:
            row = s.get(SettingRow, key)
            return row.value if row else None

    def session_secret(self) -> bytes:
        """The key that signs staff sessions; made by the first migration, shared by every process."""
        value = self.setting("session_secret")
        if value is None:
            raise SchemaNotCurrent("no session secret in the database: run `quizlib db upgrade`")
        return bytes.fromhex(value)

    # -- staff -----------------------------------------------------------------------------------------

    def add_staff(self, name: str, role: str, password_hash: str, *, must_change_password: bool = True) -> Staff:
        """A trainer or course lead (``role`` "trainer" or "lead"). Raises :class:`DuplicateName`."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        name = name.strip()
        if not name or len(name) > 100:
            raise ValueError("a staff name must have 1 to 100 characters")
        row = StaffRow(id=str(uuid.uuid4()), name=name, role=role, password_hash=password_hash,
                       must_change_password=must_change_password, session_generation=0, created_at=_now(), active=True)
        try:
            with self._write() as s:
                s.add(row)
        except IntegrityError:
            raise DuplicateName(f"there is already a staff account named {name!r}; choose another name") from None
        return _dc(Staff, row)

    def staff(self, staff_id: str) -> Staff:
        with self._read() as s:
            row = _get(s, StaffRow, staff_id)
            return _dc(Staff, row)

    def staff_by_name(self, name: str) -> Staff | None:
        with self._read() as s:
            row = s.scalars(select(StaffRow).where(StaffRow.name == name.strip())).first()
            return _dc(Staff, row) if row else None

    def all_staff(self) -> list[Staff]:
        with self._read() as s:
            return [_dc(Staff, r) for r in s.scalars(select(StaffRow).order_by(StaffRow.role, StaffRow.name))]

    def set_password(self, staff_id: str, password_hash: str, *, must_change_password: bool = False) -> Staff:
        """Replace a password hash; every session signed for the old password ends."""
        with self._write() as s:
            row = _get(s, StaffRow, staff_id)
            row.password_hash = password_hash
            row.must_change_password = must_change_password
            row.session_generation += 1
            s.flush()
            return _dc(Staff, row)

    def set_active(self, staff_id: str, active: bool) -> Staff:
        """Deactivate (ending every session at once) or reactivate a staff account. Cohorts are untouched."""
        with self._write() as s:
            row = _get(s, StaffRow, staff_id)
            if row.active and not active:
                row.session_generation += 1
            row.active = active
            s.flush()
            return _dc(Staff, row)

    def update_password_hash(self, staff_id: str, password_hash: str) -> None:
        """Store a re-hash of the same password (newer parameters); sessions stay valid."""
        with self._write() as s:
            row = s.get(StaffRow, staff_id)
            if row is not None:
                row.password_hash = password_hash

    # -- throttles (see quizlib.server.throttle) --------------------------------------------------------

    def add_throttle_failure(self, scope: str, key: str, at: datetime) -> None:
        """Count a failed attempt; failures more than a day old go at the same time (no throttle looks back
        that far, and the table stays small)."""
        with self._write() as s:
            s.add(ThrottleFailureRow(scope=scope, key=key, at=at))
            s.execute(sa.delete(ThrottleFailureRow).where(ThrottleFailureRow.at < at - timedelta(days=1)))

    def throttle_failures(self, scope: str, key: str, *, since: datetime, limit: int) -> list[datetime]:
        """When the latest ``limit`` failures for ``key`` after ``since`` happened, newest first."""
        q = (select(ThrottleFailureRow.at)
             .where(ThrottleFailureRow.scope == scope, ThrottleFailureRow.key == key, ThrottleFailureRow.at > since)
             .order_by(ThrottleFailureRow.at.desc()).limit(limit))
        with self._read() as s:
            return list(s.scalars(q))

    def clear_throttle_failures(self, scope: str, key: str) -> None:
        with self._write() as s:
            s.execute(sa.delete(ThrottleFailureRow).where(ThrottleFailureRow.scope == scope, ThrottleFailureRow.key == key))

    # -- cohorts and assignments -----------------------------------------------------------------------

    def add_cohort(self, name: str, trainer_id: str) -> Cohort:
        name = name.strip()
        if not name or len(name) > 200:
            raise ValueError("a cohort needs a name of 1 to 200 characters")
        self.staff(trainer_id)
        for _ in range(5):
            row = CohortRow(id=str(uuid.uuid4()), name=name, code=_code(), trainer_id=trainer_id, created_at=_now())
            try:
                with self._write() as s:
                    s.add(row)
                return _dc(Cohort, row)
            except IntegrityError:  # a join code drawn twice: draw again
                continue
        raise StoreError("could not draw a free join code")

    def reassign_cohort(self, cohort_id: str, trainer_id: str) -> Cohort:
        """Give a cohort to another trainer (or course lead); its learners and results stay as they are."""
        with self._write() as s:
            row = _get(s, CohortRow, cohort_id)
            _get(s, StaffRow, trainer_id)
            row.trainer_id = trainer_id
            s.flush()
            return _dc(Cohort, row)

    def cohort(self, cohort_id: str) -> Cohort:
        with self._read() as s:
            row = _get(s, CohortRow, cohort_id)
            return _dc(Cohort, row)

    def cohort_by_code(self, code: str) -> Cohort | None:
        with self._read() as s:
            row = s.scalars(select(CohortRow).where(CohortRow.code == code.strip().lower())).first()
            return _dc(Cohort, row) if row else None

    def cohorts(self, trainer_id: str | None = None) -> list[Cohort]:
        """Every cohort, or only those of ``trainer_id``, oldest first."""
        q = select(CohortRow).order_by(CohortRow.created_at, CohortRow.name)
        if trainer_id is not None:
            q = q.where(CohortRow.trainer_id == trainer_id)
        with self._read() as s:
            return [_dc(Cohort, r) for r in s.scalars(q)]

    def add_assignment(self, cohort_id: str, *, title: str, chapters: Sequence[str], quiz_ids: Sequence[str],
                       include_final: bool, pass_mark: float, due_date: date | None) -> Assignment:
        """Assign modules to a cohort. Its id is the xAPI registration of the statements made for it."""
        if not 0 <= pass_mark <= 100:
            raise ValueError("the pass mark is a percentage from 0 to 100")
        if not quiz_ids:
            raise ValueError("an assignment needs at least one quiz")
        self.cohort(cohort_id)
        row = AssignmentRow(id=str(uuid.uuid4()), cohort_id=cohort_id, title=title.strip(), chapters=list(chapters),
                            quiz_ids=list(quiz_ids), include_final=include_final, pass_mark=float(pass_mark),
                            due_date=due_date, created_at=_now())
        with self._write() as s:
            s.add(row)
        return _assignment(row)

    def assignment(self, assignment_id: str) -> Assignment:
        with self._read() as s:
            row = _get(s, AssignmentRow, assignment_id)
            return _assignment(row)

    def assignments(self, cohort_id: str | None = None) -> list[Assignment]:
        q = select(AssignmentRow).order_by(AssignmentRow.created_at)
        if cohort_id is not None:
            q = q.where(AssignmentRow.cohort_id == cohort_id)
        with self._read() as s:
            return [_assignment(r) for r in s.scalars(q)]

    # -- learners --------------------------------------------------------------------------------------

    def add_learner(self, cohort_id: str, display_name: str) -> tuple[Learner, str]:
        """A learner in a cohort and their private token (returned once; only its hash is kept)."""
        display_name = " ".join(display_name.split())
        if not display_name:
            raise ValueError("a display name cannot be empty")
        self.cohort(cohort_id)
        token = secrets.token_urlsafe(32)
        row = LearnerRow(id=str(uuid.uuid4()), cohort_id=cohort_id, display_name=display_name[:100],
                         token_hash=hash_token(token), email=None, created_at=_now())
        with self._write() as s:
            s.add(row)
        return _dc(Learner, row), token

    def learner(self, learner_id: str) -> Learner:
        with self._read() as s:
            row = _get(s, LearnerRow, learner_id)
            return _dc(Learner, row)

    def learner_by_token(self, token: str) -> Learner | None:
        with self._read() as s:
            row = s.scalars(select(LearnerRow).where(LearnerRow.token_hash == hash_token(token))).first()
            return _dc(Learner, row) if row else None

    def learners(self, cohort_id: str | None = None) -> list[Learner]:
        q = select(LearnerRow).order_by(LearnerRow.created_at, LearnerRow.display_name)
        if cohort_id is not None:
            q = q.where(LearnerRow.cohort_id == cohort_id)
        with self._read() as s:
            return [_dc(Learner, r) for r in s.scalars(q)]

    def set_learner_email(self, learner_id: str, email: str | None) -> Learner:
        """Record (or, with None, remove) the e-mail a trainer entered for a learner."""
        with self._write() as s:
            row = _get(s, LearnerRow, learner_id)
            row.email = email or None
            s.flush()
            return _dc(Learner, row)

    def export_learner(self, learner_id: str) -> dict:
        """Everything stored about one learner, as JSON data (a data-protection access request)."""
        learner = self.learner(learner_id)
        cohort = self.cohort(learner.cohort_id)
        return {
            "learner": {"id": learner.id, "display_name": learner.display_name, "email": learner.email,
                        "joined": learner.created_at.isoformat()},
            "cohort": {"id": cohort.id, "name": cohort.name},
            "statements": [st.statement for st in self.statements(learner_id=learner_id)],
        }

    def delete_learner(self, learner_id: str) -> int:
        """Delete a learner and every statement of theirs; return how many statements went."""
        with self._write() as s:
            row = _get(s, LearnerRow, learner_id)
            # The foreign keys cascade too; deleting explicitly does not depend on SQLite's foreign_keys pragma.
            # Quiz by quiz, so each delete finds the learner's rows by the leading columns of the key.
            quizzes = s.scalars(select(AttemptResultRow.quiz_id).where(AttemptResultRow.learner_id == learner_id)
                                .distinct()).all()
            for quiz_id in quizzes:
                for table in (QuestionResultRow.__table__, AttemptResultRow.__table__):
                    s.execute(sa.delete(table).where(table.c.quiz_id == quiz_id, table.c.learner_id == learner_id))
            n = s.execute(sa.delete(StatementRow).where(StatementRow.learner_id == learner_id)).rowcount
            s.delete(row)
            return n

    # -- statements ------------------------------------------------------------------------------------

    def add_statements(self, records: Sequence[StatementRecord]) -> list[bool]:
        """Store scored statements in one transaction, committed before this returns.

        Idempotent by id: a statement already stored with the same content (as received) is not stored
        again. Returns, for each record, True if it was new. Raises :class:`StatementConflict` (storing
        nothing) if an id is already stored with different content. A new *completed* statement's result
        rows (:func:`quizlib.results.result_rows`) are stored with it.
        """
        ids = [r.id for r in records]
        if len(set(ids)) != len(ids):
            # The same id twice in one batch: keep the first, as if the second were a resend.
            firsts: dict[str, StatementRecord] = {}
            for r in records:
                if r.id in firsts and canonical_json(firsts[r.id].received) != canonical_json(r.received):
                    raise StatementConflict([r.id])
                firsts.setdefault(r.id, r)
            unique = list(firsts.values())
            new = dict(zip(firsts, self.add_statements(unique)))
            seen: set[str] = set()
            out = []
            for r in records:
                out.append(new[r.id] and r.id not in seen)
                seen.add(r.id)
            return out
        for _ in range(3):
            try:
                return self._add_statements_once(records)
            except IntegrityError:
                # Another process stored one of these ids between our check and insert: check again.
                continue
        raise StoreError("could not store the statements: the database kept reporting conflicting inserts")

    def _add_statements_once(self, records: Sequence[StatementRecord]) -> list[bool]:
        stored = _now()
        with self._write() as s:
            existing = {}
            for chunk in _chunks([r.id for r in records], 500):
                for sid, received in s.execute(select(StatementRow.id, StatementRow.received).where(StatementRow.id.in_(chunk))):
                    existing[sid] = received
            conflicts = [r.id for r in records if r.id in existing and existing[r.id] != canonical_json(r.received)]
            if conflicts:
                raise StatementConflict(conflicts)
            rows = []
            for r in records:
                if r.id in existing:
                    continue
                statement = dict(r.statement)
                statement["stored"] = _iso(stored)
                rows.append({
                    "id": r.id, "learner_id": r.learner_id, "verb": r.verb, "quiz_id": r.quiz_id,
                    "question_id": r.question_id, "attempt_id": r.attempt_id, "try_number": r.try_number,
                    "registration": r.registration, "timestamp": r.timestamp, "stored": stored, "credit": r.credit,
                    "final": r.final, "percentage": r.percentage, "passed": r.passed, "detail": r.detail,
                    "received": canonical_json(r.received), "statement": statement,
                })
            if rows:
                s.execute(sa.insert(StatementRow), rows)
                # Reports read these narrow rows, never the statements' JSON: written in this same
                # transaction, so a finished attempt is in both or in neither.
                from quizlib.results.store.tables import result_rows

                attempts, questions = [], []
                for r in records:
                    if r.verb == "completed" and r.id not in existing:
                        attempt, its_questions = result_rows(r)
                        attempts.append(attempt)
                        questions += its_questions
                if attempts:
                    s.execute(sa.insert(AttemptResultRow.__table__), attempts)
                if questions:
                    s.execute(sa.insert(QuestionResultRow.__table__), questions)
        return [r.id not in existing for r in records]

    def statement_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` are stored."""
        found: set[str] = set()
        with self._read() as s:
            for chunk in _chunks(list(ids), 500):
                found.update(s.scalars(select(StatementRow.id).where(StatementRow.id.in_(chunk))))
        return found

    def statements(self, *, learner_id: str | None = None, cohort_id: str | None = None, verb: str | None = None,
                   quiz_id: str | None = None) -> list[StoredStatement]:
        """Stored statements, oldest first, filtered by learner, cohort, verb or quiz."""
        q = select(StatementRow).order_by(StatementRow.timestamp, StatementRow.id)
        if learner_id is not None:
            q = q.where(StatementRow.learner_id == learner_id)
        if cohort_id is not None:
            q = q.join(LearnerRow, LearnerRow.id == StatementRow.learner_id).where(LearnerRow.cohort_id == cohort_id)
        if verb is not None:
            q = q.where(StatementRow.verb == verb)
        if quiz_id is not None:
            q = q.where(StatementRow.quiz_id == quiz_id)
        with self._read() as s:
            return [_dc(StoredStatement, r) for r in s.scalars(q)]

    def activity(self, *, learner_id: str | None = None, cohort_id: str | None = None) -> list[Activity]:
        """What learners did (answered, completed, passed, failed), oldest first, without the statements' JSON."""
        q = (select(StatementRow.learner_id, StatementRow.verb, StatementRow.quiz_id, StatementRow.question_id,
                    StatementRow.attempt_id, StatementRow.timestamp, StatementRow.percentage, StatementRow.passed)
             .order_by(StatementRow.timestamp, StatementRow.id))
        if learner_id is not None:
            q = q.where(StatementRow.learner_id == learner_id)
        if cohort_id is not None:
            q = q.join(LearnerRow, LearnerRow.id == StatementRow.learner_id).where(LearnerRow.cohort_id == cohort_id)
        with self._read() as s:
            return [Activity(**row._asdict()) for row in s.execute(q)]

    def count_statements(self, verb: str | None = None) -> int:
        q = select(sa.func.count()).select_from(StatementRow)
        if verb is not None:
            q = q.where(StatementRow.verb == verb)
        with self._read() as s:
            return s.scalar(q) or 0

    def statement(self, statement_id: str) -> StoredStatement:
        with self._read() as s:
            row = _get(s, StatementRow, statement_id)
            return _dc(StoredStatement, row)

    # -- records for report.py -------------------------------------------------------------------------

    def report_cohorts(self) -> list:
        """Every cohort as :class:`quizlib.report.Cohort`."""
        from quizlib.results.report import Cohort as ReportCohort

        return [ReportCohort(id=c.id, name=c.name) for c in self.cohorts()]

    def enrolments(self, *, cohort_id: str | None = None) -> list:
        """Every learner as :class:`quizlib.report.Enrolment`."""
        from quizlib.results.report import Enrolment

        return [Enrolment(learner=l.id, cohort=l.cohort_id, display_name=l.display_name, joined_at=l.created_at)
                for l in self.learners(cohort_id)]

    def report_assignments(self, *, cohort_id: str | None = None) -> list:
        """Every assignment as :class:`quizlib.report.Assignment` (modules by chapter, the final's too)."""
        from quizlib.results.report import Assignment as ReportAssignment

        out = []
        for a in self.assignments(cohort_id):
            # The final assessment's quizzes name their own chapter, which report.py reads as a module.
            modules = tuple(dict.fromkeys([*a.chapters, *a.quiz_ids]))
            out.append(ReportAssignment(id=a.id, cohort=a.cohort_id, modules=modules, pass_mark=a.pass_mark,
                                        due=a.due_date, created_at=a.created_at))
        return out

    def started(self, *, cohort_id: str | None = None) -> list:
        """Every attempt begun (at least one answer) as :class:`quizlib.report.Started`."""
        from quizlib.results.report import Started

        q = (select(StatementRow.learner_id, StatementRow.quiz_id, StatementRow.attempt_id)
             .where(StatementRow.verb == "answered").distinct())
        if cohort_id is not None:
            q = q.join(LearnerRow, LearnerRow.id == StatementRow.learner_id).where(LearnerRow.cohort_id == cohort_id)
        with self._read() as s:
            return [Started(learner=r.learner_id, quiz_id=r.quiz_id, attempt_id=r.attempt_id) for r in s.execute(q)]

    def attempt_scores(self, *, cohort_id: str | None = None, quiz_id: str | None = None,
                       first_only: bool = False) -> list:
        """One :class:`quizlib.report.AttemptScore` per finished quiz attempt, as the server scored it.

        ``first_only`` keeps each learner's first finished attempt at each quiz (what item analysis reads).
        """
        return list(self.iter_attempt_scores(cohort_id=cohort_id, quiz_id=quiz_id, first_only=first_only))

    def question_scores(self, *, cohort_id: str | None = None, quiz_id: str | None = None,
                        first_only: bool = False) -> list:
        """One :class:`quizlib.report.QuestionScore` per question of each finished attempt (its final credit)."""
        return list(self.iter_question_scores(cohort_id=cohort_id, quiz_id=quiz_id, first_only=first_only))

    def iter_attempt_scores(self, *, cohort_id: str | None = None, quiz_id: str | None = None,
                            first_only: bool = False) -> Iterator:
        """Like :meth:`attempt_scores`, streamed from the database, ordered by quiz, learner, attempt number."""
        from quizlib.results.store.tables import attempt_scores

        return attempt_scores(self.engine, cohort_id=cohort_id, quiz_id=quiz_id, first_only=first_only)

    def iter_question_scores(self, *, cohort_id: str | None = None, quiz_id: str | None = None,
                             first_only: bool = False) -> Iterator:
        """Like :meth:`question_scores`, streamed (a million answers never sit in a list), ordered by quiz,
        learner, attempt number and the questions' order in the attempt."""
        from quizlib.results.store.tables import question_scores

        return question_scores(self.engine, cohort_id=cohort_id, quiz_id=quiz_id, first_only=first_only)


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
