"""The results store: one API object (:class:`Store`) over a SQL database, through SQLAlchemy 2.

SQLite (a file, by default ``var/course.sqlite3``) or PostgreSQL (``postgresql+psycopg://...``). The schema
is made and upgraded by Alembic migrations (``quizlib/migrations``, see :func:`upgrade`), never by
``create_all``, so an existing database upgrades in place. Nothing that matters is kept in memory: several
processes can share one PostgreSQL database.

Everything the store hands out is a plain frozen dataclass; nothing outside this module sees an ORM object.
Reports read narrow result tables written with each finished attempt (:mod:`quizlib.results.store.tables`),
not the statements' JSON, through :mod:`quizlib.results.source`.

The package: ``errors``, ``rows`` (the ORM schema), ``records`` (what it hands out), ``engine`` (connecting,
migrating), ``tables`` (the result tables), ``outbox`` (statements waiting for an external LRS) and the
:class:`Store` here.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import functools
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quizlib.results.store import driver, items
from quizlib.results.store.engine import current_revision, head_revision, make_engine, normalise_url, upgrade
from quizlib.results.store.errors import (
    AttemptConflict,
    DuplicateName,
    NotFound,
    OverLimit,
    SchemaNotCurrent,
    StatementConflict,
    StoreError,
)
from quizlib.results.store.outbox import PENDING, Outbox
from quizlib.results.store.records import (
    Activity,
    Assignment,
    AssignmentChange,
    Certificate,
    Cohort,
    ForwardingState,
    IssuedAttempt,
    Learner,
    OutboxItem,
    RefusedStatement,
    Reminder,
    Staff,
    StatementRecord,
    StoredStatement,
    canonical_json,
    digest,
)
from quizlib.results.store.rows import (
    AssignmentChangeRow,
    AssignmentRow,
    AttemptResultRow,
    AttemptRow,
    Base,
    BegunAttemptRow,
    CertificateRow,
    CohortRow,
    LearnerRow,
    OutboxRow,
    QuestionResultRow,
    ReminderRow,
    ResumeCodeRow,
    SettingRow,
    StaffRow,
    StaffSessionRow,
    StatementRow,
    ThrottleFailureRow,
)
from quizlib.results.store.tables import result_rows
from quizlib.results.store.writer import GroupWriter, Job, UsageLimit

DEFAULT_URL = "sqlite:///var/course.sqlite3"
# The narrow result tables as Core tables: written and deleted in bulk, without the ORM.
ATTEMPT_RESULTS: sa.Table = AttemptResultRow.__table__  # type: ignore[assignment]
QUESTION_RESULTS: sa.Table = QuestionResultRow.__table__  # type: ignore[assignment]
OUTBOX: sa.Table = OutboxRow.__table__  # type: ignore[assignment]
STATEMENTS: sa.Table = StatementRow.__table__  # type: ignore[assignment]
ROLES = ("lead", "trainer")
# How long a learner found by their token is remembered (each request of theirs would read it again): a
# learner deleted or merged in this process is forgotten at once; in another process, after this. Storing for
# a learner that is gone meanwhile is refused when the statements are written.
TOKEN_MEMORY_SECONDS = 10.0
TOKENS_REMEMBERED = 10_000

__all__ = [
    "DEFAULT_URL",
    "RESUME_MINUTES",
    "ROLES",
    "Activity",
    "Assignment",
    "AssignmentChange",
    "AttemptConflict",
    "Certificate",
    "Cohort",
    "DuplicateName",
    "ForwardingState",
    "IssuedAttempt",
    "Learner",
    "NotFound",
    "Outbox",
    "OutboxItem",
    "OverLimit",
    "RefusedStatement",
    "Reminder",
    "SchemaNotCurrent",
    "Staff",
    "StatementConflict",
    "StatementRecord",
    "Store",
    "StoreError",
    "StoredStatement",
    "UsageLimit",
    "canonical_json",
    "certificate_code",
    "code_for_people",
    "current_revision",
    "digest",
    "head_revision",
    "make_engine",
    "normalise_url",
    "upgrade",
]


def _now() -> datetime:
    return datetime.now(UTC)


_KINDS_OF_ROW = {
    StaffRow: "staff account",
    CohortRow: "cohort",
    AssignmentRow: "assignment",
    LearnerRow: "learner",
    StatementRow: "statement",
    AttemptRow: "attempt",
    CertificateRow: "certificate",
}


def _lock_learners(session: Session, learner_ids: list[str]) -> list[LearnerRow]:
    """These learners' rows, in the order of ``learner_ids`` (:class:`NotFound` for one missing), locked on
    PostgreSQL before anything else in the transaction, in the order of their ids: the group writer takes the
    rows of the learners it stores for first too, in that order (``driver.count_stored``), so a merge or a
    deletion and a write for the same learner wait for each other rather than each holding what the other
    wants (a deadlock). SQLite's writes take turns anyway."""
    found = {
        row.id: row
        for row in session.scalars(
            select(LearnerRow)
            .where(LearnerRow.id.in_(learner_ids))
            .order_by(LearnerRow.id)
            .with_for_update(key_share=True)
        )
    }
    return [found[i] if i in found else _get(session, LearnerRow, i) for i in learner_ids]


def _get(session: Session, row_cls: type[Base], key: str) -> Any:
    """The row with this key, or :class:`NotFound` naming what is missing."""
    row = session.get(row_cls, key)
    if row is None:
        raise NotFound(f"No {_KINDS_OF_ROW[row_cls]} {key!r}")
    return row


def _dc(cls, row) -> Any:
    return cls(**{f.name: getattr(row, f.name) for f in dataclasses.fields(cls)})


def _assignment(row: AssignmentRow) -> Assignment:
    return Assignment(
        id=row.id,
        cohort_id=row.cohort_id,
        title=row.title,
        chapters=tuple(row.chapters),
        quiz_ids=tuple(row.quiz_ids),
        include_final=row.include_final,
        pass_mark=row.pass_mark,
        due_date=row.due_date,
        created_at=row.created_at,
        deleted_at=row.deleted_at,
    )


# What an assignment's history records of it (AssignmentChange.before / after).
_ASSIGNMENT_FIELDS = ("title", "chapters", "quiz_ids", "include_final", "pass_mark", "due_date")


def _assignment_facts(row: AssignmentRow) -> dict:
    facts = {name: getattr(row, name) for name in _ASSIGNMENT_FIELDS}
    facts["due_date"] = row.due_date.isoformat() if row.due_date else None
    facts["chapters"], facts["quiz_ids"] = list(row.chapters), list(row.quiz_ids)
    return facts


# -- the store -------------------------------------------------------------------------------------------


CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _code() -> str:
    # Join codes (and certificate codes) are read aloud and typed: no 0/O or 1/l/I.
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


RESUME_MINUTES = 30  # how long a resume code works: enough to pick up the other device


def code_for_people(code: str) -> str:
    """A code as people read it: groups of four, "k7qm-9xtp-2b"."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def certificate_code(text: str) -> str:
    """A certificate code as the store keeps it, from what someone typed: "K7QM-9XTP-2B" or "k7qm 9xtp 2b"."""
    return "".join(c for c in text.lower() if c in CODE_ALPHABET)[:16]


class Store:
    """The course's results and people, over one database.

    ``Store(url)`` connects; it does not change the schema. Call :meth:`upgrade` (``quizlib db upgrade``,
    and ``quizlib serve`` at start) to make or upgrade it; methods raise :class:`SchemaNotCurrent` before.
    """

    def __init__(self, url: str = DEFAULT_URL):
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self._writer = self.engine.execution_options(write=True)
        # Statements waiting for an external LRS (quizlib.results.forward); add_statements queues them.
        self.outbox = Outbox(self.engine, self._writer)
        # SQLite lets one transaction write at a time, and a writer that finds another makes it wait in a
        # sleeping back-off: so this process's writers queue on a lock instead (other processes still meet
        # SQLite's own). PostgreSQL writes concurrently.
        self._write_lock: threading.RLock | contextlib.nullcontext = (
            threading.RLock() if self.backend == "sqlite" else contextlib.nullcontext()
        )
        self._tokens: dict[str, tuple[float, Learner]] = {}  # token digest -> (when read, learner)
        self._registrations: dict[str, tuple[float, dict[str, Assignment]]] = {}  # cohort -> (when read, by id)
        # Statements of concurrent requests, stored in shared transactions (add_statements_together).
        self.group_writer = GroupWriter(self._store_group)
        self._held: Any = None  # the group writer's driver connection between transactions (_write_cursor)
        self._closing = False

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self._closing = True
        self.group_writer.close()
        if self._held is not None:
            self._held.close()
            self._held = None
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
        with self._write_lock, Session(self._writer, expire_on_commit=False) as s, s.begin():
            yield s

    @contextlib.contextmanager
    def _write_connection(self) -> Iterator[sa.Connection]:
        """Like :meth:`_write`, a plain connection (no ORM): for the statements' hot path."""
        with self._write_lock, self._writer.begin() as conn:
            yield conn

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
        row = StaffRow(
            id=str(uuid.uuid4()),
            name=name,
            role=role,
            password_hash=password_hash,
            must_change_password=must_change_password,
            session_generation=0,
            created_at=_now(),
            active=True,
        )
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
            s.execute(sa.delete(StaffSessionRow).where(StaffSessionRow.staff_id == staff_id))
            s.flush()
            return _dc(Staff, row)

    def set_active(self, staff_id: str, active: bool) -> Staff:
        """Deactivate (ending every session at once) or reactivate a staff account. Cohorts are untouched."""
        with self._write() as s:
            row = _get(s, StaffRow, staff_id)
            if row.active and not active:
                row.session_generation += 1
                s.execute(sa.delete(StaffSessionRow).where(StaffSessionRow.staff_id == staff_id))
            row.active = active
            s.flush()
            return _dc(Staff, row)

    # -- staff sessions: one row per signed-in browser, so that signing out ends it on every process ----

    def start_session(self, staff_id: str, seconds: int) -> str:
        """A new session for ``staff_id``, lasting ``seconds``; its random id (for the cookie; only a hash is
        kept). Expired sessions of anyone go at the same time."""
        session_id = secrets.token_urlsafe(32)
        now = _now()
        with self._write() as s:
            s.add(
                StaffSessionRow(
                    id=digest(session_id),
                    staff_id=staff_id,
                    created_at=now,
                    expires_at=now + timedelta(seconds=seconds),
                )
            )
            s.execute(sa.delete(StaffSessionRow).where(StaffSessionRow.expires_at < now))
        return session_id

    def session_alive(self, session_id: str, staff_id: str) -> bool:
        """Whether this session of ``staff_id`` is still open (not signed out, not expired)."""
        with self._read() as s:
            row = s.get(StaffSessionRow, digest(session_id))
            return row is not None and row.staff_id == staff_id and row.expires_at > _now()

    def end_session(self, session_id: str) -> None:
        with self._write() as s:
            s.execute(sa.delete(StaffSessionRow).where(StaffSessionRow.id == digest(session_id)))

    def update_password_hash(self, staff_id: str, password_hash: str) -> None:
        """Store a re-hash of the same password (newer parameters); sessions stay valid."""
        with self._write() as s:
            row = s.get(StaffRow, staff_id)
            if row is not None:
                row.password_hash = password_hash

    # -- throttles (see quizlib.server.throttle) --------------------------------------------------------

    def add_throttle_failure(self, scope: str, key: str, at: datetime) -> int:
        """Count a failed attempt (or one about to be checked); return its id. Failures more than a day old go
        at the same time (no throttle looks back that far, and the table stays small)."""
        with self._write() as s:
            row = ThrottleFailureRow(scope=scope, key=key, at=at)
            s.add(row)
            s.execute(sa.delete(ThrottleFailureRow).where(ThrottleFailureRow.at < at - timedelta(days=1)))
            s.flush()
            return row.id

    def throttle_attempts(self, scope: str, key: str, *, since: datetime, limit: int) -> list[tuple[int, datetime]]:
        """The latest ``limit`` (id, time) counted for ``key`` after ``since``, newest first."""
        q = (
            select(ThrottleFailureRow.id, ThrottleFailureRow.at)
            .where(ThrottleFailureRow.scope == scope, ThrottleFailureRow.key == key, ThrottleFailureRow.at > since)
            .order_by(ThrottleFailureRow.at.desc(), ThrottleFailureRow.id.desc())
            .limit(limit)
        )
        with self._read() as s:
            return [(r.id, r.at) for r in s.execute(q)]

    def remove_throttle_failure(self, failure_id: int) -> None:
        with self._write() as s:
            s.execute(sa.delete(ThrottleFailureRow).where(ThrottleFailureRow.id == failure_id))

    def throttle_failures(self, scope: str, key: str, *, since: datetime, limit: int) -> list[datetime]:
        """When the latest ``limit`` failures for ``key`` after ``since`` happened, newest first."""
        q = (
            select(ThrottleFailureRow.at)
            .where(ThrottleFailureRow.scope == scope, ThrottleFailureRow.key == key, ThrottleFailureRow.at > since)
            .order_by(ThrottleFailureRow.at.desc())
            .limit(limit)
        )
        with self._read() as s:
            return list(s.scalars(q))

    def clear_throttle_failures(self, scope: str, key: str) -> None:
        with self._write() as s:
            s.execute(
                sa.delete(ThrottleFailureRow).where(ThrottleFailureRow.scope == scope, ThrottleFailureRow.key == key)
            )

    # -- cohorts and assignments -----------------------------------------------------------------------

    def add_cohort(self, name: str, trainer_id: str, time_zone: str = "UTC") -> Cohort:
        """A cohort of ``trainer_id``'s; ``time_zone`` (an IANA name, checked by the caller) is where its due
        dates end."""
        name = name.strip()
        if not name or len(name) > 200:
            raise ValueError("a cohort needs a name of 1 to 200 characters")
        self.staff(trainer_id)
        for _ in range(5):
            row = CohortRow(
                id=str(uuid.uuid4()),
                name=name,
                code=_code(),
                trainer_id=trainer_id,
                created_at=_now(),
                time_zone=time_zone,
            )
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

    def update_cohort(self, cohort_id: str, *, name: str, time_zone: str) -> Cohort:
        """Rename a cohort or change its time zone (due dates then end at midnight in the new one)."""
        name = name.strip()
        if not name or len(name) > 200:
            raise ValueError("a cohort needs a name of 1 to 200 characters")
        with self._write() as s:
            row = _get(s, CohortRow, cohort_id)
            row.name, row.time_zone = name, time_zone
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

    def add_assignment(
        self,
        cohort_id: str,
        *,
        title: str,
        chapters: Sequence[str],
        quiz_ids: Sequence[str],
        include_final: bool,
        pass_mark: float,
        due_date: date | None,
        by: str | None = None,
    ) -> Assignment:
        """Assign modules to a cohort. Its id is the xAPI registration of the statements made for it.

        ``by`` is the staff account that made it, for the assignment's history."""
        _check_assignment(pass_mark, quiz_ids)
        self.cohort(cohort_id)
        row = AssignmentRow(
            id=str(uuid.uuid4()),
            cohort_id=cohort_id,
            title=title.strip(),
            chapters=list(chapters),
            quiz_ids=list(quiz_ids),
            include_final=include_final,
            pass_mark=float(pass_mark),
            due_date=due_date,
            created_at=_now(),
        )
        with self._write() as s:
            s.add(row)
            s.flush()
            s.add(_change(row.id, by, "created", None, _assignment_facts(row)))
        return _assignment(row)

    def update_assignment(
        self,
        assignment_id: str,
        *,
        title: str,
        chapters: Sequence[str],
        quiz_ids: Sequence[str],
        include_final: bool,
        pass_mark: float,
        due_date: date | None,
        by: str | None = None,
    ) -> Assignment:
        """Change an assignment in place (its id, the registration, stays); the change goes in its history.
        Raises :class:`NotFound` for a deleted one."""
        _check_assignment(pass_mark, quiz_ids)
        with self._write() as s:
            row = _get(s, AssignmentRow, assignment_id)
            if row.deleted_at is not None:
                raise NotFound(f"No assignment {assignment_id!r}: it was deleted")
            before = _assignment_facts(row)
            row.title, row.chapters, row.quiz_ids = title.strip(), list(chapters), list(quiz_ids)
            row.include_final, row.pass_mark, row.due_date = include_final, float(pass_mark), due_date
            after = _assignment_facts(row)
            changed = [k for k in _ASSIGNMENT_FIELDS if before[k] != after[k]]
            if changed:
                s.add(_change(row.id, by, "changed", {k: before[k] for k in changed}, {k: after[k] for k in changed}))
            s.flush()
            return _assignment(row)

    def delete_assignment(self, assignment_id: str, by: str | None = None) -> Assignment:
        """Delete an assignment: pages, the learners' API and reports no longer show it. The row stays,
        marked deleted, with its history: browsers may still send answers made under its registration."""
        with self._write() as s:
            row = _get(s, AssignmentRow, assignment_id)
            if row.deleted_at is None:
                row.deleted_at = _now()
                s.add(_change(row.id, by, "deleted", _assignment_facts(row), None))
            s.flush()
            return _assignment(row)

    def assignment(self, assignment_id: str) -> Assignment:
        """An assignment, deleted or not (see ``deleted_at``)."""
        with self._read() as s:
            row = _get(s, AssignmentRow, assignment_id)
            return _assignment(row)

    def assignments(self, cohort_id: str | None = None, *, include_deleted: bool = False) -> list[Assignment]:
        """A cohort's assignments (or every cohort's), oldest first; deleted ones only if asked for."""
        q = select(AssignmentRow).order_by(AssignmentRow.created_at, AssignmentRow.id)
        if cohort_id is not None:
            q = q.where(AssignmentRow.cohort_id == cohort_id)
        if not include_deleted:
            q = q.where(AssignmentRow.deleted_at.is_(None))
        with self._read() as s:
            return [_assignment(r) for r in s.scalars(q)]

    def registrations(self, cohort_id: str, *, max_age: float = 5.0) -> dict[str, Assignment]:
        """A cohort's assignments, deleted ones too, by id (the registration statements carry), as read in the
        last ``max_age`` seconds. An assignment is never removed, so one found here exists; one made since
        may be missing: read again (``max_age=0``) before saying it does not exist."""
        seen = self._registrations.get(cohort_id)
        if seen is not None and time.monotonic() - seen[0] < max_age:
            return seen[1]
        found = {a.id: a for a in self.assignments(cohort_id, include_deleted=True)}
        if len(self._registrations) >= TOKENS_REMEMBERED:
            self._registrations.clear()
        self._registrations[cohort_id] = (time.monotonic(), found)
        return found

    def assignment_history(self, assignment_id: str) -> list[AssignmentChange]:
        """Every change to an assignment, oldest first."""
        q = (
            select(AssignmentChangeRow)
            .where(AssignmentChangeRow.assignment_id == assignment_id)
            .order_by(AssignmentChangeRow.at, AssignmentChangeRow.id)
        )
        with self._read() as s:
            return [_dc(AssignmentChange, r) for r in s.scalars(q)]

    # -- learners --------------------------------------------------------------------------------------

    def add_learner(self, cohort_id: str, display_name: str) -> tuple[Learner, str]:
        """A learner in a cohort and their private token (returned once; only its hash is kept)."""
        display_name = " ".join(display_name.split())
        if not display_name:
            raise ValueError("a display name cannot be empty")
        self.cohort(cohort_id)
        token = secrets.token_urlsafe(32)
        row = LearnerRow(
            id=str(uuid.uuid4()),
            cohort_id=cohort_id,
            display_name=display_name[:100],
            token_hash=digest(token),
            email=None,
            created_at=_now(),
        )
        with self._write() as s:
            s.add(row)
        return _dc(Learner, row), token

    def learner(self, learner_id: str) -> Learner:
        with self._read() as s:
            row = _get(s, LearnerRow, learner_id)
            return _dc(Learner, row)

    def learner_by_token(self, token: str) -> Learner | None:
        """The learner whose token this is (a merged duplicate too: see :meth:`merge_learners`)."""
        key = digest(token)
        with self._read() as s:
            row = s.scalars(select(LearnerRow).where(LearnerRow.token_hash == key)).first()
            learner = _dc(Learner, row) if row else None
        if learner is not None:
            if len(self._tokens) >= TOKENS_REMEMBERED:
                self._tokens.clear()
            self._tokens[key] = (time.monotonic(), learner)
        return learner

    def remembered_learner(self, token: str) -> Learner | None:
        """The learner :meth:`learner_by_token` found for this token in the last :data:`TOKEN_MEMORY_SECONDS`,
        without reading the database; None if there is none. For the statements endpoint, where the store
        checks again that the learner exists as it writes their statements."""
        seen = self._tokens.get(digest(token))
        return seen[1] if seen is not None and time.monotonic() - seen[0] < TOKEN_MEMORY_SECONDS else None

    def _forget_learners(self) -> None:
        self._tokens.clear()

    def learners(self, cohort_id: str | None = None) -> list[Learner]:
        """A cohort's learners (or everyone), in the order they joined; merged duplicates are left out."""
        q = (
            select(LearnerRow)
            .where(LearnerRow.merged_into.is_(None))
            .order_by(LearnerRow.created_at, LearnerRow.display_name, LearnerRow.id)
        )
        if cohort_id is not None:
            q = q.where(LearnerRow.cohort_id == cohort_id)
        with self._read() as s:
            return [_dc(Learner, r) for r in s.scalars(q)]

    def learners_page(
        self, *, cohort_id: str | None = None, search: str = "", offset: int = 0, limit: int = 50
    ) -> tuple[list[Learner], int]:
        """One page of :meth:`learners` whose display name contains ``search`` (any case), and how many in all."""
        where: list[sa.ColumnElement[bool]] = [LearnerRow.merged_into.is_(None)]
        if cohort_id is not None:
            where.append(LearnerRow.cohort_id == cohort_id)
        if search.strip():
            where.append(sa.func.lower(LearnerRow.display_name).contains(search.strip().lower(), autoescape=True))
        q = (
            select(LearnerRow)
            .where(*where)
            .order_by(LearnerRow.created_at, LearnerRow.display_name, LearnerRow.id)
            .offset(max(0, offset))
            .limit(limit)
        )
        with self._read() as s:
            total = s.scalar(select(sa.func.count()).select_from(LearnerRow).where(*where)) or 0
            return [_dc(Learner, r) for r in s.scalars(q)], total

    def set_learner_note(self, learner_id: str, note: str | None) -> Learner:
        """The trainer's note about a learner (None or "" removes it)."""
        with self._write() as s:
            row = _get(s, LearnerRow, learner_id)
            row.note = note or None
            s.flush()
            return _dc(Learner, row)

    def merge_learners(self, keep_id: str, duplicate_id: str) -> Learner:
        """Merge ``duplicate_id`` (the same person, joined twice) into ``keep_id``, both of one cohort.

        Every statement, result and reminder of the duplicate becomes the kept learner's, who also takes the
        duplicate's e-mail and note if they have none. The duplicate's row stays, hidden, so that the token
        in its browser goes on working: whatever it sends from now on is stored for the kept learner.
        """
        if keep_id == duplicate_id:
            raise ValueError("a learner cannot be merged into themselves")
        self._forget_learners()
        with self._write() as s:
            keep, dup = _lock_learners(s, [keep_id, duplicate_id])
            if keep.cohort_id != dup.cohort_id:
                raise ValueError("only learners of the same cohort can be merged")
            if keep.merged_into is not None or dup.merged_into is not None:
                raise ValueError("a merged learner cannot be merged again")
            conn = s.connection()
            recount = items.Changes()
            items.count_learners(conn, recount, [keep.id, dup.id], -1)
            _move_results(s, dup.id, keep.id)
            items.count_learners(conn, recount, [keep.id], 1)
            recount.write(conn)
            moved = s.execute(
                sa.update(StatementRow).where(StatementRow.learner_id == dup.id).values(learner_id=keep.id)
            ).rowcount  # type: ignore[attr-defined]  # a DML statement's result is a CursorResult
            # Each learner's count, moved as the rows were: by how many, so a count another process adds to
            # meanwhile stays right.
            for learner_id, change in ((keep.id, moved), (dup.id, -moved)):
                s.execute(
                    sa.update(LearnerRow)
                    .where(LearnerRow.id == learner_id)
                    .values(statements_stored=LearnerRow.statements_stored + change)
                )
            _recount_begun(conn, [keep.id, dup.id])
            s.execute(sa.update(ReminderRow).where(ReminderRow.learner_id == dup.id).values(learner_id=keep.id))
            s.execute(sa.update(LearnerRow).where(LearnerRow.merged_into == dup.id).values(merged_into=keep.id))
            keep.email = keep.email or dup.email
            keep.note = keep.note or dup.note
            dup.merged_into, dup.email, dup.note = keep.id, None, None
            s.flush()
            return _dc(Learner, keep)

    def merged_learners(self, learner_id: str) -> list[Learner]:
        """The duplicates merged into a learner."""
        with self._read() as s:
            q = select(LearnerRow).where(LearnerRow.merged_into == learner_id).order_by(LearnerRow.created_at)
            return [_dc(Learner, r) for r in s.scalars(q)]

    # -- reminders -------------------------------------------------------------------------------------

    def add_reminders(self, sent: Iterable[tuple[str, str | None]], channel: str, by: str | None) -> None:
        """Record reminders: (learner id, assignment id) pairs, sent by e-mail or copied (``channel``)."""
        at = _now()
        rows = [
            {"learner_id": learner, "assignment_id": assignment, "staff_id": by, "at": at, "channel": channel}
            for learner, assignment in sent
        ]
        if rows:
            with self._write() as s:
                s.execute(sa.insert(ReminderRow), rows)

    def reminders(self, *, cohort_id: str | None = None, learner_id: str | None = None) -> list[Reminder]:
        """Reminders recorded for a cohort's learners or one learner, newest first."""
        q = select(ReminderRow).order_by(ReminderRow.at.desc(), ReminderRow.id.desc())
        if learner_id is not None:
            q = q.where(ReminderRow.learner_id == learner_id)
        if cohort_id is not None:
            q = q.join(LearnerRow, LearnerRow.id == ReminderRow.learner_id).where(LearnerRow.cohort_id == cohort_id)
        with self._read() as s:
            return [_dc(Reminder, r) for r in s.scalars(q)]

    def set_learner_email(self, learner_id: str, email: str | None) -> Learner:
        """Record (or, with None, remove) the e-mail a trainer entered for a learner."""
        with self._write() as s:
            row = _get(s, LearnerRow, learner_id)
            row.email = email or None
            s.flush()
            return _dc(Learner, row)

    def export_learner(self, learner_id: str) -> dict:
        """Everything stored about one learner, as JSON data (a data-protection access request)."""
        data = self._export_head(learner_id)
        data["statements"] = [st.statement for st in self.statements(learner_id=learner_id)]
        return data

    def _export_head(self, learner_id: str) -> dict:
        """What an export holds besides the statements (raises :class:`NotFound` for no such learner)."""
        learner = self.learner(learner_id)
        cohort = self.cohort(learner.cohort_id)
        return {
            "learner": {
                "id": learner.id,
                "display_name": learner.display_name,
                "email": learner.email,
                "joined": learner.created_at.isoformat(),
                "trainer_note": learner.note,
                "merged_duplicates": [
                    {"id": d.id, "display_name": d.display_name, "joined": d.created_at.isoformat()}
                    for d in self.merged_learners(learner_id)
                ],
            },
            "cohort": {"id": cohort.id, "name": cohort.name},
            "reminders": [
                {"at": r.at.isoformat(), "channel": r.channel, "assignment": r.assignment_id}
                for r in self.reminders(learner_id=learner_id)
            ],
            "certificates": [
                {
                    "code": c.code,
                    "scope": c.scope,
                    "title": c.title,
                    "learner_name": c.learner_name,
                    "issued_at": _iso(c.issued_at),
                    "percentage": c.percentage,
                }
                for c in self.certificates(learner_id)
            ],
            "attempts": [
                {
                    "id": a.id,
                    "quiz_id": a.quiz_id,
                    "number": a.number,
                    "seed": a.seed,
                    "registration": a.registration,
                    "started_at": _iso(a.started_at),
                    "deadline": _iso(a.deadline) if a.deadline else None,
                    "submitted_at": _iso(a.submitted_at) if a.submitted_at else None,
                    "percentage": a.percentage,
                    "passed": a.passed,
                    "result": a.result,
                }
                for a in self.attempts(learner_id)
            ],
        }

    def export_learner_json(self, learner_id: str, page: int = 500) -> Iterator[str]:
        """:meth:`export_learner` as JSON text, in pieces: the statements are read ``page`` at a time, so a
        learner with tens of thousands of them costs no more memory than one page. Raises :class:`NotFound`
        before the first piece if there is no such learner."""
        head = self._export_head(learner_id)

        def pieces() -> Iterator[str]:
            yield json.dumps(head, indent=2, ensure_ascii=False)[:-2] + ',\n  "statements": ['
            after: tuple[datetime, str] | None = None
            first = True
            while True:
                q = (
                    select(StatementRow.timestamp, StatementRow.id, StatementRow.statement)
                    .where(StatementRow.learner_id == learner_id)
                    .order_by(StatementRow.timestamp, StatementRow.id)
                    .limit(page)
                )
                if after is not None:
                    q = q.where(sa.tuple_(StatementRow.timestamp, StatementRow.id) > sa.tuple_(*after))
                with self._read() as s:
                    rows = s.execute(q).all()
                if not rows:
                    break
                text = ",".join("\n    " + json.dumps(r.statement, ensure_ascii=False) for r in rows)
                yield text if first else "," + text
                first = False
                after = (rows[-1].timestamp, rows[-1].id)
            yield "\n  ]\n}\n"

        return pieces()

    def delete_learner(self, learner_id: str) -> int:
        """Delete a learner and every statement of theirs (with those still waiting to be forwarded to an
        external LRS); return how many statements went."""
        self._forget_learners()
        with self._write() as s:
            (row,) = _lock_learners(s, [learner_id])
            gone = items.Changes()
            items.count_learners(s.connection(), gone, [learner_id], -1)
            gone.write(s.connection())
            # The foreign keys cascade too; deleting explicitly does not depend on SQLite's foreign_keys pragma.
            # Quiz by quiz, so each delete finds the learner's rows by the leading columns of the key.
            quizzes = s.scalars(
                select(AttemptResultRow.quiz_id).where(AttemptResultRow.learner_id == learner_id).distinct()
            ).all()
            for quiz_id in quizzes:
                for table in (QUESTION_RESULTS, ATTEMPT_RESULTS):
                    s.execute(sa.delete(table).where(table.c.quiz_id == quiz_id, table.c.learner_id == learner_id))
            # Statements not yet forwarded to an external LRS are not sent after this (those already forwarded
            # are in that LRS, and must be deleted there).
            s.execute(
                sa.delete(OUTBOX).where(
                    OUTBOX.c.statement_id.in_(select(StatementRow.id).where(StatementRow.learner_id == learner_id))
                )
            )
            s.execute(sa.delete(AttemptRow).where(AttemptRow.learner_id == learner_id))
            s.execute(sa.delete(BegunAttemptRow).where(BegunAttemptRow.learner_id == learner_id))
            deleted = s.execute(sa.delete(StatementRow).where(StatementRow.learner_id == learner_id))
            n = deleted.rowcount  # type: ignore[attr-defined]  # a DML statement's result is a CursorResult
            s.execute(sa.delete(ReminderRow).where(ReminderRow.learner_id == learner_id))
            # Certificates go with the learner (and those of duplicates merged into them): /verify no longer
            # confirms them.
            duplicates = select(LearnerRow.id).where(LearnerRow.merged_into == learner_id)
            s.execute(
                sa.delete(CertificateRow).where(
                    sa.or_(CertificateRow.learner_id == learner_id, CertificateRow.learner_id.in_(duplicates))
                )
            )
            s.execute(sa.delete(ResumeCodeRow).where(ResumeCodeRow.learner_id == learner_id))
            # Duplicates merged into this learner hold nothing but a name and a token: they go too.
            s.execute(sa.delete(LearnerRow).where(LearnerRow.merged_into == learner_id))
            s.delete(row)
            return n

    # -- carrying on on another device -----------------------------------------------------------------

    def add_resume_code(self, learner_id: str, minutes: int = RESUME_MINUTES) -> tuple[str, datetime]:
        """A short code (ten letters and digits of the join codes' alphabet) with which another device carries
        on as this learner (or, for a merged duplicate, as the learner it was merged into), and when it stops
        working. It works once; a new code replaces the learner's earlier one. Only its hash is kept."""
        learner = self.learner(learner_id)
        keep_id = learner.merged_into or learner.id
        code, now = _code(), _now()
        expires = now + timedelta(minutes=minutes)
        with self._write() as s:
            s.execute(sa.delete(ResumeCodeRow).where(ResumeCodeRow.learner_id == keep_id))
            s.add(ResumeCodeRow(code_hash=digest(code), learner_id=keep_id, created_at=now, expires_at=expires))
        return code, expires

    def redeem_resume_code(self, typed: str) -> tuple[Learner, str] | None:
        """For a resume code as someone typed it ("k7qm-9xtp-2b", any case): this device's own learner row,
        merged into the code's learner (so the other device's token goes on working, and what this one sends
        is stored for the same learner), and its token. None for an unknown, used or expired code; a code is
        spent by its first use."""
        code = certificate_code(typed)
        with self._write() as s:
            row = s.get(ResumeCodeRow, digest(code)) if code else None
            if row is None:
                return None
            s.delete(row)
            keep = s.get(LearnerRow, row.learner_id)
            if row.expires_at < _now() or keep is None:
                return None
            token = secrets.token_urlsafe(32)
            device = LearnerRow(
                id=str(uuid.uuid4()),
                cohort_id=keep.cohort_id,
                display_name=keep.display_name,
                token_hash=digest(token),
                email=None,
                created_at=_now(),
                merged_into=keep.id,
            )
            s.add(device)
            s.flush()
            return _dc(Learner, device), token

    # -- certificates ----------------------------------------------------------------------------------

    def add_certificate(
        self,
        learner_id: str,
        scope: str,
        *,
        title: str,
        course_title: str,
        learner_name: str,
        percentage: float,
        quizzes: Sequence[dict],
    ) -> tuple[Certificate, bool]:
        """Issue the learner's certificate for ``scope`` ("course" or an assignment id), or give back the one
        already issued (also when another request issued it at the same moment). Returns it, and whether it is
        new. The caller has checked that the learner passed what the scope asks for."""
        existing = self.certificate_for(learner_id, scope)
        if existing is not None:
            return existing, False
        for _ in range(5):
            row = CertificateRow(
                code=_code(),
                learner_id=learner_id,
                scope=scope,
                title=title.strip()[:300],
                course_title=course_title.strip()[:300],
                learner_name=" ".join(learner_name.split())[:100],
                issued_at=_now(),
                percentage=float(percentage),
                quizzes=[dict(q) for q in quizzes],
            )
            try:
                with self._write() as s:
                    s.add(row)
                return _dc(Certificate, row), True
            except IntegrityError:  # the scope issued by another request, or a code drawn twice
                existing = self.certificate_for(learner_id, scope)
                if existing is not None:
                    return existing, False
        raise StoreError("could not draw a free certificate code")

    def certificate_for(self, learner_id: str, scope: str) -> Certificate | None:
        """The learner's certificate for ``scope`` (or one issued to a duplicate since merged into them)."""
        found = [c for c in self.certificates(learner_id) if c.scope == scope]
        return found[0] if found else None

    def certificate(self, code: str) -> Certificate | None:
        """The certificate with this code (as typed, in any case, with or without dashes), or None."""
        key = certificate_code(code)
        if not key:
            return None
        with self._read() as s:
            row = s.get(CertificateRow, key)
            return _dc(Certificate, row) if row else None

    def certificates(self, learner_id: str) -> list[Certificate]:
        """A learner's certificates, with those issued to duplicates since merged into them, oldest first."""
        duplicates = select(LearnerRow.id).where(LearnerRow.merged_into == learner_id)
        q = (
            select(CertificateRow)
            .where(sa.or_(CertificateRow.learner_id == learner_id, CertificateRow.learner_id.in_(duplicates)))
            .order_by(CertificateRow.issued_at, CertificateRow.code)
        )
        with self._read() as s:
            return [_dc(Certificate, r) for r in s.scalars(q)]

    # -- statements ------------------------------------------------------------------------------------

    def add_statements(
        self,
        records: Sequence[StatementRecord],
        *,
        also: Callable[[sa.Connection], None] | None = None,
        limit: UsageLimit | None = None,
    ) -> list[bool]:
        """Store scored statements in one transaction, committed before this returns.

        Idempotent by id: a statement already stored with the same content (as received) is not stored
        again. Returns, for each record, True if it was new. Raises :class:`StatementConflict` (storing
        nothing) if an id is already stored with different content, :class:`OverLimit` if ``limit`` says
        the learner may not store this many now, :class:`NotFound` if a learner is not (or no longer) in the
        store. A new *completed* statement's result rows (:func:`quizlib.results.result_rows`) are stored
        with it. ``also`` runs in the same transaction (for the store's own use: a submitted attempt's row is
        written with its statements).
        """
        return self._flags_of(self._store_group([Job(records, limit, also)])[0])

    def add_statements_together(self, records: Sequence[StatementRecord], *, limit: UsageLimit | None = None) -> Future:
        """:meth:`add_statements` by the group writer: these statements share a transaction with those of
        other requests that arrive at the same time (one commit for all). The future holds what
        :meth:`add_statements` returns or raises, once the transaction is committed."""
        return self.group_writer.submit(Job(records, limit))

    @staticmethod
    def _flags_of(result: Any) -> list[bool]:
        if isinstance(result, BaseException):
            raise result
        return result

    def _store_group(self, jobs: list[Job]) -> list[Any]:
        """Store each job's records in one transaction; for each job its flags, or the error refusing it.

        A group of answers alone (the most frequent, by far) is stored in a transaction on a driver connection
        (:meth:`_write_cursor`); one with a finished attempt, whose result rows and item sums are written
        with SQLAlchemy, or with ``also`` work, in a SQLAlchemy transaction.
        """
        plain = all(job.also is None and all(r.verb != "completed" for r in job.records) for job in jobs)
        try:
            return self._store_group_tries(jobs, plain)
        except self._driver_error as e:
            # As SQLAlchemy would have raised it (callers tell a locked or unreachable database by its class).
            raise driver.as_sqlalchemy_error(e, self.engine.dialect) from e

    def _store_group_tries(self, jobs: list[Job], plain: bool) -> list[Any]:
        for attempt in range(3):
            try:
                if plain:
                    with self._write_cursor() as (sql, cursor):
                        return self._store_jobs(sql, cursor, jobs, None)
                with self._write_connection() as conn:
                    cursor = conn.connection.cursor()  # the driver's, in this transaction
                    try:
                        results = self._store_jobs(driver.for_dialect(conn.dialect), cursor, jobs, conn)
                    finally:
                        cursor.close()
                    if len(jobs) == 1 and isinstance(results[0], BaseException):
                        raise results[0]  # alone: roll back whatever ``also`` did
                    return results
            except (IntegrityError, self._driver_integrity_error):
                # Another process stored one of these ids between our check and insert: check again. (The
                # statements' rows go in on the driver's cursor, whose errors SQLAlchemy does not wrap.)
                continue
            except self._driver_connection_errors:
                # The group writer's kept connection was lost (PostgreSQL restarted, or ended it): once more,
                # on a connection from the pool, which checks it first. Nothing was acknowledged meanwhile,
                # and statements are stored once by id, should the lost commit have been made after all.
                if attempt or not plain or self.backend != "postgresql":
                    raise
                continue
        raise StoreError("could not store the statements: the database kept reporting conflicting inserts")

    @functools.cached_property
    def _driver_integrity_error(self) -> type[Exception]:
        """The driver's own IntegrityError (raised as it is by :mod:`quizlib.results.store.driver`'s SQL)."""
        dbapi = self.engine.dialect.dbapi
        assert dbapi is not None  # the engine's driver is loaded when the engine is made
        return dbapi.IntegrityError

    @functools.cached_property
    def _driver_error(self) -> type[Exception]:
        """The driver's base error class (PEP 249's ``Error``)."""
        dbapi = self.engine.dialect.dbapi
        assert dbapi is not None
        return dbapi.Error

    @functools.cached_property
    def _driver_connection_errors(self) -> tuple[type[Exception], ...]:
        """The driver's errors for a connection that failed (as :attr:`_driver_integrity_error`)."""
        dbapi = self.engine.dialect.dbapi
        assert dbapi is not None
        return (dbapi.OperationalError, dbapi.InterfaceError)

    @contextlib.contextmanager
    def _write_cursor(self) -> Iterator[tuple[driver.DriverSQL, Any]]:
        """A write transaction on a driver connection from the writers' pool, and its cursor: committed on
        leaving, before this returns, rolled back on an error. Without SQLAlchemy's Connection, whose
        begin and commit cost several times what the database takes for them.

        The group writer's thread keeps its connection from one transaction to the next (each taken from
        the pool and given back costs a rollback, and on PostgreSQL a ping: round trips to the server); a
        transaction that fails gives it back, and the next takes one afresh, checked by the pool."""
        writer = threading.current_thread() is self.group_writer.thread
        with self._write_lock:
            connection = None
            if writer:  # only the writer's thread touches what it keeps
                connection, self._held = self._held, None
            if connection is None:
                connection = self._writer.raw_connection()
            committed = False
            try:
                cursor = connection.cursor()
                try:
                    if self.backend == "sqlite":
                        cursor.execute("BEGIN IMMEDIATE")  # as the engine's writes begin (engine.make_engine)
                    yield driver.for_dialect(self.engine.dialect), cursor
                    connection.commit()
                    committed = True
                finally:
                    cursor.close()
            except BaseException:
                with contextlib.suppress(Exception):  # a broken connection: the pool finds out
                    connection.rollback()
                raise
            finally:
                if writer and committed and not self._closing:
                    self._held = connection
                else:
                    connection.close()  # back to the pool

    def _store_jobs(self, sql: driver.DriverSQL, cursor: Any, jobs: list[Job], conn: sa.Connection | None) -> list[Any]:
        """Store the jobs' records on ``cursor``; ``conn``, the SQLAlchemy connection of the same transaction,
        for a finished attempt's rows and for ``also`` (None when the jobs have neither)."""
        stored = _now()
        stored_text = _iso(stored)
        learner_ids = {r.learner_id for job in jobs for r in job.records}
        learner_ids.update(job.limit.learner_id for job in jobs if job.limit is not None)
        since: dict[str, datetime] = {}  # each learner's limit counts from their first job's time
        for job in jobs:
            if job.limit is not None:
                since.setdefault(job.limit.learner_id, job.limit.since)
        merged_into, existing, counts = sql.look_up(
            cursor, learner_ids, {r.id for job in jobs for r in job.records}, since
        )
        # learner -> [total, recent], with this group's earlier jobs counted: of the learner whose statements
        # they are (a merged duplicate's, or another device's, are the learner's it was merged into, and the
        # look-up counted that learner's for it), so one person's devices share one limit.
        usage: dict[str, list[int]] = {}
        for who, both in counts.items():
            usage[who] = usage.setdefault(merged_into.get(who) or who, list(both))
        results: list[Any] = []
        rows: list[dict] = []
        completed: list[StatementRecord] = []
        for job in jobs:
            try:
                missing = {r.learner_id for r in job.records} - merged_into.keys()
                if job.limit is not None and job.limit.learner_id not in merged_into:
                    missing.add(job.limit.learner_id)
                if missing:
                    raise NotFound(f"No learner {min(missing)!r}")
                if job.limit is not None:
                    _check_usage(job.limit, usage[job.limit.learner_id])
                texts = [
                    canonical_json(r.received) if r.received_text is None else r.received_text for r in job.records
                ]
                firsts: dict[str, str] = {}
                conflicts = []
                for r, text in zip(job.records, texts):
                    before = existing.get(r.id, firsts.get(r.id))
                    if before is not None and before != text:
                        conflicts.append(r.id)
                    firsts.setdefault(r.id, text)
                if conflicts:
                    raise StatementConflict(list(dict.fromkeys(conflicts)))
                flags = []
                for r, text in zip(job.records, texts):
                    if r.id in existing:
                        flags.append(False)
                        continue
                    flags.append(True)
                    existing[r.id] = text  # a later job (or record) with this id is a resend
                    into = merged_into.get(r.learner_id)
                    if into is not None:  # a merged duplicate's statements are the learner's it was merged into
                        r = dataclasses.replace(r, learner_id=into)
                    statement = dict(r.statement)
                    statement["stored"] = stored_text
                    rows.append(
                        {
                            "id": r.id,
                            "learner_id": r.learner_id,
                            "verb": r.verb,
                            "quiz_id": r.quiz_id,
                            "question_id": r.question_id,
                            "attempt_id": r.attempt_id,
                            "try_number": r.try_number,
                            "registration": r.registration,
                            "timestamp": r.timestamp,
                            "stored": stored,
                            "credit": r.credit,
                            "final": r.final,
                            "percentage": r.percentage,
                            "passed": r.passed,
                            "detail": r.detail,
                            "received": text,
                            "statement": statement,
                        }
                    )
                    if r.verb == "completed":
                        completed.append(r)
                if job.limit is not None:
                    counted = usage[job.limit.learner_id]
                    own = sum(1 for r, new in zip(job.records, flags) if new and r.verb in driver.OWN_VERBS)
                    counted[0] += sum(flags)
                    counted[1] += own
                results.append(flags)
            except StoreError as e:
                results.append(e)
        if rows:
            with sql.pipelined(cursor):
                # The learners' rows first (their counts), as a merge or a deletion locks them first too: on
                # PostgreSQL, two transactions that want the same rows take them in one order.
                sql.count_stored(cursor, collections.Counter(row["learner_id"] for row in rows))
                sql.insert(cursor, STATEMENTS, rows)
                sql.insert(
                    cursor,
                    OUTBOX,
                    [{"statement_id": row["id"], "queued_at": stored, "state": PENDING, "attempts": 0} for row in rows],
                )
                _note_begun(sql, cursor, rows)
        if completed:
            assert conn is not None, "a finished attempt is stored in a SQLAlchemy transaction (_store_group)"
            # Reports read these narrow rows, never the statements' JSON: written in this same transaction, so
            # a finished attempt is in both or in neither.
            attempts, questions = [], []
            finished = []
            for r in completed:
                attempt, its_questions = result_rows(r)
                attempts.append(attempt)
                questions += its_questions
                finished.append((attempt, its_questions))
            # Item analysis's sums, before the rows go in (it compares them with the first attempts stored).
            items.add_finished(conn, finished)
            conn.execute(sa.insert(ATTEMPT_RESULTS), attempts)
            if questions:
                conn.execute(sa.insert(QUESTION_RESULTS), questions)
        for job in jobs:
            if job.also is not None:
                assert conn is not None
                job.also(conn)
        return results

    def statement_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` are stored."""
        found: set[str] = set()
        with self._read() as s:
            for chunk in driver.chunks(list(ids), 500):
                found.update(s.scalars(select(StatementRow.id).where(StatementRow.id.in_(chunk))))
        return found

    def statements(
        self,
        *,
        learner_id: str | None = None,
        cohort_id: str | None = None,
        verb: str | None = None,
        quiz_id: str | None = None,
    ) -> list[StoredStatement]:
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
        q = select(
            StatementRow.learner_id,
            StatementRow.verb,
            StatementRow.quiz_id,
            StatementRow.question_id,
            StatementRow.attempt_id,
            StatementRow.timestamp,
            StatementRow.percentage,
            StatementRow.passed,
        ).order_by(StatementRow.timestamp, StatementRow.id)
        if learner_id is not None:
            q = q.where(StatementRow.learner_id == learner_id)
        if cohort_id is not None:
            q = q.join(LearnerRow, LearnerRow.id == StatementRow.learner_id).where(LearnerRow.cohort_id == cohort_id)
        with self._read() as s:
            return [Activity(**row._asdict()) for row in s.execute(q)]

    def learner_usage(self, learner_id: str, since: datetime) -> tuple[int, int]:
        """How many statements ``learner_id`` has stored in all, and how many of their own (not the server's
        verdicts) since ``since``, by the server's clock; for a learner merged into another (a duplicate, or
        another device), that learner's."""
        with self.engine.connect() as conn:
            cursor = conn.connection.cursor()
            try:
                return driver.for_dialect(conn.dialect).usage(cursor, learner_id, since)
            except self._driver_error as e:
                raise driver.as_sqlalchemy_error(e, conn.dialect) from e
            finally:
                cursor.close()

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

    def recorded_answers(self, learner_id: str, quiz_id: str, attempt_id: str) -> list[tuple[str, int, Any, Any]]:
        """The answers the server stored for one attempt, oldest first: (question id, try number, response,
        seconds spent on the question so far or None)."""
        q = (
            select(StatementRow.question_id, StatementRow.try_number, StatementRow.detail)
            .where(
                StatementRow.learner_id == learner_id,
                StatementRow.quiz_id == quiz_id,
                StatementRow.attempt_id == attempt_id,
                StatementRow.verb == "answered",
            )
            .order_by(StatementRow.timestamp, StatementRow.id)
        )
        with self._read() as s:
            return [(qid, n, d.get("response"), d.get("duration")) for qid, n, d in s.execute(q)]

    # -- attempts the server starts (summative quizzes) ----------------------------------------------------

    def add_attempt(
        self,
        learner_id: str,
        quiz_id: str,
        *,
        number: int,
        seed: int,
        registration: str | None,
        started_at: datetime,
        deadline: datetime | None,
    ) -> IssuedAttempt:
        """Start attempt ``number`` of a learner at a quiz. Raises :class:`AttemptConflict` if that number is
        taken (another request started it first)."""
        row = AttemptRow(
            id=str(uuid.uuid4()),
            learner_id=learner_id,
            quiz_id=quiz_id,
            number=number,
            seed=seed,
            registration=registration,
            started_at=started_at,
            deadline=deadline,
            submitted_at=None,
            percentage=None,
            passed=None,
            result=None,
        )
        try:
            with self._write() as s:
                s.add(row)
        except IntegrityError:
            raise AttemptConflict(f"attempt {number} at quiz {quiz_id!r} was started by another request") from None
        return _dc(IssuedAttempt, row)

    def attempt(self, attempt_id: str) -> IssuedAttempt:
        with self._read() as s:
            return _dc(IssuedAttempt, _get(s, AttemptRow, attempt_id))

    def attempts(self, learner_id: str, quiz_id: str | None = None) -> list[IssuedAttempt]:
        """A learner's server-started attempts (at one quiz, or all), by quiz then number."""
        q = (
            select(AttemptRow)
            .where(AttemptRow.learner_id == learner_id)
            .order_by(AttemptRow.quiz_id, AttemptRow.number)
        )
        if quiz_id is not None:
            q = q.where(AttemptRow.quiz_id == quiz_id)
        with self._read() as s:
            return [_dc(IssuedAttempt, r) for r in s.scalars(q)]

    def submit_attempt(
        self,
        attempt_id: str,
        records: Sequence[StatementRecord],
        *,
        submitted_at: datetime,
        percentage: float,
        passed: bool,
        result: dict,
    ) -> IssuedAttempt:
        """Store a submitted attempt's statements and its result in one transaction, committed before this
        returns. Raises :class:`AttemptConflict` (storing nothing) if it was submitted already."""

        def mark(conn: sa.Connection) -> None:
            done = conn.execute(
                sa.update(AttemptRow)
                .where(AttemptRow.id == attempt_id, AttemptRow.submitted_at.is_(None))
                .values(submitted_at=submitted_at, percentage=percentage, passed=passed, result=result)
            )
            if done.rowcount != 1:
                raise AttemptConflict(f"attempt {attempt_id} is submitted already")

        self.add_statements(records, also=mark)
        return self.attempt(attempt_id)

    def attempt_durations(self, learner_id: str) -> dict[str, float]:
        """Seconds spent on each of a learner's finished attempts, by attempt id (where it was recorded)."""
        q = select(AttemptResultRow.attempt_id, AttemptResultRow.duration).where(
            AttemptResultRow.learner_id == learner_id, AttemptResultRow.duration.is_not(None)
        )
        with self._read() as s:
            return {attempt_id: duration for attempt_id, duration in s.execute(q) if duration is not None}

    def time_spent(self, cohort_id: str) -> dict[str, float]:
        """Seconds each learner of a cohort spent on their finished attempts (where recorded), by learner id."""
        a = AttemptResultRow
        q = (
            select(a.learner_id, sa.func.sum(a.duration))
            .join(LearnerRow, LearnerRow.id == a.learner_id)
            .where(LearnerRow.cohort_id == cohort_id, a.duration.is_not(None))
            .group_by(a.learner_id)
        )
        with self._read() as s:
            return {learner_id: float(total) for learner_id, total in s.execute(q) if total is not None}

    def begun_attempts(
        self,
        *,
        cohort_id: str | None = None,
        learner_id: str | None = None,
        quiz_ids: Sequence[str] | None = None,
    ) -> list[tuple[str, str, str, datetime]]:
        """(learner id, quiz id, attempt id, first answer) of every attempt with at least one answer, finished
        or not."""
        b = BEGUN
        q = select(b.c.learner_id, b.c.quiz_id, b.c.attempt_id, b.c.first_at)
        if learner_id is not None:
            q = q.where(b.c.learner_id == learner_id)
        if quiz_ids is not None:
            q = q.where(b.c.quiz_id.in_(list(quiz_ids)))
        if cohort_id is not None:
            q = q.join(LearnerRow, LearnerRow.id == b.c.learner_id).where(LearnerRow.cohort_id == cohort_id)
        with self._read() as s:  # kept as answers are stored (:func:`_note_begun`): one row per attempt
            return [(learner, quiz, attempt, at) for learner, quiz, attempt, at in s.execute(q)]


def _check_assignment(pass_mark: float, quiz_ids: Sequence[str]) -> None:
    if not 0 <= pass_mark <= 100:
        raise ValueError("the pass mark is a percentage from 0 to 100")
    if not quiz_ids:
        raise ValueError("an assignment needs at least one quiz")


def _change(assignment_id: str, by: str | None, action: str, before: dict | None, after: dict | None):
    return AssignmentChangeRow(
        assignment_id=assignment_id, staff_id=by, at=_now(), action=action, before=before, after=after
    )


def _check_usage(limit: UsageLimit, counted: list[int]) -> None:
    """Refuse the job if its learner may not store this much now; ``counted``: their [total, recent], counted
    in this transaction (:meth:`DriverSQL.look_up`) with the group's earlier jobs added."""
    total, recent = counted
    if total >= limit.storage:
        raise OverLimit(full=True, total=total, recent=recent)
    if recent + limit.sending > limit.per_minute:
        raise OverLimit(full=False, total=total, recent=recent)


BEGUN: sa.Table = BegunAttemptRow.__table__  # type: ignore[assignment]


def _note_begun(sql: driver.DriverSQL, cursor: Any, rows: list[dict]) -> None:
    """Keep ``begun_attempts`` up to date with new statement rows: each attempt answered, with the earliest
    answer's time (an answer sent late, from a phone that was offline, may be earlier than those stored)."""
    firsts: dict[tuple[str, str, str], datetime] = {}
    for row in rows:
        if row["verb"] == "answered":
            key = (row["learner_id"], row["quiz_id"], row["attempt_id"])
            at = firsts.get(key)
            if at is None or row["timestamp"] < at:
                firsts[key] = row["timestamp"]
    if firsts:
        sql.note_begun(cursor, firsts)


def recount_statements_stored(conn: sa.Connection) -> None:
    """Set every learner's ``statements_stored`` from their statements (as migration 0011 does), for databases
    written in bulk without the store."""
    conn.execute(
        sa.text(
            "UPDATE learners SET statements_stored = "
            "(SELECT count(*) FROM statements WHERE statements.learner_id = learners.id)"
        )
    )


def _recount_begun(conn: sa.Connection, learner_ids: list[str]) -> None:
    """Make these learners' ``begun_attempts`` again from their answered statements (after a merge)."""
    conn.execute(sa.delete(BEGUN).where(BEGUN.c.learner_id.in_(learner_ids)))
    st = StatementRow
    conn.execute(
        BEGUN.insert().from_select(
            ["learner_id", "quiz_id", "attempt_id", "first_at"],
            select(st.learner_id, st.quiz_id, st.attempt_id, sa.func.min(st.timestamp))
            .where(st.learner_id.in_(learner_ids), st.verb == "answered")
            .group_by(st.learner_id, st.quiz_id, st.attempt_id),
        )
    )


def _move_results(s: Session, from_id: str, to_id: str) -> None:
    """Move a learner's result rows to another learner. The learner is part of both tables' keys, the
    questions' foreign key names their attempt's key, and statement ids are unique: so read one learner's
    rows (a few hundred), delete them, and insert them again under the other learner."""
    a, q = ATTEMPT_RESULTS, QUESTION_RESULTS
    attempts = [dict(r._mapping) for r in s.execute(select(a).where(a.c.learner_id == from_id))]
    questions = [dict(r._mapping) for r in s.execute(select(q).where(q.c.learner_id == from_id))]
    s.execute(sa.delete(q).where(q.c.learner_id == from_id))
    s.execute(sa.delete(a).where(a.c.learner_id == from_id))
    for rows, table in ((attempts, a), (questions, q)):
        for row in rows:
            row["learner_id"] = to_id
        if rows:
            s.execute(table.insert(), rows)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
