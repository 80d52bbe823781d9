"""A fast fill: a million stored answers in minutes, the rows the server's ingest would store.

Filling a database through the ingest (``item_analysis.fill``) costs about a millisecond per answer: a million
answers take 20 minutes or more. This fill gets the same rows another way:

1. **Templates, through the real ingest logic.** A few hundred simulated learners (``--templates``) answer every
   quiz as ``item_analysis.fill``'s learners do; each attempt goes through ``Ingestor.score`` (or
   ``Ingestor.submitted`` for the final assessment), which checks and scores it: the same
   :class:`~quizlib.results.store.StatementRecord` objects the server hands to ``Store.add_statements``.
2. **Every learner a copy of a template.** A learner of the filled database sends the same answers as one of
   the templates, on other days: their records are the template's, with the learner's id, new statement and
   attempt ids (derived ones, such as the id of a verdict or of a submitted attempt's statements, derived again
   as the ingest derives them) and every moment moved by the same amount. The statements' JSON is the
   template's text with those ids and moments replaced.
3. **Written as the store writes them, in bulk.** :class:`FastWriter` writes the rows ``Store.add_statements``
   writes for new records (``statements``, ``lrs_outbox``, ``begun_attempts``, ``attempt_results``,
   ``question_results``: the result rows come from the store's own :func:`result_rows`) with the sqlite3
   driver's ``executemany`` in a few large transactions, without the checks a live server needs (resends,
   conflicts, per-learner limits); then makes the item-analysis sums with the store's own
   :func:`quizlib.results.store.items.rebuild`.

``tests/test_fast_fill.py`` holds it to the real path: the same records stored by ``Store.add_statements`` and
by :class:`FastWriter` give the same rows and the same reports, and a copied learner's rows are those the
ingest stores when that learner's browser sends the copied statements.

The filled file is kept, keyed by its parameters and by what makes its rows (this fill's code, the ingest's
and the store's code, the quizzes, the schema's revision), in ``$QUIZLIB_BENCH_CACHE`` (default
``~/.cache/quizlib-bench``): ``cached_database(...)`` fills it once, and later benchmark runs reuse it. SQLite only.

    .venv/bin/python benchmarks/fast_fill.py                          # 1,000,000 answers, 150 cohorts
    .venv/bin/python benchmarks/fast_fill.py --answers 100000 --cohorts 30
    .venv/bin/python benchmarks/fast_fill.py --fresh                  # fill again even if cached
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import secrets
import shutil
import sqlite3
import sys
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import sqlalchemy as sa
from item_analysis import attempts_for
from lead_report import add_cohorts

from quizlib.results.demo import DEMO_HOME_PAGE, question_traits
from quizlib.results.ingest import ATTEMPT_NAMESPACE, VERDICT_NAMESPACE, Ingestor
from quizlib.results.store import (
    StatementRecord,
    Store,
    canonical_json,
    digest,
    head_revision,
    recount_statements_stored,
)
from quizlib.results.store import items as item_tables
from quizlib.results.store.outbox import PENDING
from quizlib.results.store.rows import LearnerRow
from quizlib.results.store.tables import result_rows

START = datetime(2026, 1, 1, tzinfo=UTC)
ROWS_AT_ONCE = 50_000  # statements per transaction


# -- the rows Store.add_statements writes ----------------------------------------------------------------


def sqlite_moment(moment: datetime) -> str:
    """A moment as SQLAlchemy keeps a ``UTCDateTime`` in SQLite: naive UTC text with microseconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(value)


STATEMENT_COLUMNS = (
    "id",
    "learner_id",
    "verb",
    "quiz_id",
    "question_id",
    "attempt_id",
    "try_number",
    "registration",
    "timestamp",
    "stored",
    "credit",
    "final",
    "percentage",
    "passed",
    "detail",
    "received",
    "statement",
)
ATTEMPT_COLUMNS = (
    "quiz_id",
    "learner_id",
    "completed_at",
    "statement_id",
    "attempt_id",
    "percentage",
    "quiz_passed",
    "duration",
)
QUESTION_COLUMNS = (
    "quiz_id",
    "learner_id",
    "completed_at",
    "statement_id",
    "position",
    "question_id",
    "kind",
    "credit",
    "max_points",
    "first_response",
    "duration",
)


@dataclass
class Rows:
    """What storing some new records adds, as the sqlite3 driver takes it (tuples, text, numbers)."""

    statements: list[tuple]
    attempts: list[tuple]
    questions: list[tuple]
    begun: dict[tuple[str, str, str], str]  # (learner, quiz, attempt) -> first answer (the moment's text)

    @classmethod
    def empty(cls) -> Rows:
        return cls([], [], [], {})

    def note_begun(self, learner: str, quiz: str, attempt: str, at: str) -> None:
        key = (learner, quiz, attempt)
        before = self.begun.get(key)
        if before is None or at < before:
            self.begun[key] = at


def statement_texts(record: StatementRecord, stored: datetime) -> tuple[str, str, str]:
    """(detail, received, statement) as the store writes them: ``received`` as canonical JSON text; the JSON
    columns as SQLAlchemy's JSON type serialises them (``json.dumps``), the statement with ``stored`` added."""
    statement = dict(record.statement)
    statement["stored"] = _iso(stored)
    return json.dumps(record.detail), canonical_json(record.received), json.dumps(statement)


def add_records(rows: Rows, records: Iterable[StatementRecord], stored: datetime) -> None:
    """The rows ``Store.add_statements`` writes for these records, all new, of learners not merged."""
    stored_text = sqlite_moment(stored)
    for r in records:
        detail, received, statement = statement_texts(r, stored)
        at = sqlite_moment(r.timestamp)
        rows.statements.append(_statement_row(r, at, stored_text, detail, received, statement))
        if r.verb == "answered":
            rows.note_begun(r.learner_id, r.quiz_id, r.attempt_id, at)
        elif r.verb == "completed":
            attempt, questions = result_rows(r)
            rows.attempts.append(_attempt_row(attempt))
            rows.questions += [_question_row(q) for q in questions]


def _statement_row(r: StatementRecord, at: str, stored: str, detail: str, received: str, statement: str) -> tuple:
    return (
        r.id,
        r.learner_id,
        r.verb,
        r.quiz_id,
        r.question_id,
        r.attempt_id,
        r.try_number,
        r.registration,
        at,
        stored,
        r.credit,
        _flag(r.final),
        r.percentage,
        _flag(r.passed),
        detail,
        received,
        statement,
    )


def _attempt_row(a: dict) -> tuple:
    return (
        a["quiz_id"],
        a["learner_id"],
        sqlite_moment(a["completed_at"]),
        a["statement_id"],
        a["attempt_id"],
        a["percentage"],
        int(a["quiz_passed"]),
        a["duration"],
    )


def _question_row(q: dict) -> tuple:
    return (
        q["quiz_id"],
        q["learner_id"],
        sqlite_moment(q["completed_at"]),
        q["statement_id"],
        q["position"],
        q["question_id"],
        q["kind"],
        q["credit"],
        q["max_points"],
        q["first_response"],
        q["duration"],
    )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FastWriter:
    """Writes :class:`Rows` into a SQLite database made by ``Store.upgrade`` with the driver's executemany,
    then (:meth:`finish`) the item sums, as ``Store.add_statements`` would have kept them."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self.conn = sqlite3.connect(self.path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=OFF")  # a benchmark's database: made again if the machine fails
        self.conn.execute("PRAGMA cache_size=-200000")
        self.begun: dict[tuple[str, str, str], str] = {}
        self.stored = 0

    def write(self, rows: Rows, stored: datetime) -> None:
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        c.executemany(_insert("statements", STATEMENT_COLUMNS), rows.statements)
        queued = sqlite_moment(stored)
        c.executemany(
            "INSERT INTO lrs_outbox (statement_id, queued_at, state, attempts) VALUES (?, ?, ?, 0)",
            ((s[0], queued, PENDING) for s in rows.statements),
        )
        c.executemany(_insert("attempt_results", ATTEMPT_COLUMNS), rows.attempts)
        c.executemany(_insert("question_results", QUESTION_COLUMNS), rows.questions)
        c.execute("COMMIT")
        for key, at in rows.begun.items():
            before = self.begun.get(key)
            if before is None or at < before:
                self.begun[key] = at
        self.stored += len(rows.statements)

    def finish(self) -> None:
        """``begun_attempts``, each learner's count of statements and the item sums (``items.rebuild``,
        through SQLAlchemy as the store runs it)."""
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        c.executemany(
            "INSERT INTO begun_attempts (learner_id, quiz_id, attempt_id, first_at) VALUES (?, ?, ?, ?)",
            ((*key, at) for key, at in sorted(self.begun.items())),
        )
        c.execute("COMMIT")
        c.close()
        engine = sa.create_engine(f"sqlite:///{self.path}")
        with engine.begin() as conn:
            recount_statements_stored(conn)
            item_tables.rebuild(conn)
        engine.dispose()


def _insert(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


# -- templates: learners through the real ingest ----------------------------------------------------------


def learner_records(
    ingestor: Ingestor, course, rng: random.Random, learner, traits, start: datetime
) -> tuple[list, int]:
    """One simulated learner's records, as ``item_analysis.fill`` makes them (its generator, then the ingest's
    ``score`` or ``submitted``), and their number of answers."""
    attempts, answers = attempts_for(course, rng, learner.id, rng.gauss(0, 1), traits, start)
    records: list[StatementRecord] = []
    for attempt in attempts:
        if attempt[0] == "sent":
            records += ingestor.score(learner, attempt[1]).records
        else:
            _, quiz, issued, responses, finished_at, durations = attempt
            records += ingestor.submitted(
                learner, quiz, issued, responses, durations, pass_mark=quiz.settings.pass_mark, when=finished_at
            )[1]
    return records, answers


@dataclass
class Template:
    """One template learner's records, with what a copy of them needs."""

    learner_id: str
    records: list[StatementRecord]
    answers: int
    texts: list[tuple[tuple[str, ...], ...]]  # detail, received, statement (with ``stored``) per record, in pieces
    results: dict[str, tuple[dict, list[dict]]]  # completed statement id -> its result rows


def template_of(learner_id: str, records: list[StatementRecord], answers: int, stored: datetime) -> Template:
    """A learner's records as a template, its texts made as stored at ``stored``."""
    return Template(
        learner_id=learner_id,
        records=records,
        answers=answers,
        texts=[tuple(pieces(t) for t in statement_texts(r, stored)) for r in records],
        results={r.id: result_rows(r) for r in records if r.verb == "completed"},
    )


def make_templates(course, n: int, seed: int, stored: datetime, spread_days: int = 200) -> list[Template]:
    """``n`` template learners answering every quiz, scored by the ingest, in a scratch database."""
    import tempfile

    rng = random.Random(seed)
    traits = {
        (quiz.id, q.id): question_traits(quiz.id, q, seed) for quiz in course.quizzes.values() for q in quiz.questions
    }
    folder = tempfile.mkdtemp(prefix="quizlib-templates-")
    try:
        store = Store(f"sqlite:///{folder}/templates.sqlite3")
        store.upgrade()
        trainer = store.add_staff("template trainer", "trainer", "not-a-password-hash")
        cohort = store.add_cohort("Templates", trainer.id)
        ingestor = Ingestor(course, store, DEMO_HOME_PAGE)
        out = []
        for i in range(n):
            learner, _ = store.add_learner(cohort.id, f"Template {i + 1}")
            start = START + timedelta(days=rng.randint(0, spread_days))
            records, answers = learner_records(ingestor, course, rng, learner, traits, start)
            out.append(template_of(learner.id, records, answers, stored))
        store.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return out


# -- copies of a template --------------------------------------------------------------------------------

# What a copy replaces in a statement's text: ids (UUIDs) and moments (xAPI timestamps).
_REPLACED = re.compile(
    r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"
)


def pieces(text: str) -> tuple[str, ...]:
    """A text split once into pieces: kept text, then an id or moment, then kept text, and so on."""
    return tuple(_REPLACED.split(text))


def joined(parts: tuple[str, ...], replace: dict[str, str]) -> str:
    """The text of ``parts`` with each id or moment replaced (those not in ``replace`` kept)."""
    out = list(parts)
    get = replace.get
    for i in range(1, len(out), 2):
        out[i] = get(out[i], out[i])
    return "".join(out)


def new_ids(template: Template, rng: random.Random) -> dict[str, str]:
    """New ids for a copy of a template's records: attempt ids and statement ids drawn afresh, except those the
    ingest derives (a verdict's from its completed statement; a submitted attempt's statements from the
    attempt), derived again from the new ones."""
    ids: dict[str, str] = {}

    def fresh() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    for r in template.records:
        if r.attempt_id not in ids:
            ids[r.attempt_id] = fresh()
    for r in template.records:
        attempt = ids[r.attempt_id]
        if r.verb in ("passed", "failed"):
            continue  # below, from its completed statement
        own = r.question_id if r.verb == "answered" else "completed"
        if r.id == str(uuid.uuid5(ATTEMPT_NAMESPACE, f"{r.attempt_id}:{own}")):
            ids[r.id] = str(uuid.uuid5(ATTEMPT_NAMESPACE, f"{attempt}:{own}"))
        else:
            ids[r.id] = fresh()
    for r in template.records:
        if r.verb in ("passed", "failed"):
            derived_from = r.detail["derived_from"]
            assert r.id == str(uuid.uuid5(VERDICT_NAMESPACE, derived_from))
            ids[r.id] = str(uuid.uuid5(VERDICT_NAMESPACE, ids[derived_from]))
    return ids


def copy_rows(
    template: Template, rows: Rows, learner_id: str, shift: timedelta, rng: random.Random, stored: datetime
) -> int:
    """Add the rows of a copy of ``template``'s records for ``learner_id``, every moment ``shift`` later, stored
    at ``stored`` (the moment the template's texts were made with); return its number of answers."""
    ids = new_ids(template, rng)
    ids[template.learner_id] = learner_id
    moments: dict[str, str] = {}  # the statements' own moments, as xAPI text
    for r in template.records:
        moments[_iso(r.timestamp)] = _iso(r.timestamp + shift)
    replace = {**ids, **moments}

    stored_text = sqlite_moment(stored)
    for r, (detail, received, statement) in zip(template.records, template.texts):
        at = sqlite_moment(r.timestamp + shift)
        sid, attempt = ids[r.id], ids[r.attempt_id]
        rows.statements.append(
            (
                sid,
                learner_id,
                r.verb,
                r.quiz_id,
                r.question_id,
                attempt,
                r.try_number,
                r.registration,
                at,
                stored_text,
                r.credit,
                _flag(r.final),
                r.percentage,
                _flag(r.passed),
                joined(detail, replace),
                joined(received, replace),
                joined(statement, replace),
            )
        )
        if r.verb == "answered":
            rows.note_begun(learner_id, r.quiz_id, attempt, at)
        elif r.verb == "completed":
            a, questions = template.results[r.id]
            key = {"learner_id": learner_id, "completed_at": a["completed_at"] + shift, "statement_id": sid}
            rows.attempts.append(_attempt_row({**a, **key, "attempt_id": attempt}))
            rows.questions += [_question_row({**q, **key}) for q in questions]
    return template.answers


# -- the whole database ----------------------------------------------------------------------------------


def people(store: Store, catalogue_modules, cohorts: int, learners: int, seed: int) -> list[str]:
    """A trainer, ``cohorts`` cohorts (each in a time zone, each with an assignment of every module, some due
    dates gone, some to come) through the store's API, and ``learners`` learners, round-robin over the cohorts,
    written in one transaction; the learners' ids, in the order they joined."""
    rng = random.Random(seed)
    trainer = store.add_staff(f"bench-trainer-{seed}", "trainer", "not-a-password-hash", must_change_password=True)
    made = [cohort.id for cohort in add_cohorts(store, trainer.id, catalogue_modules, cohorts, rng)]
    joined = datetime.now(UTC)
    rows = [
        {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "cohort_id": made[i % cohorts],
            "display_name": f"Learner {i + 1}",
            "token_hash": digest(secrets.token_urlsafe(32)),
            "email": None,
            "created_at": joined + timedelta(microseconds=i),
        }
        for i in range(learners)
    ]
    with store.engine.begin() as conn:
        conn.execute(sa.insert(LearnerRow), rows)
    return [r["id"] for r in rows]


def fill(path: Path, target: int, cohorts: int, seed: int, templates: int, *, answered: bool = True, log=print) -> dict:
    """Fill a new SQLite database at ``path`` with ``target`` answers or a few more; the figures of the fill."""
    from quizlib.server.catalogue import load_catalogue

    began = time.perf_counter()
    catalogue = load_catalogue(ROOT)
    course = catalogue.course
    stored = datetime.now(UTC)
    made = make_templates(course, templates, seed, stored)
    if not answered:
        for t in made:
            keep = [i for i, r in enumerate(t.records) if r.verb != "answered"]
            t.records, t.texts = [t.records[i] for i in keep], [t.texts[i] for i in keep]
    per_learner = sum(t.answers for t in made) / len(made)
    n_learners = max(1, round(target / per_learner))
    log(f"  {len(made)} template learners scored by the ingest in {time.perf_counter() - began:.1f} s")
    store = Store(f"sqlite:///{path}")
    store.upgrade()
    learner_ids = people(store, catalogue.modules, cohorts, n_learners, seed)
    store.close()
    writer = FastWriter(path)
    rng = random.Random(f"copies {seed}")  # not the templates' or the learners' sequence: ids never repeat
    rows, answers = Rows.empty(), 0
    for i, learner_id in enumerate(learner_ids):
        shift = timedelta(days=rng.randint(-30, 30), seconds=rng.randint(-43_200, 43_200))
        answers += copy_rows(made[i % len(made)], rows, learner_id, shift, rng, stored)
        if len(rows.statements) >= ROWS_AT_ONCE or i == len(learner_ids) - 1:
            writer.write(rows, stored)
            rows = Rows.empty()
            log(f"  ... {answers:,} answers, {writer.stored:,} statements ({time.perf_counter() - began:.0f} s)")
    copied = time.perf_counter() - began
    writer.finish()
    return {
        "answers": answers,
        "learners": n_learners,
        "cohorts": cohorts,
        "statements": writer.stored,
        "seconds": time.perf_counter() - began,
        "copied_seconds": copied,
    }


# -- the cache ---------------------------------------------------------------------------------------------

FILL_SOURCES = (
    "benchmarks/fast_fill.py",
    "benchmarks/item_analysis.py",
    "benchmarks/lead_report.py",  # its cohorts and assignments
    "src/quizlib/results/ingest.py",
    "src/quizlib/results/xapi.py",
    "src/quizlib/results/demo.py",
    "src/quizlib/results/store/__init__.py",
    "src/quizlib/results/store/items.py",
    "src/quizlib/results/store/tables.py",
    "src/quizlib/quiz/score.py",
)


def cache_folder() -> Path:
    return Path(os.environ.get("QUIZLIB_BENCH_CACHE") or Path.home() / ".cache" / "quizlib-bench")


def cache_key(answers: int, cohorts: int, seed: int, templates: int, answered: bool) -> str:
    """Parameters and a digest of what makes the rows: this fill, the ingest, the store, the quizzes, the schema."""
    h = hashlib.sha256(head_revision().encode())
    for name in FILL_SOURCES:
        h.update((ROOT / name).read_bytes())
    for f in sorted((ROOT / "quizzes").glob("*.yaml")):
        h.update(f.read_bytes())
    return f"fill-{answers}-c{cohorts}-s{seed}-t{templates}-{'a' if answered else 'n'}-{h.hexdigest()[:12]}"


def cached_database(
    answers: int = 1_000_000,
    cohorts: int = 150,
    seed: int = 1,
    templates: int = 200,
    *,
    answered: bool = True,
    fresh: bool = False,
    log=print,
) -> tuple[Path, dict]:
    """The filled database for these parameters (filled now if not cached, or if ``fresh``) and its figures."""
    folder = cache_folder()
    folder.mkdir(parents=True, exist_ok=True)
    key = cache_key(answers, cohorts, seed, templates, answered)
    path, facts = folder / f"{key}.sqlite3", folder / f"{key}.json"
    if path.exists() and facts.exists() and not fresh:
        return path, {**json.loads(facts.read_text()), "cached": True}
    for old in folder.glob(f"{key}.sqlite3*"):
        old.unlink()
    partial = folder / f"{key}.partial.sqlite3"
    for old in folder.glob(f"{key}.partial.sqlite3*"):
        old.unlink()
    figures = fill(partial, answers, cohorts, seed, templates, answered=answered, log=log)
    # One file (the write-ahead log folded in) under its final name, so a half-made fill is never reused.
    with sqlite3.connect(partial) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    partial.rename(path)
    for old in folder.glob(f"{key}.partial.sqlite3*"):
        old.unlink()
    facts.write_text(json.dumps(figures))
    return path, {**figures, "cached": False}


def add_fill_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that name a filled database (and ``--fresh``), for this script and those that use it."""
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--cohorts", type=int, default=150)
    parser.add_argument("--templates", type=int, default=200, help="learners scored by the ingest (default: 200)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fresh", action="store_true", help="fill again even if a cached database exists")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_fill_arguments(parser)
    parser.add_argument(
        "--no-answered", action="store_true", help="store no answered statements (finished attempts only)"
    )
    args = parser.parse_args(argv)
    path, f = cached_database(
        args.answers, args.cohorts, args.seed, args.templates, answered=not args.no_answered, fresh=args.fresh
    )
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    how = "reused from the cache" if f["cached"] else f"filled in {f['seconds']:.1f} s"
    print(
        f"{f['answers']:,} answers, {f['statements']:,} statements, {f['learners']:,} learners in {f['cohorts']} "
        f"cohorts: {how}; {size / 1e6:,.0f} MB at {path}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
