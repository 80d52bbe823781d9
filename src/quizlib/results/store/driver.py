"""The statements' hot path in SQL that the database driver runs directly, in the store's write transaction.

Storing one answer runs about seven statements (look up the learner, the ids already stored and the learner's
two counts for the limits, then update the learner's count and three inserts).
Built and executed through SQLAlchemy each costs more processor time than the database takes to run it; here
each is plain SQL made once per dialect and run on the connection's own cursor. Values are converted by the very
functions SQLAlchemy would use for each column's type (its *bind processors*), so a row stored here is the row
SQLAlchemy would store: ``tests/test_driver_sql.py`` compares them, the stored text itself on SQLite and the
values read back on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import functools
import operator
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from quizlib.results.store.rows import BegunAttemptRow, OutboxRow, StatementRow

Processor = Callable[[Any], Any] | None

STATEMENTS: sa.Table = StatementRow.__table__  # type: ignore[assignment]
OUTBOX: sa.Table = OutboxRow.__table__  # type: ignore[assignment]
BEGUN: sa.Table = BegunAttemptRow.__table__  # type: ignore[assignment]


class DriverSQL:
    """Plain SQL for one dialect (SQLite's ``?`` or psycopg's ``%s`` placeholders), with SQLAlchemy's value
    conversions. Made once per engine: see :func:`for_dialect`."""

    def __init__(self, dialect: sa.Dialect):
        self.dialect = dialect
        self.mark = "?" if dialect.paramstyle == "qmark" else "%s"
        self.quote = dialect.identifier_preparer.quote
        self._inserts: dict[tuple[str, tuple[str, ...]], tuple[str, list[Processor]]] = {}
        stored = self.processor(STATEMENTS.c.stored)
        self._to_stored = stored if stored is not None else (lambda v: v)
        s, m = self.quote, self.mark
        own = ", ".join([m] * len(OWN_VERBS))
        # Whose statements a learner's are: theirs, or, for a learner merged into another (a duplicate, another
        # device), that learner's. Their statements in all as that learner's row keeps them (``count_stored``);
        # their own of the last minute counted within the index (learner_id, stored, verb), no row read.
        owner = f"COALESCE((SELECT merged_into FROM learners WHERE id = {m}), {m})"
        self.usage_sql = (
            f"SELECT (SELECT statements_stored FROM learners WHERE id = {owner}), "
            f"(SELECT count(*) FROM statements WHERE learner_id = {owner} AND stored >= {m} AND verb IN ({own}))"
        )
        self.count_sql = f"UPDATE learners SET statements_stored = statements_stored + {m} WHERE id = {m}"
        first = s("first_at")
        self.begun_sql = (
            f"INSERT INTO begun_attempts (learner_id, quiz_id, attempt_id, {first}) VALUES ({m}, {m}, {m}, {m}) "
            f"ON CONFLICT (learner_id, quiz_id, attempt_id) DO UPDATE SET {first} = CASE WHEN "
            f"excluded.{first} < begun_attempts.{first} THEN excluded.{first} ELSE begun_attempts.{first} END"
        )
        self._to_first_at = self.processor(BEGUN.c.first_at) or (lambda v: v)

    def processor(self, column: sa.Column) -> Processor:
        """The function SQLAlchemy applies to a value bound to ``column`` on this dialect (None: as it is)."""
        return column.type.dialect_impl(self.dialect).bind_processor(self.dialect)

    def in_list(self, n: int) -> str:
        return ", ".join([self.mark] * n)

    def insert(self, cursor: Any, table: sa.Table, rows: Sequence[dict]) -> None:
        """INSERT ``rows`` (dicts with the same keys, the table's column names) in one executemany."""
        if not rows:
            return
        columns = tuple(rows[0])
        key = (table.name, columns)
        made = self._inserts.get(key)
        if made is None:
            names = ", ".join(self.quote(c) for c in columns)
            sql = f"INSERT INTO {self.quote(table.name)} ({names}) VALUES ({self.in_list(len(columns))})"
            made = self._inserts[key] = (sql, [self.processor(table.c[c]) for c in columns])
        sql, processors = made
        # For this call: a value the rows share (the time they are stored) is converted once.
        converters = [(i, _same(p)) for i, p in enumerate(processors) if p is not None]
        values = operator.itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))
        params = []
        for row in rows:
            one = list(values(row))
            for i, convert in converters:
                one[i] = convert(one[i])
            params.append(one)
        cursor.executemany(sql, params)

    def look_up(
        self, cursor: Any, learner_ids: Iterable[str], statement_ids: Iterable[str], usage_since: dict[str, datetime]
    ) -> tuple[dict[str, str | None], dict[str, str], dict[str, tuple[int, int]]]:
        """:meth:`merged_into`, :meth:`received` and :meth:`usage` (of each learner in ``usage_since``, since
        its time) in one query, one round trip to the database (the usual case: up to :data:`MAX_BOUND`
        values bound in all); as three kinds of query otherwise."""
        learners, ids = list(learner_ids), list(statement_ids)
        bound = len(learners) + len(ids) + (6 + len(OWN_VERBS)) * len(usage_since)
        if not learners or bound > MAX_BOUND:
            return (
                self.merged_into(cursor, learners),
                self.received(cursor, ids),
                {who: self.usage(cursor, who, since) for who, since in usage_since.items()},
            )
        m = self.mark
        none = "CAST(NULL AS BIGINT)"  # typed: PostgreSQL matches the branches' types pairwise
        parts = [f"SELECT 0, id, merged_into, {none}, {none} FROM learners WHERE id IN ({self.in_list(len(learners))})"]
        params: list[Any] = list(learners)
        if ids:
            parts.append(
                f"SELECT 1, id, received, {none}, {none} FROM statements WHERE id IN ({self.in_list(len(ids))})"
            )
            params += ids
        for who, since in usage_since.items():
            parts.append(f"SELECT 2, CAST({m} AS VARCHAR(36)), NULL, {self.usage_sql.removeprefix('SELECT ')}")
            params += [who, *self._usage_params(who, since)]
        cursor.execute(" UNION ALL ".join(parts), params)
        merged: dict[str, str | None] = {}
        received: dict[str, str] = {}
        usage: dict[str, tuple[int, int]] = {}
        for kind, key, text, total, recent in cursor.fetchall():
            if kind == 0:
                merged[key] = text
            elif kind == 1:
                received[key] = text
            else:
                usage[key] = (total or 0, recent or 0)
        return merged, received, usage

    def pipelined(self, cursor: Any) -> contextlib.AbstractContextManager:
        """Statements run inside this go to PostgreSQL together, answered together (psycopg's pipeline mode:
        one round trip for the inserts of a group rather than one each); as they are on SQLite."""
        if self.dialect.name == "postgresql":
            return cursor.connection.pipeline()
        return contextlib.nullcontext()

    def merged_into(self, cursor: Any, learner_ids: Iterable[str]) -> dict[str, str | None]:
        """Each learner of ``learner_ids`` that exists: the learner it was merged into, or None."""
        return self._by_id(cursor, "SELECT id, merged_into FROM learners", learner_ids)

    def received(self, cursor: Any, statement_ids: Iterable[str]) -> dict[str, str]:
        """Each of ``statement_ids`` already stored: the statement as it was received (canonical JSON)."""
        return self._by_id(cursor, "SELECT id, received FROM statements", statement_ids)

    def _by_id(self, cursor: Any, select: str, ids: Iterable[str]) -> dict[str, Any]:
        """``select`` (an id and one value) of the rows with these ids, 500 ids a query: id -> value."""
        found: dict[str, Any] = {}
        for chunk in chunks(list(ids), 500):
            cursor.execute(f"{select} WHERE id IN ({self.in_list(len(chunk))})", chunk)
            found.update(cursor.fetchall())
        return found

    def usage(self, cursor: Any, learner_id: str, since: datetime) -> tuple[int, int]:
        """(statements stored in all, own statements stored since ``since``) of one learner, or of the learner
        they were merged into."""
        cursor.execute(self.usage_sql, self._usage_params(learner_id, since))
        total, recent = cursor.fetchone()
        return total or 0, recent or 0

    def _usage_params(self, learner_id: str, since: datetime) -> list[Any]:
        """The values :attr:`usage_sql` binds, in order."""
        return [learner_id, learner_id, learner_id, learner_id, self._to_stored(since), *OWN_VERBS]

    def count_stored(self, cursor: Any, stored: dict[str, int]) -> None:
        """Add to each learner's count of statements stored (``learners.statements_stored``) theirs of this
        transaction: ``stored`` maps a learner's id to how many. The first write of the store's transaction,
        in the order of the learners' ids, as a merge or a deletion locks their rows first too
        (``store._lock_learners``): on PostgreSQL, transactions that want the same rows take them in one order
        rather than each holding what another wants."""
        cursor.executemany(self.count_sql, [(n, who) for who, n in sorted(stored.items())])

    def note_begun(self, cursor: Any, firsts: dict[tuple[str, str, str], datetime]) -> None:
        """Upsert ``begun_attempts``: each (learner, quiz, attempt) with the earlier of its stored first answer
        and this one."""
        cursor.executemany(self.begun_sql, [(*k, self._to_first_at(at)) for k, at in firsts.items()])


def _same(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``processor``, remembering its last value: the rows of one insert share some values (the time they
    are stored), which are then converted once rather than once a row."""
    last: list[Any] = [_NOTHING, None]

    def convert(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, processor(value)
        return last[1]

    return convert


def as_sqlalchemy_error(error: Exception, dialect: sa.Dialect) -> Exception:
    """A driver's error as SQLAlchemy raises it (``sqlalchemy.exc.OperationalError`` for a locked or
    unreachable database, and so on), for callers that know SQLAlchemy's classes."""
    dbapi = dialect.dbapi
    assert dbapi is not None
    return sa.exc.DBAPIError.instance(None, None, error, dbapi.Error, dialect=dialect)


_NOTHING = object()
# Values bound in one query at most: SQLite before 3.32 allowed 999 (the fallback's queries bind up to 500).
MAX_BOUND = 900
OWN_VERBS = ("answered", "completed")  # what a learner sends; passed and failed are the server's verdicts


@functools.cache
def _for(dialect: sa.Dialect) -> DriverSQL:
    return DriverSQL(dialect)


def for_dialect(dialect: sa.Dialect) -> DriverSQL:
    """The :class:`DriverSQL` of an engine's dialect (made on first use)."""
    return _for(dialect)


def chunks(items: list, size: int) -> Iterable[list]:
    """``items`` in lists of at most ``size`` (for queries with an IN list)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]
