"""Item sums: what item analysis needs, kept up to date as finished attempts arrive (migration 0010).

Item analysis (:mod:`quizlib.results.report.items`) reads each learner's *first* finished attempt at a quiz
and needs, per question, only sums: how many answered it (``n``), the sums of its marks ``x``, of the rest of
the attempt's marks ``r`` (the attempt's total less ``x``), and of ``x²``, ``r²`` and ``x·r`` (facility, the
standard deviation and the discrimination index follow from these), how often each first response was given,
and how many answers took each time (for the median time). Four tables keep them:

- ``item_sums``: per question, ``n`` and the five sums, in whole units of :data:`SCALE` (a ten-thousandth of a
  point, the precision credits are kept at), so that they are integers, added and taken away exactly: the
  figures from these sums equal those computed afresh from the answers, to the last digit, whatever order
  the attempts arrived in;
- ``item_responses``: per question and first response (its JSON text, ``null`` for no response), a count;
- ``item_times`` and ``item_time_seconds``: per question, how many answers took each time (to the hundredth
  of a second, as recorded) and each whole second, so the median is found by reading a few hundred rows.

Every change to ``attempt_results`` changes them in the same transaction: a new finished attempt that is a
learner's first at its quiz adds its questions (and takes away the attempt it displaces, when it arrives late
from an offline browser but was finished earlier); deleting a learner's data takes their first attempts
away; merging two learners takes both learners' first attempts away and adds back the merged learner's.
:func:`rebuild` computes them all afresh from ``attempt_results`` and ``question_results`` (migration 0010
uses it, and the tests compare it with the tables kept up to date).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select

from quizlib.results.store.rows import (
    AttemptResultRow,
    ItemResponseRow,
    ItemSumRow,
    ItemTimeRow,
    ItemTimeSecondRow,
    QuestionResultRow,
)

SCALE = 10_000  # marks in whole ten-thousandths of a point (credits are rounded to 4 decimal places)
NO_RESPONSE = "null"  # the JSON text of a question left unanswered, in item_responses

ITEM_SUMS: sa.Table = ItemSumRow.__table__  # type: ignore[assignment]
ITEM_RESPONSES: sa.Table = ItemResponseRow.__table__  # type: ignore[assignment]
ITEM_TIMES: sa.Table = ItemTimeRow.__table__  # type: ignore[assignment]
ITEM_TIME_SECONDS: sa.Table = ItemTimeSecondRow.__table__  # type: ignore[assignment]
_SUM_COLUMNS = ("n", "sum_x", "sum_xx", "sum_r", "sum_rr", "sum_xr", "timed")


def mark_units(credit: float, max_points: float) -> int:
    """A question's mark (credit × points) in whole units of :data:`SCALE`."""
    return round(credit * max_points * SCALE)


def response_key(text: str) -> str:
    """The key of a first response's JSON text in ``item_responses`` (a response can be long; its digest is
    short enough for any database's index)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Changes:
    """Additions to (or, with ``sign=-1``, removals from) the item tables, written by :meth:`write`."""

    sums: dict[tuple[str, str], list[Any]] = field(default_factory=dict)  # kind, max points, then _SUM_COLUMNS
    responses: dict[tuple[str, str, str], list[Any]] = field(default_factory=dict)  # text, count
    times: dict[tuple[str, str, float], int] = field(default_factory=dict)
    seconds: dict[tuple[str, str, int], int] = field(default_factory=dict)

    def attempt(self, quiz_id: str, questions: Iterable[dict], sign: int = 1) -> None:
        """Count one first attempt's questions (dicts with ``question_id``, ``kind``, ``credit``,
        ``max_points``, ``first_response`` as JSON text or None, ``duration`` or None)."""
        questions = list(questions)
        marks = [mark_units(q["credit"], q["max_points"]) for q in questions]
        total = sum(marks)
        for q, x in zip(questions, marks):
            key = (quiz_id, q["question_id"])
            r = total - x
            duration = q["duration"]
            row = self.sums.get(key)
            if row is None:
                row = self.sums[key] = [q["kind"], q["max_points"], 0, 0, 0, 0, 0, 0, 0]
            row[2] += sign
            row[3] += sign * x
            row[4] += sign * x * x
            row[5] += sign * r
            row[6] += sign * r * r
            row[7] += sign * x * r
            text = q["first_response"]
            text = NO_RESPONSE if text is None else text
            counted = self.responses.setdefault((*key, response_key(text)), [text, 0])
            counted[1] += sign
            if duration is not None:
                row[8] += sign
                fine = (*key, float(duration))
                self.times[fine] = self.times.get(fine, 0) + sign
                coarse = (*key, math.floor(duration))
                self.seconds[coarse] = self.seconds.get(coarse, 0) + sign

    def write(self, conn: sa.Connection) -> None:
        """Add these changes to the tables (rows are made as needed; counts that fall to 0 stay, as 0)."""
        sums = [
            {"quiz_id": q, "question_id": k, "kind": v[0], "max_points": v[1], **dict(zip(_SUM_COLUMNS, v[2:]))}
            for (q, k), v in self.sums.items()
            if any(v[2:])
        ]
        _upsert(conn, ITEM_SUMS, sums, ("quiz_id", "question_id"), _SUM_COLUMNS, ("kind", "max_points"))
        responses = [
            {"quiz_id": q, "question_id": k, "response_key": h, "response": v[0], "count": v[1]}
            for (q, k, h), v in self.responses.items()
            if v[1]
        ]
        _upsert(conn, ITEM_RESPONSES, responses, ("quiz_id", "question_id", "response_key"), ("count",))
        times = [{"quiz_id": q, "question_id": k, "seconds": s, "count": c} for (q, k, s), c in self.times.items() if c]
        _upsert(conn, ITEM_TIMES, times, ("quiz_id", "question_id", "seconds"), ("count",))
        seconds = [
            {"quiz_id": q, "question_id": k, "second": s, "count": c} for (q, k, s), c in self.seconds.items() if c
        ]
        _upsert(conn, ITEM_TIME_SECONDS, seconds, ("quiz_id", "question_id", "second"), ("count",))


def _upsert(
    conn: sa.Connection,
    table: sa.Table,
    rows: list[dict],
    key: tuple[str, ...],
    added: tuple[str, ...],
    replaced: tuple[str, ...] = (),
) -> None:
    if not rows:
        return
    from sqlalchemy.dialects import postgresql, sqlite

    stmt = postgresql.insert(table) if conn.dialect.name == "postgresql" else sqlite.insert(table)
    update = {c: table.c[c] + stmt.excluded[c] for c in added}
    update.update({c: stmt.excluded[c] for c in replaced})
    conn.execute(stmt.on_conflict_do_update(index_elements=list(key), set_=update), rows)


# -- which attempts are first --------------------------------------------------------------------------------

_A, _Q = AttemptResultRow, QuestionResultRow


def first_attempts(conn: sa.Connection, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple]:
    """(quiz, learner) -> (completed_at, statement_id) of that learner's first finished attempt at the quiz,
    for the pairs that have one."""
    q = (
        select(_A.completed_at, _A.statement_id)
        .where(_A.quiz_id == sa.bindparam("quiz"), _A.learner_id == sa.bindparam("learner"))
        .order_by(_A.completed_at, _A.statement_id)
        .limit(1)
    )
    out = {}
    for quiz_id, learner_id in pairs:
        row = conn.execute(q, {"quiz": quiz_id, "learner": learner_id}).first()
        if row is not None:
            out[(quiz_id, learner_id)] = (row[0], row[1])
    return out


def learners_first_attempts(conn: sa.Connection, learner_ids: Iterable[str]) -> list[tuple[str, str]]:
    """(quiz id, statement id) of each of these learners' first finished attempt at each quiz."""
    out = []
    for learner_id in learner_ids:
        q = (
            select(_A.quiz_id, _A.statement_id)
            .where(_A.learner_id == learner_id)
            .order_by(_A.quiz_id, _A.completed_at, _A.statement_id)
        )
        seen = set()
        for quiz_id, statement_id in conn.execute(q):
            if quiz_id not in seen:
                seen.add(quiz_id)
                out.append((quiz_id, statement_id))
    return out


def stored_questions(conn: sa.Connection, statement_ids: Iterable[str]) -> dict[str, list[dict]]:
    """The question rows of stored finished attempts, by statement id, in their order."""
    out: dict[str, list[dict]] = {}
    ids = list(statement_ids)
    for i in range(0, len(ids), 500):
        q = (
            select(
                _Q.statement_id,
                _Q.question_id,
                _Q.kind,
                _Q.credit,
                _Q.max_points,
                _Q.first_response,
                _Q.duration,
            )
            .where(_Q.statement_id.in_(ids[i : i + 500]))
            .order_by(_Q.statement_id, _Q.position)
        )
        for row in conn.execute(q):
            out.setdefault(row.statement_id, []).append(dict(row._mapping))
    return out


def take_away(conn: sa.Connection, changes: Changes, firsts: Iterable[tuple[str, str]], sign: int = -1) -> None:
    """Take stored first attempts ((quiz id, statement id) pairs) away from ``changes`` (or, with ``sign=1``,
    add them)."""
    firsts = list(firsts)
    questions = stored_questions(conn, [s for _, s in firsts])
    for quiz_id, statement_id in firsts:
        changes.attempt(quiz_id, questions.get(statement_id, ()), sign=sign)


def count_learners(conn: sa.Connection, changes: Changes, learner_ids: Iterable[str], sign: int) -> None:
    """Add (``sign=1``) or take away (``sign=-1``) these learners' first attempts, as stored now: around a
    change to their results (a deletion, a merge), take away before and add after."""
    take_away(conn, changes, learners_first_attempts(conn, learner_ids), sign)


def add_finished(conn: sa.Connection, finished: list[tuple[dict, list[dict]]]) -> None:
    """Count new finished attempts (their ``attempt_results`` row and ``question_results`` rows, about to be
    inserted) that are first attempts, taking away those they come before."""
    if not finished:
        return
    earliest: dict[tuple[str, str], tuple[tuple, dict, list[dict]]] = {}
    for attempt, questions in finished:
        pair = (attempt["quiz_id"], attempt["learner_id"])
        key = (attempt["completed_at"], attempt["statement_id"])
        if pair not in earliest or key < earliest[pair][0]:
            earliest[pair] = (key, attempt, questions)
    stored = first_attempts(conn, earliest)
    changes = Changes()
    displaced = []
    for pair, (key, attempt, questions) in earliest.items():
        before = stored.get(pair)
        if before is not None and before <= key:
            continue  # the learner's first attempt is stored already
        if before is not None:
            displaced.append((pair[0], before[1]))
        changes.attempt(pair[0], questions)
    take_away(conn, changes, displaced)
    changes.write(conn)


# -- afresh ------------------------------------------------------------------------------------------------


def rebuild(conn: sa.Connection) -> None:
    """Empty the item tables and fill them afresh from every learner's first finished attempts."""
    for table in (ITEM_TIME_SECONDS, ITEM_TIMES, ITEM_RESPONSES, ITEM_SUMS):
        conn.execute(sa.delete(table))
    firsts = set()
    last = None
    for quiz_id, learner_id, statement_id in conn.execute(
        select(_A.quiz_id, _A.learner_id, _A.statement_id).order_by(
            _A.quiz_id, _A.learner_id, _A.completed_at, _A.statement_id
        )
    ):
        if (quiz_id, learner_id) != last:
            firsts.add(statement_id)
            last = (quiz_id, learner_id)
    changes = Changes()
    for quiz_id, questions in _grouped(conn, firsts):
        changes.attempt(quiz_id, questions)
    changes.write(conn)


def _grouped(conn: sa.Connection, wanted: set[str]) -> Iterator[tuple[str, list[dict]]]:
    q = select(
        _Q.statement_id,
        _Q.quiz_id,
        _Q.question_id,
        _Q.kind,
        _Q.credit,
        _Q.max_points,
        _Q.first_response,
        _Q.duration,
    ).order_by(_Q.quiz_id, _Q.learner_id, _Q.completed_at, _Q.statement_id, _Q.position)
    current, quiz = None, ""
    questions: list[dict] = []
    for statement_id, quiz_id, question_id, kind, credit, max_points, first_response, duration in conn.execute(q):
        if statement_id not in wanted:
            continue
        if statement_id != current:
            if current is not None:
                yield quiz, questions
            current, quiz, questions = statement_id, quiz_id, []
        questions.append(
            {
                "question_id": question_id,
                "kind": kind,
                "credit": credit,
                "max_points": max_points,
                "first_response": first_response,
                "duration": duration,
            }
        )
    if current is not None:
        yield quiz, questions
