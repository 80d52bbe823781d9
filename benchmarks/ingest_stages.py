"""Benchmark: where the time goes when quizlib stores answers, stage by stage, beside the bare handler.

``ingest_limit.py`` measures the whole: quizlib's rate over HTTP against a bare handler that stores each
statement as it came. This script shows the parts, in one process and without HTTP: the same *answered*
statements (one per request, and batches of 50 and 200, a fresh learner every 500 statements) go through
each stage of ``POST /api/v1/statements``, each timed on its own; the figures are microseconds per statement,
the median over the requests.

quizlib's stages:

- **read the JSON**: the body, read as the server reads every body (``quizlib.server.http.decode_json``);
- **check**: ``xapi.check``, the statement's form, types and identifiers;
- **canonical JSON**: its one text (the size limit is measured on it; a resend is compared with it);
- **re-score**: the rest of ``Ingestor.score``: the quiz and question found, the response scored again, the
  server's own statement and the record built;
- **hand-off**: to the store's group writer thread and back;
- **look-up**: the one query that reads the learner, the ids stored already and the learner's usage;
- **rows**: the learner's count updated, values converted and inserted (the statement, its outbox row for
  forwarding, the begun attempt), on PostgreSQL until the pipeline's answers are back;
- **other storing work**: the rows' values gathered, the usage limit and conflicts checked;
- **begin and commit**: the write transaction, and the commit's flush to disk.

The bare handler's: reading the JSON (``json.loads``) and storing it (``ingest_limit.BareStore``: the text
encoded again, one INSERT a statement, one COMMIT a request).

Then **storing one answer for a learner with a history** (``--history``: 0, 1,000, 5,000 and 20,000 statements
already stored, all older than the limit's minute): what a request takes through the group writer, the
median of 50, on each database.

The store's stages are timed by wrapping the store's own functions for the run (``Store._store_group``,
``_store_jobs``, ``DriverSQL.look_up`` and the ``DriverSQL.pipelined`` block that writes the rows). Prints the
tables; asserts nothing.

    .venv/bin/python benchmarks/ingest_stages.py                          # SQLite and a temporary PostgreSQL
    .venv/bin/python benchmarks/ingest_stages.py --no-postgres --statements 400   # smoke
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from ingest_limit import PER_LEARNER, BareStore, Statements, create_database, drop_database, temporary_postgres

SIZES = (1, 50, 200)
QUIZLIB_STAGES = (
    "read the JSON",
    "check",
    "canonical JSON",
    "re-score",
    "hand-off",
    "look-up",
    "rows",
    "other storing work",
    "begin and commit",
)
BARE_STAGES = ("read the JSON", "store")


class Timings:
    """Seconds spent in the wrapped store functions during one request, by name (they run in the writer's
    thread; the request waits for them, so nothing else writes meanwhile)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)

    def wrap(self, owner: type, name: str) -> None:
        original = getattr(owner, name)
        spent = self.spent

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - start

        setattr(owner, name, timed)

    def wrap_block(self, owner: type, name: str) -> None:
        """Time a method that returns a context manager: from entering the block to leaving it."""
        original = getattr(owner, name)
        spent = self.spent

        @contextlib.contextmanager
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                with original(*args, **kwargs):
                    yield
            finally:
                spent[name] += time.perf_counter() - start

        setattr(owner, name, timed)


def quizlib_stages(url: str, size: int, statements: int, timings: Timings) -> dict[str, float]:
    """Median µs per statement of each of quizlib's stages, for requests of ``size`` statements."""
    from quizlib.quiz.load import load_course
    from quizlib.results import xapi
    from quizlib.results.ingest import Ingestor
    from quizlib.results.store import Store, UsageLimit, canonical_json
    from quizlib.server.http import decode_json

    store = Store(url)
    store.upgrade()
    try:
        ingestor = Ingestor(load_course(ROOT / "quizzes"), store, "http://127.0.0.1/", own_clock=True)
        trainer = store.add_staff(f"Stages {size}", "trainer", "x")
        cohort = store.add_cohort("Stages", trainer.id)
        per_request = {stage: [] for stage in QUIZLIB_STAGES}
        sent = PER_LEARNER
        requests = max(10, statements // size)
        for i in range(requests + 5):  # the first five warm up: not counted
            if sent + size > PER_LEARNER:
                learner, _ = store.add_learner(cohort.id, "Stages")
                made, sent = Statements(learner.id), 0
            body = made.one() if size == 1 else made.batch(size)
            sent += size
            start = time.perf_counter()
            payload = decode_json(body)
            read = time.perf_counter() - start
            items = payload if isinstance(payload, list) else [payload]
            start = time.perf_counter()
            for item in items:
                xapi.check(item)
            check = time.perf_counter() - start
            start = time.perf_counter()
            for item in items:
                canonical_json(item)
            canonical = time.perf_counter() - start
            start = time.perf_counter()
            scored = ingestor.score(learner, payload)  # checks and makes the canonical JSON itself too
            score = time.perf_counter() - start
            now = datetime.now(UTC)
            # As the server limits a learner (the look-up counts their usage), with limits never reached here.
            limit = UsageLimit(learner.id, len(items), now - timedelta(minutes=1), 10**9, 10**9)
            timings.spent.clear()
            start = time.perf_counter()
            store.add_statements_together(scored.records, limit=limit).result()
            storing = time.perf_counter() - start
            if i < 5:
                continue
            spent = timings.spent
            rows = spent["pipelined"]
            for stage, seconds in (
                ("read the JSON", read),
                ("check", check),
                ("canonical JSON", canonical),
                ("re-score", score - check - canonical),
                ("hand-off", storing - spent["_store_group"]),
                ("look-up", spent["look_up"]),
                ("rows", rows),
                ("other storing work", spent["_store_jobs"] - spent["look_up"] - rows),
                ("begin and commit", spent["_store_group"] - spent["_store_jobs"]),
            ):
                per_request[stage].append(1e6 * seconds / size)
        return {stage: statistics.median(values) for stage, values in per_request.items()}
    finally:
        store.close()


def history_costs(url: str, histories: list[int]) -> dict[int, float]:
    """Median µs to store one answer (with the server's usage limit) for a learner who already has each of
    ``histories`` statements, stored before the limit's minute."""
    from quizlib.quiz.load import load_course
    from quizlib.results.ingest import Ingestor
    from quizlib.results.store import Store, UsageLimit

    store = Store(url)
    store.upgrade()
    try:
        ingestor = Ingestor(load_course(ROOT / "quizzes"), store, "http://127.0.0.1/", own_clock=False)
        cohort = store.add_cohort("History", store.add_staff("History", "trainer", "x").id)
        learner, _ = store.add_learner(cohort.id, "History")
        made, stored, out = Statements(learner.id), 0, {}
        for history in sorted(histories):
            while stored < history:  # in batches, as a phone sends what it kept offline
                n = min(200, history - stored)
                store.add_statements(ingestor.score(learner, json.loads(made.batch(n))).records)
                stored += n
            since = datetime.now(UTC)  # the history is older than the minute the limit counts
            times = []
            for _ in range(50):
                records = ingestor.score(learner, json.loads(made.one())).records
                limit = UsageLimit(learner.id, 1, since, 10**9, 10**9)
                start = time.perf_counter()
                store.add_statements_together(records, limit=limit).result()
                times.append(time.perf_counter() - start)
            stored += 50
            out[history] = 1e6 * statistics.median(times)
        return out
    finally:
        store.close()


def bare_stages(url: str, size: int, statements: int) -> dict[str, float]:
    """Median µs per statement of the bare handler's reading and storing, for requests of ``size``."""
    bare = BareStore(url)
    bare.create_table()
    made = Statements("bare")
    per_request: dict[str, list[float]] = {stage: [] for stage in BARE_STAGES}
    for i in range(max(10, statements // size) + 5):
        body = made.one() if size == 1 else made.batch(size)
        start = time.perf_counter()
        data = json.loads(body)
        read = time.perf_counter() - start
        start = time.perf_counter()
        bare.store(data if isinstance(data, list) else [data])
        store = time.perf_counter() - start
        if i >= 5:
            per_request["read the JSON"].append(1e6 * read / size)
            per_request["store"].append(1e6 * store / size)
    bare.close()
    return {stage: statistics.median(values) for stage, values in per_request.items()}


def table(columns: dict[str, dict[int, dict[str, float]]], stages: tuple[str, ...], title: str) -> None:
    heads = [f"{db}, {size}" for db, by_size in columns.items() for size in by_size]
    print(f"\n{title:34}" + "".join(f" | {h:>16}" for h in heads))
    rows = [*stages, "total"]
    for stage in rows:
        cells = []
        for by_size in columns.values():
            for figures in by_size.values():
                value = sum(figures.values()) if stage == "total" else figures[stage]
                cells.append(f"{value:16,.1f}")
        print(f"  {stage:32}" + "".join(f" | {c}" for c in cells))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=4000, help="statements per size and database")
    parser.add_argument(
        "--history", default="0,1000,5000,20000", help="statements a learner has already, separated by commas"
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--postgres", help="a PostgreSQL server's URL to make databases in (default: a temporary one)")
    args = parser.parse_args(argv)

    from quizlib.results.store import Store, driver

    timings = Timings()
    for owner, name in ((Store, "_store_group"), (Store, "_store_jobs"), (driver.DriverSQL, "look_up")):
        timings.wrap(owner, name)
    timings.wrap_block(driver.DriverSQL, "pipelined")  # the block that writes the rows

    folder = Path(tempfile.mkdtemp(prefix="quizlib-ingest-stages-"))
    databases: dict[str, Callable[[str], str]] = {"SQLite": lambda name: f"sqlite:///{folder}/{name}.sqlite3"}
    stop_postgres = None
    made: list[str] = []  # databases made on a PostgreSQL server
    try:
        if not args.no_postgres:
            server = args.postgres
            if server is None:
                server, stop_postgres = temporary_postgres()

            def on_postgres(name: str) -> str:
                made.append(name)
                return create_database(server, name)

            databases["PostgreSQL"] = on_postgres
        ours: dict[str, dict[int, dict[str, float]]] = {}
        bare: dict[str, dict[int, dict[str, float]]] = {}
        for db, make in databases.items():
            for size in SIZES:
                # The group writer's thread takes the store functions as they are when the store is made:
                # wrapped above, before any store.
                ours.setdefault(db, {})[size] = quizlib_stages(
                    make(f"stages_quizlib_{size}"), size, args.statements, timings
                )
                bare.setdefault(db, {})[size] = bare_stages(make(f"stages_bare_{size}"), size, args.statements)
        print(
            f"ingest stages: µs per statement, median over the requests ({args.statements:,} statements per size; "
            "one process, no HTTP); columns: database, statements per request"
        )
        table(ours, QUIZLIB_STAGES, "quizlib")
        table(bare, BARE_STAGES, "bare handler")
        print("\nquizlib's total over bare's:")
        for db in ours:
            line = ", ".join(
                f"{size} per request {sum(ours[db][size].values()) / sum(bare[db][size].values()):.2f}×"
                for size in SIZES
            )
            print(f"  {db}: {line}")
        histories = [int(h) for h in args.history.split(",")]
        print("\nstoring one answer for a learner with a history (µs, median of 50, through the group writer):")
        for db, make in databases.items():
            costs = history_costs(make("stages_history"), histories)
            print(f"  {db}: " + ", ".join(f"{h:,} before: {us:,.0f}" for h, us in costs.items()))
    finally:
        if stop_postgres:
            stop_postgres()
        elif args.postgres:  # a server of someone's own: its databases made here go
            for name in made:
                drop_database(args.postgres, name)
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
