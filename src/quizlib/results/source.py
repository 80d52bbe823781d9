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
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.engine import Engine

from quizlib.results import xapi
from quizlib.results.report import (
    Assignment,
    AttemptScore,
    Cohort,
    Enrolment,
    Finished,
    ItemAnalysis,
    ItemSums,
    Period,
    QuestionScore,
    Started,
    Try,
    analyse_item_sums,
    analyse_items,
    freeze_response,
    median,
)
from quizlib.results.report.overview import QuizTally
from quizlib.results.report.progress import check_period, period_bounds
from quizlib.results.store import Store, StoreError
from quizlib.results.store.rows import (
    AttemptResultRow,
    BegunAttemptRow,
    CohortRow,
    ItemResponseRow,
    ItemSumRow,
    ItemTimeRow,
    ItemTimeSecondRow,
    LearnerRow,
    QuestionResultRow,
)

ROWS_AT_ONCE = 2000  # fetched at a time from PostgreSQL's server-side cursor


@dataclass(frozen=True)
class Scope:
    """Which results a report reads: some cohorts, one learner, some quizzes, a period (None: all)."""

    cohort_ids: tuple[str, ...] | None = None
    learner_id: str | None = None
    quiz_ids: tuple[str, ...] | None = None
    period: Period | None = None

    @property
    def dated(self) -> bool:
        return self.period is not None and not self.period.is_open


EVERYTHING = Scope()


@dataclass(frozen=True)
class ProgressInputs:
    """Everything :func:`quizlib.results.report.assignment_progress` and ``learner_progress`` read."""

    cohorts: list[Cohort]
    enrolments: list[Enrolment]
    assignments: list[Assignment]
    attempts: list[AttemptScore]
    started: list[Started]


class ReportSource:
    """The report records of one store, for every cohort or one (``cohort_id``), or any :class:`Scope`."""

    def __init__(self, store: Store):
        self.store = store

    def cohorts(self) -> list[Cohort]:
        """Every cohort as :class:`quizlib.results.report.Cohort`, with its time zone."""
        return [Cohort(id=c.id, name=c.name, time_zone=c.time_zone) for c in self.store.cohorts()]

    def enrolments(self, *, cohort_id: str | None = None, scope: Scope = EVERYTHING) -> list[Enrolment]:
        """Every learner (merged duplicates aside) as :class:`quizlib.results.report.Enrolment`."""
        if scope.learner_id is not None:
            learners = [self.store.learner(scope.learner_id)]
        else:
            learners = self.store.learners(cohort_id)
        wanted = None if scope.cohort_ids is None else set(scope.cohort_ids)
        return [
            Enrolment(learner=le.id, cohort=le.cohort_id, display_name=le.display_name, joined_at=le.created_at)
            for le in learners
            if wanted is None or le.cohort_id in wanted
        ]

    def assignments(self, *, cohort_id: str | None = None, scope: Scope = EVERYTHING) -> list[Assignment]:
        """Every assignment not deleted as :class:`quizlib.results.report.Assignment`: the quizzes it asks for
        (the final assessment's among them), its pass mark and its due date."""
        wanted = None if scope.cohort_ids is None else set(scope.cohort_ids)
        return [
            Assignment(
                id=a.id,
                cohort=a.cohort_id,
                quiz_ids=tuple(a.quiz_ids),
                pass_mark=a.pass_mark,
                due=a.due_date,
                title=a.title,
                created_at=a.created_at,
            )
            for a in self.store.assignments(cohort_id)
            if wanted is None or a.cohort_id in wanted
        ]

    def started(self, *, cohort_id: str | None = None, scope: Scope = EVERYTHING) -> list[Started]:
        """Every attempt begun (at least one answer) as :class:`quizlib.results.report.Started`."""
        cohort_of = self._cohort_of(scope)
        found = self.store.begun_attempts(cohort_id=cohort_id, learner_id=scope.learner_id, quiz_ids=scope.quiz_ids)
        return [
            Started(learner=learner, quiz_id=quiz, attempt_id=attempt, at=at)
            for learner, quiz, attempt, at in found
            if cohort_of is None or (learner in cohort_of and _in_period(scope, cohort_of[learner], at))
        ]

    def _cohort_of(self, scope: Scope) -> dict[str, str] | None:
        """Learner -> cohort for a scope that needs it (some cohorts, or a period), else None."""
        if scope.cohort_ids is None and not scope.dated:
            return None
        wanted = None if scope.cohort_ids is None else set(scope.cohort_ids)
        return {le.id: le.cohort_id for le in self.store.learners() if wanted is None or le.cohort_id in wanted}

    def progress_inputs(self, scope: Scope = EVERYTHING) -> ProgressInputs:
        """The records progress is computed from, for ``scope``."""
        return ProgressInputs(
            cohorts=self.cohorts(),
            enrolments=self.enrolments(scope=scope),
            assignments=self.assignments(scope=scope),
            attempts=self.attempt_scores(scope=scope),
            started=self.started(scope=scope),
        )

    def attempt_scores(
        self,
        *,
        cohort_id: str | None = None,
        quiz_id: str | None = None,
        first_only: bool = False,
        scope: Scope = EVERYTHING,
    ) -> list[AttemptScore]:
        """One :class:`quizlib.results.report.AttemptScore` per finished quiz attempt, as the server scored it.

        ``first_only`` keeps each learner's first finished attempt at each quiz (what item analysis reads).
        """
        return list(self.iter_attempt_scores(cohort_id=cohort_id, quiz_id=quiz_id, first_only=first_only, scope=scope))

    def question_scores(
        self,
        *,
        cohort_id: str | None = None,
        quiz_id: str | None = None,
        first_only: bool = False,
        scope: Scope = EVERYTHING,
    ) -> list[QuestionScore]:
        """One :class:`quizlib.results.report.QuestionScore` per question of each finished attempt."""
        return list(self.iter_question_scores(cohort_id=cohort_id, quiz_id=quiz_id, first_only=first_only, scope=scope))

    def iter_attempt_scores(
        self,
        *,
        cohort_id: str | None = None,
        quiz_id: str | None = None,
        first_only: bool = False,
        scope: Scope = EVERYTHING,
    ) -> Iterator[AttemptScore]:
        """Like :meth:`attempt_scores`, streamed from the database, ordered by quiz, learner, attempt number.

        A period keeps the attempts finished in it; attempt numbers still count every attempt, so a "first"
        attempt is the learner's first ever."""
        return attempt_scores(
            self.store.engine, cohort_id=cohort_id, quiz_id=quiz_id, first_only=first_only, scope=scope
        )

    def iter_question_scores(
        self,
        *,
        cohort_id: str | None = None,
        quiz_id: str | None = None,
        first_only: bool = False,
        scope: Scope = EVERYTHING,
    ) -> Iterator[QuestionScore]:
        """Like :meth:`question_scores`, streamed (a million answers never sit in a list), ordered by quiz,
        learner, attempt number and the questions' order in the attempt."""
        return question_scores(
            self.store.engine, cohort_id=cohort_id, quiz_id=quiz_id, first_only=first_only, scope=scope
        )

    def item_analysis(self, course, *, quiz_id: str | None = None, scope: Scope = EVERYTHING) -> ItemAnalysis:
        """The item analysis of one quiz (or every quiz), over first attempts in ``scope``.

        Over all results (no cohort, learner or period), it is computed from the sums the store keeps up to
        date as attempts arrive (:mod:`quizlib.results.store.items`): a few hundred rows, however many
        answers. Limited to cohorts, a learner or a period, it is computed afresh from those answers,
        streamed (the sums are kept for all results only). Both give the same figures for the same answers.
        """
        if scope.cohort_ids is None and scope.learner_id is None and scope.period is None:
            sums = stored_item_sums(self.store.engine, quiz_id=quiz_id, quiz_ids=scope.quiz_ids)
            return analyse_item_sums(sums, course)
        return analyse_items(
            self.iter_question_scores(quiz_id=quiz_id, first_only=True, scope=scope),
            course,
            attempts=self.iter_attempt_scores(quiz_id=quiz_id, first_only=True, scope=scope),
        )


def stored_item_sums(
    engine: Engine, *, quiz_id: str | None = None, quiz_ids: tuple[str, ...] | None = None
) -> list[ItemSums]:
    """The item sums the store keeps (over every learner's first finished attempts) of one quiz, some, or all,
    as :class:`quizlib.results.report.ItemSums`: response texts decoded, median times found."""
    s, r, c = ItemSumRow, ItemResponseRow, ItemTimeSecondRow

    def of_quizzes(q, column):
        if quiz_id is not None:
            q = q.where(column == quiz_id)
        if quiz_ids is not None:
            q = q.where(column.in_(list(quiz_ids)))
        return q

    with _reading(engine) as conn:
        rows = conn.execute(of_quizzes(select(s).where(s.n > 0), s.quiz_id)).all()
        tallies: dict[tuple[str, str], dict] = {}
        for quiz, question, text, count in conn.execute(
            of_quizzes(select(r.quiz_id, r.question_id, r.response, r.count).where(r.count > 0), r.quiz_id)
        ):
            tally = tallies.setdefault((quiz, question), {})
            response = freeze_response(json.loads(text))
            tally[response] = tally.get(response, 0) + count
        seconds: dict[tuple[str, str], list[tuple[int, int]]] = {}
        for quiz, question, second, count in conn.execute(
            of_quizzes(
                select(c.quiz_id, c.question_id, c.second, c.count)
                .where(c.count > 0)
                .order_by(c.quiz_id, c.question_id, c.second),
                c.quiz_id,
            )
        ):
            seconds.setdefault((quiz, question), []).append((second, count))
        out = []
        for row in rows:
            key = (row.quiz_id, row.question_id)
            out.append(
                ItemSums(
                    quiz_id=row.quiz_id,
                    question_id=row.question_id,
                    kind=row.kind,
                    max_points=row.max_points,
                    n=row.n,
                    sum_x=row.sum_x,
                    sum_xx=row.sum_xx,
                    sum_r=row.sum_r,
                    sum_rr=row.sum_rr,
                    sum_xr=row.sum_xr,
                    tally=tallies.get(key, {}),
                    median_seconds=_median_time(conn, key, row.timed, seconds.get(key, [])),
                )
            )
    return out


_TIMES_WITHIN = (  # made once: a quiz's item analysis asks it for every question
    select(ItemTimeRow.seconds, ItemTimeRow.count)
    .where(
        ItemTimeRow.quiz_id == sa.bindparam("quiz"),
        ItemTimeRow.question_id == sa.bindparam("question"),
        ItemTimeRow.seconds >= sa.bindparam("low"),
        ItemTimeRow.seconds < sa.bindparam("high"),
        ItemTimeRow.count > 0,
    )
    .order_by(ItemTimeRow.seconds)
)


def _median_time(conn: sa.Connection, key: tuple[str, str], n: int, seconds: list[tuple[int, int]]) -> float | None:
    """The median of a question's ``n`` recorded times: the whole seconds it lies in are found from the counts
    per second, then the times within those seconds are read, exactly (``statistics.median``'s rule: the
    middle time, or the mean of the two middle ones)."""
    if n <= 0:
        return None
    wanted = sorted({(n - 1) // 2, n // 2})  # 0-based places of the middle times in order
    before, skipped, low, high = 0, 0, None, None
    for second, count in seconds:
        if low is None and before + count > wanted[0]:
            low, skipped = second, before
        if before + count > wanted[-1]:
            high = second
            break
        before += count
    if low is None or high is None:  # the counts disagree with n: the tables are being changed; say nothing
        return None
    found, place = [], skipped
    times = {"quiz": key[0], "question": key[1], "low": low, "high": high + 1}
    for value, count in conn.execute(_TIMES_WITHIN, times):
        for i in wanted:
            if place <= i < place + count:
                found.append(value)
        place += count
        if place > wanted[-1]:
            break
    if len(found) != len(wanted):
        return None
    return median(found if len(wanted) == 2 else found[:1])


def review_records(store: Store, learner_id: str) -> tuple[list[Try], list[Finished]]:
    """One learner's tries and finished attempts, for :func:`quizlib.results.report.review_attempts`."""
    tries, finished = [], []
    for st in store.statements(learner_id=learner_id):
        result = st.statement.get("result") or {}
        if st.verb == "answered" and st.question_id is not None:
            tries.append(
                Try(
                    quiz_id=st.quiz_id,
                    attempt_id=st.attempt_id,
                    question_id=st.question_id,
                    try_number=st.try_number or 1,
                    response=st.detail.get("response"),
                    credit=st.credit,
                    at=st.timestamp,
                    seconds=_seconds(result.get("duration")),
                )
            )
        elif st.verb == "completed":
            answers = (result.get("extensions") or {}).get(xapi.EXT_ANSWERS) or {}
            finished.append(
                Finished(
                    quiz_id=st.quiz_id,
                    attempt_id=st.attempt_id,
                    at=st.timestamp,
                    percentage=st.percentage if st.percentage is not None else 0.0,
                    credits={q["question_id"]: q["credit"] for q in st.detail.get("questions", ())},
                    tries={qid: list(a.get("tries") or []) for qid, a in answers.items() if isinstance(a, dict)},
                )
            )
    return tries, finished


_DURATION = re.compile(r"^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def _seconds(duration: Any) -> float | None:
    """An xAPI duration (ISO 8601, e.g. "PT1M12.5S") in seconds; None if there is none or it is unreadable."""
    m = _DURATION.match(duration) if isinstance(duration, str) else None
    if not m or not any(m.groups()):
        return None
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in m.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def _in_period(scope: Scope, cohort: str, moment) -> bool:
    return scope.period is None or scope.period.holds(cohort, moment)


# -- reading: report records -----------------------------------------------------------------------


def _attempts(columns: list, cohort_id: str | None, quiz_id: str | None, scope: Scope = EVERYTHING):
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
    return _scoped(q, scope, a.quiz_id, a.learner_id, LearnerRow.cohort_id)


def _scoped(q, scope: Scope, quiz_column, learner_column, cohort_column=None):
    """``q`` limited to a scope's quizzes, cohorts and learner (a period is applied as rows are read: attempt
    numbers count the attempts before it too)."""
    if scope.quiz_ids is not None:
        q = q.where(quiz_column.in_(list(scope.quiz_ids)))
    if scope.learner_id is not None:
        q = q.where(learner_column == scope.learner_id)
    if scope.cohort_ids is not None:
        if cohort_column is not None:
            q = q.where(cohort_column.in_(list(scope.cohort_ids)))
        else:
            in_cohorts = select(LearnerRow.id).where(LearnerRow.cohort_id.in_(list(scope.cohort_ids)))
            q = q.where(learner_column.in_(in_cohorts))
    return q


def _dated_attempts(engine: Engine, cohort_id: str | None, quiz_id: str | None, scope: Scope) -> set[str] | None:
    """The statement ids of finished attempts in the scope's period (in each cohort's time zone), or None for
    no period."""
    if not scope.dated:
        return None
    assert scope.period is not None
    a = AttemptResultRow
    q = _attempts([a.statement_id, LearnerRow.cohort_id, a.completed_at], cohort_id, quiz_id, scope)
    low, high = scope.period.widest()
    if low is not None:
        q = q.where(a.completed_at >= low)
    if high is not None:
        q = q.where(a.completed_at < high)
    holds = scope.period.holds
    with _reading(engine) as conn, _stream(conn, q) as rows:
        return {statement for statement, cohort, at in rows if holds(cohort, at)}


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
    engine: Engine,
    *,
    cohort_id: str | None = None,
    quiz_id: str | None = None,
    first_only: bool = False,
    scope: Scope = EVERYTHING,
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
        scope,
    )
    period = scope.period if scope.dated else None
    with _reading(engine) as conn, _stream(conn, q) as rows:
        last, number = None, 0
        for learner, cohort, quiz, attempt, percentage, passed, completed_at, duration in rows:
            # Rows come by quiz, then learner, then as finished: count each learner's attempts at a quiz.
            number = number + 1 if (quiz, learner) == last else 1
            last = (quiz, learner)
            if (number == 1 or not first_only) and (period is None or period.holds(cohort, completed_at)):
                yield _make_attempt(learner, cohort, quiz, attempt, number, percentage, passed, completed_at, duration)


def question_scores(
    engine: Engine,
    *,
    cohort_id: str | None = None,
    quiz_id: str | None = None,
    first_only: bool = False,
    scope: Scope = EVERYTHING,
) -> Iterator[QuestionScore]:
    """Every question of every finished attempt (or of first attempts only) as :class:`QuestionScore`.

    Two streams in the same order, merged: the attempts (a few facts each, counted as they come) and the
    questions (only their own facts and their attempt's statement id). The database neither joins nor sorts
    a row per answer, and an attempt's facts are read once, not once per question.
    """
    a, r = AttemptResultRow, QuestionResultRow
    attempts = _attempts(
        [a.statement_id, a.learner_id, LearnerRow.cohort_id, a.quiz_id, a.attempt_id], cohort_id, quiz_id, scope
    )
    questions = select(
        r.statement_id, r.question_id, r.credit, r.max_points, r.first_response, r.kind, r.duration
    ).order_by(r.quiz_id, r.learner_id, r.completed_at, r.statement_id, r.position)
    if cohort_id is not None:
        questions = questions.where(r.learner_id.in_(select(LearnerRow.id).where(LearnerRow.cohort_id == cohort_id)))
    if quiz_id is not None:
        questions = questions.where(r.quiz_id == quiz_id)
    questions = _scoped(questions, scope, r.quiz_id, r.learner_id)
    in_period = _dated_attempts(engine, cohort_id, quiz_id, scope)
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
                keep = (number == 1 or not first_only) and (in_period is None or statement_id in in_period)
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


# -- reading: one tally per learner and quiz (the course lead's overview) ---------------------------------------
#
# What :func:`quizlib.results.report.overview.overview` needs, with no record per attempt. Two reads: the finished
# attempts in key order (quiz, learner, as they finished), one sequential pass in which each pair's first attempt,
# best, latest and counts are kept; and, grouped in the database, how many attempts each pair has begun
# (``begun_attempts``) and not finished. SQLite's rows come straight from the driver's cursor (moments as the text
# SQLite keeps, compared as text: its fixed width orders it as time; each pair's latest is made a datetime once).
# A period is one more condition on each read, in SQL: the rows left are those the long way keeps.


def quiz_tallies(
    engine: Engine,
    *,
    cohort_id: str | None = None,
    quiz_ids: tuple[str, ...] | None = None,
    since: date | None = None,
    until: date | None = None,
) -> dict[tuple[str, str], QuizTally]:
    """(learner, quiz) -> :class:`QuizTally` for every learner (of ``cohort_id``) who began or finished an
    attempt at a quiz (of ``quiz_ids``), over every moment or the days ``since`` .. ``until`` (either may be open)
    in each cohort's time zone. A period counts what the report records of a :class:`Scope` with that
    :class:`quizlib.results.report.Period` hold: the attempts finished in it (the first of them is the pair's
    first), and those begun in it (by their first answer) and not finished in it."""
    check_period(since, until)
    a, b = AttemptResultRow, BegunAttemptRow
    dated = since is not None or until is not None
    finished = select(a.learner_id, a.quiz_id, a.attempt_id, a.percentage, a.quiz_passed, a.completed_at, a.duration)
    done = sa.exists().where(a.quiz_id == b.quiz_id, a.learner_id == b.learner_id, a.attempt_id == b.attempt_id)
    unfinished = select(b.learner_id, b.quiz_id, sa.func.count())
    if cohort_id is not None or dated:
        finished = finished.join(LearnerRow, LearnerRow.id == a.learner_id)
        unfinished = unfinished.join(LearnerRow, LearnerRow.id == b.learner_id)
    if cohort_id is not None:
        finished = finished.where(LearnerRow.cohort_id == cohort_id)
        unfinished = unfinished.where(LearnerRow.cohort_id == cohort_id)
    if quiz_ids is not None:
        finished = finished.where(a.quiz_id.in_(list(quiz_ids)))
        unfinished = unfinished.where(b.quiz_id.in_(list(quiz_ids)))

    out: dict[tuple[str, str], QuizTally] = {}
    new, tally = tuple.__new__, QuizTally  # a named tuple made from its values, as fast as a tuple
    # Each row brings its own copy of its learner's and quiz's ids: the keys keep one of each, not one per pair.
    kept: dict[str, str] = {}
    one = kept.setdefault
    with _reading(engine) as conn:
        if dated:
            within = _within(conn, since, until)
            finished = finished.join(CohortRow, CohortRow.id == LearnerRow.cohort_id).where(within(a.completed_at))
            unfinished = unfinished.join(CohortRow, CohortRow.id == LearnerRow.cohort_id).where(within(b.first_at))
            done = done.where(within(a.completed_at))
        finished = finished.order_by(a.quiz_id, a.learner_id, a.completed_at, a.statement_id)
        unfinished = unfinished.where(~done).group_by(b.learner_id, b.quiz_id)
        moment = _sqlite_moment if conn.dialect.name == "sqlite" else _moment
        with _raw(conn, finished) as rows:
            # Each pair's rows come together, the first attempt first. Per pair: the distinct attempt ids (one,
            # but for an attempt finished twice or a retake), the best, the latest, how many and whether any
            # passed, and the first attempt's own figures.
            at_learner = at_quiz = first_id = ""
            more: set[str] | None = None
            best = last = first = first_duration = None
            ids = count = 0
            passed_any = first_passed = False
            for learner, quiz, attempt, percentage, passed, completed_at, duration in rows:
                if learner != at_learner or quiz != at_quiz:
                    if at_learner:
                        out[(at_learner, at_quiz)] = new(
                            tally, (ids, best, moment(last), count, passed_any, first, first_passed, first_duration)
                        )
                    at_learner, at_quiz, first_id, more = one(learner, learner), one(quiz, quiz), attempt, None
                    best = first = percentage
                    last, first_duration = completed_at, duration
                    passed_any = first_passed = bool(passed)
                    ids = count = 1
                    continue
                count += 1
                if percentage > best:  # noqa: PLR1730 (max() costs a call per row)
                    best = percentage
                if passed:
                    passed_any = True
                if completed_at > last:  # noqa: PLR1730 (max() costs a call per row)
                    last = completed_at
                if attempt != first_id:
                    if more is None:
                        more = {first_id}
                    if attempt not in more:
                        more.add(attempt)
                        ids += 1
            if at_learner:
                out[(at_learner, at_quiz)] = new(
                    tally, (ids, best, moment(last), count, passed_any, first, first_passed, first_duration)
                )
        for learner, quiz, begun in conn.execute(unfinished):
            t = out.get((learner, quiz))
            if t is None:
                out[(one(learner, learner), one(quiz, quiz))] = QuizTally(begun, None, None)
            else:
                out[(learner, quiz)] = QuizTally(
                    t.attempts + begun,
                    t.best,
                    t.last,
                    t.finished,
                    t.passed_any,
                    t.first,
                    t.first_passed,
                    t.first_duration,
                )
    return out


def _within(conn: sa.Connection, since: date | None, until: date | None) -> Callable[[Any], sa.ColumnElement[bool]]:
    """A moment's column -> whether it falls in the days ``since`` .. ``until`` in the time zone of the query's
    ``CohortRow`` (the learner's cohort), as :meth:`quizlib.results.report.Period.holds` judges it for a period
    given the cohorts' zones: one condition per time zone the cohorts are in, so a query binds a few moments, not
    every cohort's id."""
    zones = conn.scalars(select(CohortRow.time_zone).distinct()).all()
    bounds = {zone: period_bounds(since, until, zone) for zone in zones}

    def within(moment) -> sa.ColumnElement[bool]:
        in_zones = []
        for zone, (begins, ends) in bounds.items():
            limits = [CohortRow.time_zone == zone]
            if begins is not None:
                limits.append(moment >= begins)
            if ends is not None:
                limits.append(moment < ends)
            in_zones.append(sa.and_(*limits))
        return sa.or_(sa.false(), *in_zones)  # (false: a course with no cohort has no moment in any period)

    return within


def enrolments(engine: Engine, *, cohort_id: str | None = None) -> list[Enrolment]:
    """:meth:`quizlib.results.source.ReportSource.enrolments` (every learner not merged into another, of a
    cohort or all, in the order they joined) with one plain query: no ORM object per learner."""
    le = LearnerRow
    q = (
        select(le.id, le.cohort_id, le.display_name, le.created_at)
        .where(le.merged_into.is_(None))
        .order_by(le.created_at, le.display_name, le.id)
    )
    if cohort_id is not None:
        q = q.where(le.cohort_id == cohort_id)
    with _reading(engine) as conn:
        return [
            Enrolment(learner=i, cohort=cohort, display_name=name, joined_at=joined)
            for i, cohort, name, joined in conn.execute(q)
        ]


def _sqlite_moment(text: str | None) -> datetime | None:
    """A moment as SQLite keeps it (naive UTC text) as ``UTCDateTime`` reads it."""
    return None if text is None else datetime.fromisoformat(text + "+00:00")


def _moment(value: Any) -> datetime | None:
    """A moment as the store gives it: SQLite's text read as UTC (as ``UTCDateTime`` reads it)."""
    if value is None:
        return None
    if isinstance(value, str):
        return datetime.fromisoformat(value + "+00:00")
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@contextlib.contextmanager
def _raw(conn: sa.Connection, query) -> Iterator[Iterator[tuple]]:
    """The rows of ``query``: SQLite's straight from the driver (moments as text), PostgreSQL's streamed."""
    with _stream(conn, query) as result:
        yield iter(result) if conn.dialect.name == "postgresql" else iter(result.cursor)  # type: ignore[call-overload]
