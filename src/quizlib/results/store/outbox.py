"""The outbox of statements to forward to an external LRS, and the forwarding state (migration 0006).

:meth:`quizlib.results.store.Store.add_statements` queues every new statement here in its own transaction;
:mod:`quizlib.results.forward` sends them. Several server processes may forward from one database: a
forwarder *claims* a batch (a lease: ``claimed_by`` and ``claimed_until``), sends it, then deletes the rows
the LRS took. Claiming is one write transaction: on PostgreSQL ``SELECT ... FOR UPDATE SKIP LOCKED`` (two
processes claiming at once take different rows without waiting for each other), on SQLite ``BEGIN
IMMEDIATE`` (writers take turns). A forwarder that dies with a claim leaves rows that come back when the
lease ends; sending one again is safe, because an LRS stores a statement id once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from quizlib.results.store.records import ForwardingState, OutboxItem, RefusedStatement
from quizlib.results.store.rows import ForwardingRow, OutboxRow, StatementRow

PENDING = "pending"
REFUSED = "refused"
STATE_ID = "lrs"  # the one row of lrs_forwarding


class Outbox:
    """Statements waiting for the external LRS. Made by the store (``store.outbox``); every method commits."""

    def __init__(self, engine: Engine, writer: Engine):
        self.engine = engine
        self.writer = writer  # the same engine, marked so that SQLite begins its transactions IMMEDIATE

    @contextlib.contextmanager
    def _session(self, write: bool) -> Iterator[Session]:
        with Session(self.writer if write else self.engine, expire_on_commit=False) as s, s.begin():
            yield s

    # -- a forwarder's work -----------------------------------------------------------------------------

    def claim(self, owner: str, limit: int, lease: timedelta, now: datetime) -> list[OutboxItem]:
        """Claim up to ``limit`` of the oldest pending statements for ``owner`` until ``now + lease``: no other
        forwarder claims them meanwhile. Returns them oldest first, each as the store keeps it."""
        free = sa.or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until <= now)
        with self._session(write=True) as s:
            ids = list(
                s.scalars(
                    select(OutboxRow.statement_id)
                    .where(OutboxRow.state == PENDING, free)
                    .order_by(OutboxRow.queued_at, OutboxRow.statement_id)
                    .limit(limit)
                    .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has BEGIN IMMEDIATE instead
                )
            )
            if not ids:
                return []
            s.execute(
                sa.update(OutboxRow)
                .where(OutboxRow.statement_id.in_(ids))
                .values(claimed_by=owner, claimed_until=now + lease, attempts=OutboxRow.attempts + 1)
            )
            rows = s.execute(
                select(StatementRow.id, StatementRow.statement, OutboxRow.attempts)
                .join(OutboxRow, OutboxRow.statement_id == StatementRow.id)
                .where(StatementRow.id.in_(ids))
            ).all()
        found = {r.id: OutboxItem(r.id, r.statement, r.attempts) for r in rows}
        return [found[i] for i in ids if i in found]

    def renew(self, owner: str, ids: Sequence[str], until: datetime) -> set[str]:
        """Hold ``owner``'s claim on ``ids`` until ``until``; returns those it still held (a claim that ran out
        may have gone to another forwarder, which sends those statements instead)."""
        with self._session(write=True) as s:
            s.execute(
                sa.update(OutboxRow)
                .where(OutboxRow.statement_id.in_(list(ids)), OutboxRow.claimed_by == owner)
                .values(claimed_until=until)
            )
            return set(
                s.scalars(
                    select(OutboxRow.statement_id).where(
                        OutboxRow.statement_id.in_(list(ids)), OutboxRow.claimed_by == owner
                    )
                )
            )

    def delivered(self, owner: str, ids: Sequence[str], now: datetime) -> int:
        """The LRS has these statements: they leave the outbox (only those ``owner`` still holds), the count of
        statements forwarded grows, and forwarding is healthy again. Returns how many left."""
        with self._session(write=True) as s:
            gone = s.execute(
                sa.delete(OutboxRow).where(OutboxRow.statement_id.in_(list(ids)), OutboxRow.claimed_by == owner)
            ).rowcount  # type: ignore[attr-defined]  # a DML statement's result is a CursorResult
            s.execute(
                sa.update(ForwardingRow)
                .where(ForwardingRow.id == STATE_ID)
                .values(
                    forwarded=ForwardingRow.forwarded + gone,
                    last_success_at=now,
                    checked_at=now,
                    failures=0,
                    retry_at=None,
                )
            )
        return gone

    def refuse(self, owner: str, statement_id: str, status: int | None, reason: str, now: datetime) -> None:
        """The LRS will never take this statement: keep it, marked refused with the LRS's answer, for the lead."""
        with self._session(write=True) as s:
            s.execute(
                sa.update(OutboxRow)
                .where(OutboxRow.statement_id == statement_id, OutboxRow.claimed_by == owner)
                .values(
                    state=REFUSED,
                    claimed_by=None,
                    claimed_until=None,
                    refused_status=status,
                    refused_reason=reason[:2000],
                    refused_at=now,
                )
            )

    def release(self, owner: str, ids: Sequence[str]) -> None:
        """Give back claimed statements that were not sent, so they can be claimed again at once."""
        with self._session(write=True) as s:
            s.execute(
                sa.update(OutboxRow)
                .where(OutboxRow.statement_id.in_(list(ids)), OutboxRow.claimed_by == owner)
                .values(claimed_by=None, claimed_until=None)
            )

    def failed(self, error: str, now: datetime, delay: Callable[[int], float]) -> datetime:
        """A send failed for a reason that may pass (the LRS down, a timeout): count it, record ``error``, and
        set when any forwarder may try again, ``delay(failures in a row)`` seconds from now. Returns that time."""
        with self._session(write=True) as s:
            row = s.get(ForwardingRow, STATE_ID)
            if row is None:  # the row migration 0006 made is gone: make it again
                row = ForwardingRow(id=STATE_ID, failures=0, forwarded=0)
                s.add(row)
            row.failures = (row.failures or 0) + 1
            row.last_error = error[:2000]
            row.last_error_at = now
            row.checked_at = now
            row.retry_at = now + timedelta(seconds=delay(row.failures))
            return row.retry_at

    def checked(self, endpoint: str, now: datetime) -> None:
        """A forwarder looked at the outbox (the lead's page shows when, and the LRS's address)."""
        with self._session(write=True) as s:
            row = s.get(ForwardingRow, STATE_ID)
            if row is None:
                s.add(ForwardingRow(id=STATE_ID, endpoint=endpoint, checked_at=now, failures=0, forwarded=0))
            else:
                row.endpoint, row.checked_at = endpoint, now

    def retry_at(self) -> datetime | None:
        """When forwarders may send again after failures (None: now)."""
        with self._session(write=False) as s:
            return s.scalar(select(ForwardingRow.retry_at).where(ForwardingRow.id == STATE_ID))

    # -- what the course lead sees and does -------------------------------------------------------------

    def state(self) -> ForwardingState:
        with self._session(write=False) as s:
            pending, oldest = s.execute(
                select(sa.func.count(), sa.func.min(OutboxRow.queued_at)).where(OutboxRow.state == PENDING)
            ).one()
            refused = s.scalar(select(sa.func.count()).select_from(OutboxRow).where(OutboxRow.state == REFUSED))
            row = s.get(ForwardingRow, STATE_ID)
            return ForwardingState(
                pending=pending or 0,
                oldest_pending=oldest,
                refused=refused or 0,
                forwarded=row.forwarded if row else 0,
                endpoint=row.endpoint if row else None,
                checked_at=row.checked_at if row else None,
                last_success_at=row.last_success_at if row else None,
                last_error=row.last_error if row else None,
                last_error_at=row.last_error_at if row else None,
                failures=row.failures if row else 0,
                retry_at=row.retry_at if row else None,
            )

    def refused(self, limit: int = 100) -> list[RefusedStatement]:
        """The statements the LRS refused, the latest refusals first."""
        q = (
            select(OutboxRow, StatementRow.verb, StatementRow.quiz_id, StatementRow.stored)
            .join(StatementRow, StatementRow.id == OutboxRow.statement_id)
            .where(OutboxRow.state == REFUSED)
            .order_by(OutboxRow.refused_at.desc(), OutboxRow.statement_id)
            .limit(limit)
        )
        with self._session(write=False) as s:
            return [
                RefusedStatement(
                    statement_id=row.statement_id,
                    verb=verb,
                    quiz_id=quiz_id,
                    stored=stored,
                    status=row.refused_status,
                    reason=row.refused_reason or "",
                    refused_at=row.refused_at or stored,
                )
                for row, verb, quiz_id, stored in s.execute(q)
            ]

    def retry_refused(self) -> int:
        """Queue every refused statement again (say, after the LRS's configuration was fixed); how many."""
        with self._session(write=True) as s:
            return s.execute(
                sa.update(OutboxRow)
                .where(OutboxRow.state == REFUSED)
                .values(state=PENDING, refused_status=None, refused_reason=None, refused_at=None)
            ).rowcount  # type: ignore[attr-defined]

    def retry_now(self) -> None:
        """End the current backoff: forwarders try again at their next look."""
        with self._session(write=True) as s:
            s.execute(sa.update(ForwardingRow).where(ForwardingRow.id == STATE_ID).values(retry_at=None))
