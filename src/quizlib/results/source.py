"""Report records (:mod:`quizlib.results.report`) from the results store: the one module that knows both.

The report functions are pure and the store knows nothing of them; :class:`ReportSource` reads the store's
people, assignments and narrow result tables and yields the records reports take, streamed where they are
many.

Each *completed* statement is stored with one row in ``attempt_results`` and one per question in
``question_results`` (:func:`result_rows`), in the same transaction (``Store.add_statements``; migration
0003 filled them for older statements). Reports read only these rows: no statement's JSON is decoded and
nothing is read twice.

Both tables are keyed in the order reports read them: by quiz, learner, then attempts as they finished
(``completed_at``, then statement id), then questions in their order. SQLite keeps such tables in key
order, so reading is one sequential pass with no sort, and a learner's attempt number is counted as the
rows go by. It is not stored, so an attempt that reaches the server late from an offline browser still
takes its place by the time it was finished. (``ROW_NUMBER() OVER (PARTITION BY quiz, learner ORDER BY
completed_at, statement id)`` gives the same numbers; on a million answers SQLite's window took about
twice as long as reading the attempts in key order and counting, and filtering first attempts' answers
in SQL, by a join or ``IN``, about doubled the time of reading every answer and skipping the one in
eight that belongs to a retake.)

Per quiz, records come in the order the store has always yielded them in (it once went by learner first,
then quiz), so item analysis, which works quiz by quiz, gives the same figures to the last digit.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import fields
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.engine import Engine

from quizlib.results.report import Assignment, AttemptScore, Cohort, Enrolment, QuestionScore, Started
from quizlib.results.store import Store, StoreError
from quizlib.results.store.rows import AttemptResultRow, LearnerRow, QuestionResultRow

ROWS_AT_ONCE = 2000  # fetched at a time from PostgreSQL's server-side cursor


class ReportSource:
    """The report records of one store, for every cohort or one (``cohort_id``)."""

    def __init__(self, store: Store):
        self.store = store

    def cohorts(self) -> list[Cohort]:
        """Every cohort as :class:`quizlib.results.report.Cohort`."""
        return [Cohort(id=c.id, name=c.name) for c in self.store.cohorts()]

    def enrolments(self, *, cohort_id: str | None = None) -> list[Enrolment]:
        """Every learner as :class:`quizlib.results.report.Enrolment`."""
        return [
            Enrolment(learner=le.id, cohort=le.cohort_id, display_name=le.display_name, joined_at=le.created_at)
            for le in self.store.learners(cohort_id)
        ]

    def assignments(self, *, cohort_id: str | None = None) -> list[Assignment]:
        """Every assignment as :class:`quizlib.results.report.Assignment` (modules by chapter, the final's too)."""
        out = []
        for a in self.store.assignments(cohort_id):
            # The final assessment's quizzes name their own chapter, which the reports read as a module.
            modules = tuple(dict.fromkeys([*a.chapters, *a.quiz_ids]))
            out.append(
                Assignment(
                    id=a.id,
                    cohort=a.cohort_id,
                    modules=modules,
                    pass_mark=a.pass_mark,
                    due=a.due_date,
                    created_at=a.created_at,
                )
            )
        return out

    def started(self, *, cohort_id: str | None = None) -> list[Started]:
        """Every attempt begun (at least one answer) as :class:`quizlib.results.report.Started`."""
        return [
            Started(learner=learner, quiz_id=quiz, attempt_id=attempt)
            for learner, quiz, attempt in self.store.begun_attempts(cohort_id=cohort_id)
        ]

    def attempt_scores(
        self, *, cohort_id: str | None = None, quiz_id: str | None = None, first_only: bool = False
    ) -> list[AttemptScore]:
        """One :class:`quizlib.results.report.AttemptScore` per finished quiz attempt, as the server scored it.

        ``first_only`` keeps each learner's first finished attempt at each quiz (what item analysis reads).
        """
        return list(self.iter_attempt_scores(cohort_id=cohort_id, quiz_id=quiz_id, first_only=first_only))

    def question_scores(
        self, *, cohort_id: str | None = None, quiz_id: str | None = None, first_only: bool = False
    ) -> list[QuestionScore]:
        """One :class:`quizlib.results.report.QuestionScore` per question of each finished attempt."""
        return list(self.iter_question_scores(cohort_id=cohort_id, quiz_id=quiz_id, first_only=first_only))

    def iter_attempt_scores(
        self, *, cohort_id: str | None = None, quiz_id: str | None = None, first_only: bool = False
    ) -> Iterator[AttemptScore]:
        """Like :meth:`attempt_scores`, streamed from the database, ordered by quiz, learner, attempt number."""
        return attempt_scores(self.store.engine, cohort_id=cohort_id, quiz_id=quiz_id, first_only=first_only)

    def iter_question_scores(
        self, *, cohort_id: str | None = None, quiz_id: str | None = None, first_only: bool = False
    ) -> Iterator[QuestionScore]:
        """Like :meth:`question_scores`, streamed (a million answers never sit in a list), ordered by quiz,
        learner, attempt number and the questions' order in the attempt."""
        return question_scores(self.store.engine, cohort_id=cohort_id, quiz_id=quiz_id, first_only=first_only)


# -- reading: report records -----------------------------------------------------------------------


def _attempts(columns: list, cohort_id: str | None, quiz_id: str | None):
    """Finished attempts in key order (quiz, learner, as they finished), with the learner's cohort."""
    a = AttemptResultRow
    q = (
        select(*columns)
        .join(LearnerRow, LearnerRow.id == a.learner_id)
        .order_by(a.quiz_id, a.learner_id, a.completed_at, a.statement_id)
    )
    if cohort_id is not None:
        q = q.where(LearnerRow.cohort_id == cohort_id)
    if quiz_id is not None:
        q = q.where(a.quiz_id == quiz_id)
    return q


def _maker(cls: type, columns: list[str]) -> Callable[..., Any]:
    """A fast maker of ``cls`` (a frozen, slotted dataclass) from its field values, given in field order.

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``, which costs more than
    reading the row from the database; setting the slots directly makes the same object (same class, equal,
    hashable) in half the time. The function is generated as ``dataclasses`` generates ``__init__``.
    """
    names = [f.name for f in fields(cls)]
    if names != columns:
        raise AssertionError(f"the query's columns {columns} are not the fields of {cls.__name__} {names}")
    args = ", ".join(f"v{i}" for i in range(len(names)))
    body = "".join(f"    set{i}(obj, v{i})\n" for i in range(len(names)))
    namespace = {
        "new": object.__new__,
        "cls": cls,
        **{f"set{i}": cls.__dict__[name].__set__ for i, name in enumerate(names)},
    }
    exec(f"def make({args}):\n    obj = new(cls)\n{body}    return obj\n", namespace)  # noqa: S102 (our own code, as dataclasses does)
    return namespace["make"]


_make_attempt = _maker(
    AttemptScore,
    [
        "learner",
        "cohort",
        "quiz_id",
        "attempt_id",
        "attempt_number",
        "percentage",
        "passed",
        "completed_at",
        "duration",
    ],
)
_make_question = _maker(
    QuestionScore,
    [
        "learner",
        "cohort",
        "quiz_id",
        "attempt_id",
        "attempt_number",
        "question_id",
        "credit",
        "max_points",
        "first_response",
        "kind",
        "duration",
    ],
)


@contextlib.contextmanager
def _stream(conn: sa.Connection, query) -> Iterator[sa.CursorResult]:
    """The rows of ``query`` as they are read, closed when done with (or abandoned part way).

    psycopg would hold every row in memory at once, so PostgreSQL gets a server-side cursor. SQLite already
    steps through rows one at a time, and SQLAlchemy's buffered streaming would double the cost of each row.
    """
    if conn.dialect.name == "postgresql":
        conn = conn.execution_options(yield_per=ROWS_AT_ONCE)
    result = conn.execute(query)
    try:
        yield result
    finally:
        result.close()


@contextlib.contextmanager
def _plain_rows(conn: sa.Connection, query) -> Iterator[Iterator[tuple]]:
    """Like :func:`_stream`; from SQLite, straight from the driver's cursor: for the million-row reads, where
    making a SQLAlchemy row of each costs as much as reading it. Only text and numbers, which need no
    conversion. (PostgreSQL's rows go through SQLAlchemy, which has already taken the first from the cursor.)"""
    if not all(isinstance(c.type, (sa.String, sa.Integer, sa.Float)) for c in query.selected_columns):
        raise AssertionError("plain rows hold only text and numbers; use _stream for other types")
    with _stream(conn, query) as result:
        yield iter(result) if conn.dialect.name == "postgresql" else iter(result.cursor)  # type: ignore[call-overload]


@contextlib.contextmanager
def _reading(engine: Engine) -> Iterator[sa.Connection]:
    """A connection whose queries all see one snapshot: SQLite's read transaction gives one; PostgreSQL
    needs REPEATABLE READ, or the questions read after their attempts could miss a change in between."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        yield conn


class ResponseDecoder:
    """JSON text -> a first response. Responses repeat (option ids, true/false), so each distinct text is
    parsed once; every record still gets its own list or dict (a copy of a cached flat one), never a
    shared one that a caller could change for everybody.

    ``cache`` maps a text to ``(make, value)``: the response is ``value`` if ``make`` is None, else
    ``make(value)``. The million-row loop reads the cache itself and calls :meth:`parse` on a miss.
    """

    def __init__(self, limit: int = 50_000):
        self.limit = limit  # distinct texts kept; free-text numbers could otherwise grow the cache without end
        self.cache: dict[str | None, tuple[Callable[[Any], Any] | None, Any]] = {
            None: (None, None)
        }  # NULL: not answered

    def __call__(self, text: str | None) -> Any:
        make, value = self.cache.get(text) or self.parse(text)
        return value if make is None else make(value)

    def parse(self, text: str | None) -> tuple[Callable[[Any], Any] | None, Any]:
        value = None if text is None else json.loads(text)
        if isinstance(value, list):
            if any(isinstance(v, (list, dict)) for v in value):
                return (_parse, text)  # nested: parsed each time, so nothing is shared
            hit: tuple[Callable[[Any], Any] | None, Any] = (list, tuple(value))
        elif isinstance(value, dict):
            if any(isinstance(v, (list, dict)) for v in value.values()):
                return (_parse, text)
            hit = (dict, tuple(value.items()))
        else:
            hit = (None, value)
        if len(self.cache) < self.limit:
            self.cache[text] = hit
        return hit


_parse = json.loads


def attempt_scores(
    engine: Engine, *, cohort_id: str | None = None, quiz_id: str | None = None, first_only: bool = False
) -> Iterator[AttemptScore]:
    """Every finished attempt (or each learner's first at each quiz) as :class:`AttemptScore`."""
    a = AttemptResultRow
    q = _attempts(
        [
            a.learner_id,
            LearnerRow.cohort_id,
            a.quiz_id,
            a.attempt_id,
            a.percentage,
            a.quiz_passed,
            a.completed_at,
            a.duration,
        ],
        cohort_id,
        quiz_id,
    )
    with _reading(engine) as conn, _stream(conn, q) as rows:
        last, number = None, 0
        for learner, cohort, quiz, attempt, percentage, passed, completed_at, duration in rows:
            # Rows come by quiz, then learner, then as finished: count each learner's attempts at a quiz.
            number = number + 1 if (quiz, learner) == last else 1
            last = (quiz, learner)
            if number == 1 or not first_only:
                yield _make_attempt(learner, cohort, quiz, attempt, number, percentage, passed, completed_at, duration)


def question_scores(
    engine: Engine, *, cohort_id: str | None = None, quiz_id: str | None = None, first_only: bool = False
) -> Iterator[QuestionScore]:
    """Every question of every finished attempt (or of first attempts only) as :class:`QuestionScore`.

    Two streams in the same order, merged: the attempts (a few facts each, counted as they come) and the
    questions (only their own facts and their attempt's statement id). The database neither joins nor sorts
    a row per answer, and an attempt's facts are read once, not once per question.
    """
    a, r = AttemptResultRow, QuestionResultRow
    attempts = _attempts(
        [a.statement_id, a.learner_id, LearnerRow.cohort_id, a.quiz_id, a.attempt_id], cohort_id, quiz_id
    )
    questions = select(
        r.statement_id, r.question_id, r.credit, r.max_points, r.first_response, r.kind, r.duration
    ).order_by(r.quiz_id, r.learner_id, r.completed_at, r.statement_id, r.position)
    if cohort_id is not None:
        questions = questions.where(r.learner_id.in_(select(LearnerRow.id).where(LearnerRow.cohort_id == cohort_id)))
    if quiz_id is not None:
        questions = questions.where(r.quiz_id == quiz_id)
    decoder = ResponseDecoder()
    cached, parse, make = decoder.cache.get, decoder.parse, _make_question
    with (
        _reading(engine) as conn,
        _plain_rows(conn, attempts) as attempt_rows,
        _plain_rows(conn, questions) as question_rows,
    ):
        current = learner = cohort = quiz = attempt = None
        number, keep = 0, False
        for statement_id, question, credit, max_points, response, kind, duration in question_rows:
            if statement_id != current:
                # Both streams hold the same attempts in the same order, but an attempt with no question is
                # only among the attempts: so walk forward to this question's attempt, counting as we go.
                last = (quiz, learner)
                for current, learner, cohort, quiz, attempt in attempt_rows:
                    number = number + 1 if (quiz, learner) == last else 1
                    if current == statement_id:
                        break
                    last = (quiz, learner)
                else:
                    # The foreign key makes this impossible; if it happens, say so rather than drop answers.
                    raise StoreError(
                        f"question results of statement {statement_id} have no row in attempt_results; "
                        "the database is inconsistent: please report this as a quizlib bug"
                    )
                keep = number == 1 or not first_only
            if keep:
                # ResponseDecoder's work, inline: this runs once per answer.
                how, value = cached(response) or parse(response)
                yield make(
                    learner,
                    cohort,
                    quiz,
                    attempt,
                    number,
                    question,
                    credit,
                    max_points,
                    value if how is None else how(value),
                    kind,
                    duration,
                )
