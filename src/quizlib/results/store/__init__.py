"""The results store: one API object (:class:`Store`) over a SQL database, through SQLAlchemy 2.

SQLite (a file, by default ``var/course.sqlite3``) or PostgreSQL (``postgresql+psycopg://...``). The schema
is made and upgraded by Alembic migrations (``quizlib/migrations``, see :func:`upgrade`), never by
``create_all``, so an existing database upgrades in place. Nothing that matters is kept in memory: several
processes can share one PostgreSQL database.

Everything the store hands out is a plain frozen dataclass; nothing outside this module sees an ORM object.
Reports read narrow result tables written with each finished attempt (:mod:`quizlib.results.store.tables`),
not the statements' JSON, through :mod:`quizlib.results.source`.

The package: ``errors``, ``rows`` (the ORM schema), ``records`` (what it hands out), ``engine`` (connecting,
migrating), ``tables`` (the result tables) and the :class:`Store` here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import secrets
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quizlib.results.store.engine import current_revision, head_revision, make_engine, normalise_url, upgrade
from quizlib.results.store.errors import (
    AttemptConflict,
    DuplicateName,
    NotFound,
    SchemaNotCurrent,
    StatementConflict,
    StoreError,
)
from quizlib.results.store.records import (
    Activity,
    Assignment,
    Cohort,
    IssuedAttempt,
    Learner,
    Staff,
    StatementRecord,
    StoredStatement,
    canonical_json,
    digest,
)
from quizlib.results.store.rows import (
    AssignmentRow,
    AttemptResultRow,
    AttemptRow,
    Base,
    CohortRow,
    LearnerRow,
    QuestionResultRow,
    SettingRow,
    StaffRow,
    StatementRow,
    ThrottleFailureRow,
)
from quizlib.results.store.tables import result_rows

DEFAULT_URL = "sqlite:///var/course.sqlite3"
# The narrow result tables as Core tables: written and deleted in bulk, without the ORM.
ATTEMPT_RESULTS: sa.Table = AttemptResultRow.__table__  # type: ignore[assignment]
QUESTION_RESULTS: sa.Table = QuestionResultRow.__table__  # type: ignore[assignment]
ROLES = ("lead", "trainer")

__all__ = [
    "DEFAULT_URL",
    "ROLES",
    "Activity",
    "Assignment",
    "AttemptConflict",
    "Cohort",
    "DuplicateName",
    "IssuedAttempt",
    "Learner",
    "NotFound",
    "SchemaNotCurrent",
    "Staff",
    "StatementConflict",
    "StatementRecord",
    "Store",
    "StoreError",
    "StoredStatement",
    "canonical_json",
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
}


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
    )


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
    ) -> Assignment:
        """Assign modules to a cohort. Its id is the xAPI registration of the statements made for it."""
        if not 0 <= pass_mark <= 100:
            raise ValueError("the pass mark is a percentage from 0 to 100")
        if not quiz_ids:
            raise ValueError("an assignment needs at least one quiz")
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
        with self._read() as s:
            row = s.scalars(select(LearnerRow).where(LearnerRow.token_hash == digest(token))).first()
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
            "learner": {
                "id": learner.id,
                "display_name": learner.display_name,
                "email": learner.email,
                "joined": learner.created_at.isoformat(),
            },
            "cohort": {"id": cohort.id, "name": cohort.name},
            "statements": [st.statement for st in self.statements(learner_id=learner_id)],
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

    def delete_learner(self, learner_id: str) -> int:
        """Delete a learner and every statement of theirs; return how many statements went."""
        with self._write() as s:
            row = _get(s, LearnerRow, learner_id)
            # The foreign keys cascade too; deleting explicitly does not depend on SQLite's foreign_keys pragma.
            # Quiz by quiz, so each delete finds the learner's rows by the leading columns of the key.
            quizzes = s.scalars(
                select(AttemptResultRow.quiz_id).where(AttemptResultRow.learner_id == learner_id).distinct()
            ).all()
            for quiz_id in quizzes:
                for table in (QUESTION_RESULTS, ATTEMPT_RESULTS):
                    s.execute(sa.delete(table).where(table.c.quiz_id == quiz_id, table.c.learner_id == learner_id))
            s.execute(sa.delete(AttemptRow).where(AttemptRow.learner_id == learner_id))
            deleted = s.execute(sa.delete(StatementRow).where(StatementRow.learner_id == learner_id))
            n = deleted.rowcount  # type: ignore[attr-defined]  # a DML statement's result is a CursorResult
            s.delete(row)
            return n

    # -- statements ------------------------------------------------------------------------------------

    def add_statements(
        self, records: Sequence[StatementRecord], *, also: Callable[[Session], None] | None = None
    ) -> list[bool]:
        """Store scored statements in one transaction, committed before this returns.

        Idempotent by id: a statement already stored with the same content (as received) is not stored
        again. Returns, for each record, True if it was new. Raises :class:`StatementConflict` (storing
        nothing) if an id is already stored with different content. A new *completed* statement's result
        rows (:func:`quizlib.results.result_rows`) are stored with it. ``also`` runs in the same transaction
        (for the store's own use: a submitted attempt's row is written with its statements).
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
            new = dict(zip(firsts, self.add_statements(unique, also=also)))
            seen: set[str] = set()
            out = []
            for r in records:
                out.append(new[r.id] and r.id not in seen)
                seen.add(r.id)
            return out
        for _ in range(3):
            try:
                return self._add_statements_once(records, also)
            except IntegrityError:
                # Another process stored one of these ids between our check and insert: check again.
                continue
        raise StoreError("could not store the statements: the database kept reporting conflicting inserts")

    def _add_statements_once(
        self, records: Sequence[StatementRecord], also: Callable[[Session], None] | None = None
    ) -> list[bool]:
        stored = _now()
        with self._write() as s:
            existing = {}
            for chunk in _chunks([r.id for r in records], 500):
                for sid, received in s.execute(
                    select(StatementRow.id, StatementRow.received).where(StatementRow.id.in_(chunk))
                ):
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
                        "received": canonical_json(r.received),
                        "statement": statement,
                    }
                )
            if rows:
                s.execute(sa.insert(StatementRow), rows)
                # Reports read these narrow rows, never the statements' JSON: written in this same
                # transaction, so a finished attempt is in both or in neither.
                attempts, questions = [], []
                for r in records:
                    if r.verb == "completed" and r.id not in existing:
                        attempt, its_questions = result_rows(r)
                        attempts.append(attempt)
                        questions += its_questions
                if attempts:
                    s.execute(sa.insert(ATTEMPT_RESULTS), attempts)
                if questions:
                    s.execute(sa.insert(QUESTION_RESULTS), questions)
            if also is not None:
                also(s)
        return [r.id not in existing for r in records]

    def statement_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` are stored."""
        found: set[str] = set()
        with self._read() as s:
            for chunk in _chunks(list(ids), 500):
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

        def mark(s: Session) -> None:
            done = s.execute(
                sa.update(AttemptRow)
                .where(AttemptRow.id == attempt_id, AttemptRow.submitted_at.is_(None))
                .values(submitted_at=submitted_at, percentage=percentage, passed=passed, result=result)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]  # a DML statement's result is a CursorResult
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

    def begun_attempts(self, *, cohort_id: str | None = None) -> list[tuple[str, str, str]]:
        """(learner id, quiz id, attempt id) of every attempt with at least one answer, finished or not."""
        q = (
            select(StatementRow.learner_id, StatementRow.quiz_id, StatementRow.attempt_id)
            .where(StatementRow.verb == "answered")
            .distinct()
        )
        if cohort_id is not None:
            q = q.join(LearnerRow, LearnerRow.id == StatementRow.learner_id).where(LearnerRow.cohort_id == cohort_id)
        with self._read() as s:
            return [(r.learner_id, r.quiz_id, r.attempt_id) for r in s.execute(q)]


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
