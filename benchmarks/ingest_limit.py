"""Benchmark: quizlib's ingest beside the machine's limit and beside Ralph LRS, in one run, as ratios.

Each *server* below is started as its own process on 127.0.0.1 and sent the same *answered* statements (the
sensitivity quiz's single-choice questions, a new id each) in four workloads: one statement per request from
1 client and from 4 clients at once, and batches of 50 and of 200 from 1 client. Each workload runs for
``--seconds`` against each server in turn, the order of the servers rotated from round to round, for
``--rounds`` rounds; the figure is statements acknowledged per second (median and range over the rounds).

- **bare (SQLite)** — the practical limit: a Starlette app under the same uvicorn as ``quizlib serve``
  (uvloop, httptools) that parses the body and stores each statement as it came, one INSERT per statement
  and one COMMIT per request before answering, in WAL with ``synchronous=FULL`` (quizlib's settings). No
  checking, no scoring, no limits, nothing else.
- **quizlib (SQLite)** — ``quizlib serve`` on a temporary SQLite file: every statement checked, re-scored,
  stored with its outbox row, committed before the answer.
- **bare (PostgreSQL)** and **quizlib (PostgreSQL)** — the same on a temporary PostgreSQL server made with
  Debian's binaries (``--no-postgres`` skips them, ``--postgres URL`` uses an existing server's database).
- **Ralph** — Ralph LRS 5.1 with its file-system backend (``tests/ralph_lrs.py``: its own venv,
  ``.venv-ralph``, made on first use), empty, and **Ralph 20k** with 20,000 statements stored before the
  first round. Ralph 5.1's file backend writes with CREATE, which refuses every write after the first; the
  benchmark starts it through ``tests/data/ralph_serve.py``, which makes that write an APPEND at launch (Ralph's
  installed files are not edited). ``--no-ralph`` skips Ralph.

A learner may store 600 statements a minute on quizlib: the benchmark sends for a fresh learner (made in the
database beforehand) every 500 statements. Prints the table and, per workload, quizlib's rate over bare's and
over Ralph's; asserts nothing.

    .venv/bin/python benchmarks/ingest_limit.py                      # 5 rounds of 3 s, SQLite, PostgreSQL, Ralph
    .venv/bin/python benchmarks/ingest_limit.py --rounds 1 --seconds 0.5 --no-ralph --no-postgres   # smoke
    .venv/bin/python benchmarks/ingest_limit.py --quizlib-src /path/to/older/src   # an older quizlib, same test
"""

from __future__ import annotations

import argparse
import base64
import functools
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))  # ralph_lrs, server_fixtures: Ralph and PostgreSQL as the tests start them
sys.path.insert(0, str(ROOT / "benchmarks"))

WORKLOADS = {  # name: (statements per request, clients)
    "single, 1 client": (1, 1),
    "single, 4 clients": (1, 4),
    "batches of 50": (50, 1),
    "batches of 200": (200, 1),
}
REFERENCES = {"single, 1 client": 0.7, "single, 4 clients": 0.7, "batches of 50": 0.5, "batches of 200": 0.5}
PER_LEARNER = 500  # statements sent for one learner (quizlib stores at most 600 a minute for one)
QUIZ = "sensitivity"
RALPH_PRESTORED = 20_000


# -- the bare handler: the practical limit ----------------------------------------------------------------


class BareStore:
    """The bare handler's storing, on one connection: each statement as it came (its id and its JSON text),
    one INSERT per statement and one COMMIT per call, in WAL with ``synchronous=FULL`` on SQLite."""

    def __init__(self, url: str):
        self.postgres = url.startswith("postgresql")
        if self.postgres:
            import psycopg

            self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        else:
            import sqlite3

            self.conn = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30, isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")

    def create_table(self) -> None:
        self.conn.execute("CREATE TABLE IF NOT EXISTS bare (id VARCHAR(36) PRIMARY KEY, body TEXT)")
        if self.postgres:
            self.conn.commit()

    def close(self) -> None:
        self.conn.close()

    def store(self, items: list) -> list[str]:
        rows = [(s["id"], json.dumps(s)) for s in items]
        if self.postgres:
            with self.conn.cursor() as cur:
                cur.executemany("INSERT INTO bare (id, body) VALUES (%s, %s)", rows)
            self.conn.commit()
        else:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.executemany("INSERT INTO bare (id, body) VALUES (?, ?)", rows)
            self.conn.execute("COMMIT")
        return [r[0] for r in rows]


def bare_app(url: str):
    """A Starlette app that stores each statement of a request as it came and commits before answering."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    local = threading.local()

    def store(items: list) -> list[str]:
        bare = getattr(local, "store", None)
        if bare is None:
            bare = local.store = BareStore(url)
        return bare.store(items)

    async def statements(request: Request) -> JSONResponse:
        data = json.loads(await request.body())
        # The database in a worker thread, as in quizlib: the event loop never waits on a commit.
        return JSONResponse(await run_in_threadpool(store, data if isinstance(data, list) else [data]))

    made = BareStore(url)
    made.create_table()
    made.close()
    return Starlette(routes=[Route("/api/v1/statements", statements, methods=["POST"])])


def serve_bare(url: str) -> None:
    import socket

    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    print(f"serving at http://127.0.0.1:{sock.getsockname()[1]}/", flush=True)
    config = uvicorn.Config(bare_app(url), log_level="warning", access_log=False, ws="none")
    uvicorn.Server(config).run(sockets=[sock])


# -- servers ---------------------------------------------------------------------------------------------


class Process:
    """A server process that prints ``... at URL`` on its first line."""

    def __init__(self, cmd: list[str], env: dict | None = None):
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
        line = self.proc.stdout.readline()
        if " at " not in line:
            self.proc.kill()
            raise SystemExit(f"{cmd[0]} did not start: {line!r}")
        self.url = line.split(" at ", 1)[1].split()[0]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)
        self.proc.stdout.close()


class Target:
    """One server under test: how to reach it, and who to send as."""

    def __init__(self, name: str, url: str, stop: Callable[[], None], path: str = "api/v1/statements"):
        self.name, self.url, self.stop_server, self.path = name, url, stop, path
        self.auth: str | None = None  # a fixed Authorization header (Ralph)
        self.reset: Callable[[], object] = lambda: None  # before each measurement
        self.pid: int | None = None  # the server's process, whose CPU time is measured
        self.learners: Callable[[int], list[tuple[str, str]]] = lambda n: [("bench", "")] * n

    def stop(self) -> None:
        self.stop_server()


def quizlib_target(name: str, url: str, book: Path, src: str | None) -> Target:
    from quizlib.results.store import Store

    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    quizlib = str(Path(sys.executable).with_name("quizlib"))
    # The server makes the schema (its own, for an older --quizlib-src), then the benchmark adds its people.
    proc = Process(
        [quizlib, "serve", "--book", str(book), "--database", url, "--port", "0", "--course", str(ROOT)], env
    )
    store = Store(url)
    trainer = store.add_staff(f"Bench {uuid.uuid4().hex[:8]}", "trainer", "x")
    cohort = store.add_cohort("Bench", trainer.id)

    def learners(n: int) -> list[tuple[str, str]]:
        made = [store.add_learner(cohort.id, "Bench") for _ in range(n)]
        return [(learner.id, f"Bearer {token}") for learner, token in made]

    def stop() -> None:
        proc.stop()
        store.close()

    target = Target(name, proc.url, stop)
    target.learners = learners
    target.pid = proc.proc.pid
    return target


def bare_target(name: str, url: str) -> Target:
    proc = Process([sys.executable, __file__, "--bare-server", url])
    target = Target(name, proc.url, proc.stop)
    target.pid = proc.proc.pid
    return target


def ralph_targets(folder: Path) -> list[Target]:
    """Ralph empty, and Ralph with 20,000 statements: before each measurement its file is put back as it was
    (its file backend reads the whole file on every request, so what earlier measurements stored would slow
    the next ones)."""
    from ralph_lrs import RalphLRS

    out = []
    for name, prestored in (("Ralph", 0), ("Ralph 20k", RALPH_PRESTORED)):
        lrs = RalphLRS(folder / name.replace(" ", "-")).start()
        target = Target(name, f"http://127.0.0.1:{lrs.port}/", lrs.stop, path="xAPI/statements")
        target.auth = "Basic " + base64.b64encode(f"{lrs.user}:{lrs.password}".encode()).decode()
        if prestored:
            client = Client(target.url)
            made = Statements("prestored")
            for _ in range(0, prestored, 1000):
                client.post(target.path, made.batch(1000), target.auth, 1000)
            client.close()
        target.pid = lrs.proc.pid if lrs.proc else None
        kept = lrs.file.read_bytes() if lrs.file.exists() else b""
        target.reset = functools.partial(lrs.file.write_bytes, kept)
        out.append(target)
    return out


# -- what is sent ----------------------------------------------------------------------------------------


class Statements:
    """Answered statements for one learner, made from templates (only the id changes: making them must cost
    the client next to nothing, or it measures itself)."""

    templates: ClassVar[list[bytes]] = []

    def __init__(self, learner_id: str):
        if not Statements.templates:
            Statements.templates = _templates()
        self.parts = [t.replace(b"__LEARNER__", learner_id.encode()).split(b"__ID__") for t in self.templates]
        self.i = 0

    def one(self) -> bytes:
        head, tail = self.parts[self.i % len(self.parts)]
        self.i += 1
        return head + str(uuid.uuid4()).encode() + tail

    def batch(self, n: int) -> bytes:
        return b"[" + b",".join(self.one() for _ in range(n)) + b"]"


def _templates() -> list[bytes]:
    from quizlib.quiz.load import load_course
    from quizlib.results import xapi

    quiz = load_course(ROOT / "quizzes").quiz(QUIZ)
    now = datetime.now(UTC)
    out = []
    for q in (q for q in quiz.questions if q.kind == "single_choice"):
        for option in q.options:
            statement = xapi.answered(
                statement_id="__ID__",
                actor=xapi.agent("__LEARNER__", "http://127.0.0.1/"),
                quiz_id=quiz.id,
                chapter=quiz.chapter,
                question_id=q.id,
                kind=q.kind,
                prompt=q.prompt,
                response=option.id,
                try_number=1,
                attempt_id=str(uuid.uuid4()),
                credit=0,
                correct=False,
                final=True,
                when=now,
            )
            out.append(json.dumps(statement).encode())
    return out


class Client:
    """A keep-alive HTTP client that sends each request in one write, as a browser does."""

    def __init__(self, base: str):
        u = urlsplit(base)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=600)

    def post(self, path: str, body: bytes, auth: str | None, expect: int) -> int:
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = auth
        self.conn.request("POST", "/" + path, body=body, headers=headers)
        r = self.conn.getresponse()
        data = r.read()
        if r.status >= 300:
            raise RuntimeError(f"{r.status}: {data[:300]!r}")
        return expect

    def close(self) -> None:
        self.conn.close()


def cpu_seconds(pid: int | None) -> float:
    """CPU time (user and system) a process has used so far, from /proc (0 where it cannot be read)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid: int | None) -> float:
    """A process's peak resident memory so far (VmHWM in /proc; 0 where it cannot be read)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def measure(target: Target, per_request: int, clients: int, seconds: float) -> tuple[float, float]:
    """Statements acknowledged per second, and the server's CPU milliseconds per statement: ``clients``
    threads send for ``seconds``, then finish what they sent."""
    target.reset()
    # Fresh learners made beforehand for 5,000 statements a second, each used for PER_LEARNER statements at
    # most; a client that uses them up makes more as it goes.
    need = max(2, int(5_000 * seconds / PER_LEARNER) + 1)
    pools = [target.learners(need // clients + 1) for _ in range(clients)]
    counts = [0] * clients
    ready = threading.Barrier(clients + 1)
    end = [0.0]

    def work(k: int) -> None:
        client = Client(target.url)
        mine: list[tuple[str, str]] = pools[k]
        sent = PER_LEARNER
        ready.wait()
        while time.perf_counter() < end[0]:
            if sent + per_request > PER_LEARNER:
                if not mine:
                    mine.extend(target.learners(10))
                learner_id, auth = mine.pop()
                made, sent = Statements(learner_id), 0
            body = made.one() if per_request == 1 else made.batch(per_request)
            counts[k] += client.post(target.path, body, target.auth or auth, per_request)
            sent += per_request
        client.close()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    cpu = cpu_seconds(target.pid)
    start = time.perf_counter()
    end[0] = start + seconds
    ready.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    n = max(1, sum(counts))
    return sum(counts) / elapsed, 1000 * (cpu_seconds(target.pid) - cpu) / n


# -- the run ---------------------------------------------------------------------------------------------


def temporary_postgres() -> tuple[str, Callable[[], None]]:
    from kill9 import temporary_postgres as make

    return make()


def create_database(server_url: str, name: str) -> str:
    """A new empty database ``name`` on the PostgreSQL server of ``server_url`` (made again if it was there)."""
    base = _on_server(server_url, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    return base.rsplit("/", 1)[0] + "/" + name


def drop_database(server_url: str, name: str) -> None:
    """Drop the database ``name`` from the PostgreSQL server of ``server_url``, if it is there."""
    _on_server(server_url, f'DROP DATABASE IF EXISTS "{name}"')


def _on_server(server_url: str, *commands: str) -> str:
    """Run ``commands`` (outside a transaction) on the server of ``server_url``; its plain ``postgresql://`` URL."""
    import psycopg

    base = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(base, autocommit=True) as c:
        for command in commands:
            c.execute(command)
    return base


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0, help="how long each workload runs on each server")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--postgres", help="a PostgreSQL server's URL to make databases in (default: a temporary one)")
    parser.add_argument("--no-ralph", action="store_true")
    parser.add_argument("--quizlib-src", help="run `quizlib serve` from this src folder (an older quizlib)")
    parser.add_argument("--only", help="workloads to run, separated by semicolons (default: all)")
    parser.add_argument("--bare-server", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bare_server:
        serve_bare(args.bare_server)
        return 0

    folder = Path(tempfile.mkdtemp(prefix="quizlib-ingest-limit-"))
    book = folder / "book"
    book.mkdir()
    (book / "index.html").write_text("<!doctype html><title>book</title>")
    targets: list[Target] = []
    stop_postgres = None
    try:
        targets.append(bare_target("bare (SQLite)", f"sqlite:///{folder}/bare.sqlite3"))
        targets.append(
            quizlib_target("quizlib (SQLite)", f"sqlite:///{folder}/quizlib.sqlite3", book, args.quizlib_src)
        )
        if not args.no_postgres:
            server = args.postgres
            if server is None:
                server, stop_postgres = temporary_postgres()
            targets.append(bare_target("bare (PostgreSQL)", create_database(server, "bench_bare")))
            targets.append(
                quizlib_target("quizlib (PostgreSQL)", create_database(server, "bench_quizlib"), book, args.quizlib_src)
            )
        if not args.no_ralph:
            targets += ralph_targets(folder)
        workloads = {
            k: v for k, v in WORKLOADS.items() if not args.only or k in [w.strip() for w in args.only.split(";")]
        }
        figures: dict[tuple[str, str], list[float]] = {}
        cpu: dict[tuple[str, str], list[float]] = {}
        print(
            f"ingest: {args.rounds} rounds of {args.seconds:g} s per workload and server, order rotated "
            f"(statements acknowledged per second)",
            flush=True,
        )
        for r in range(args.rounds):
            order = targets[r % len(targets) :] + targets[: r % len(targets)]
            for workload, (per_request, clients) in workloads.items():
                for t in order:
                    rate, ms = measure(t, per_request, clients, args.seconds)
                    figures.setdefault((workload, t.name), []).append(rate)
                    cpu.setdefault((workload, t.name), []).append(ms)
            print(f"  round {r + 1} of {args.rounds} done", file=sys.stderr, flush=True)
        report(figures, cpu, targets, workloads)
        print("\nservers' peak resident memory over the run (VmHWM):")
        for t in targets:
            print(f"  {t.name:28} {peak_rss_mib(t.pid):8,.0f} MiB")
    finally:
        for t in targets:
            t.stop()
        if stop_postgres:
            stop_postgres()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def report(figures: dict, cpu: dict, targets: list[Target], workloads: dict) -> None:
    def cell(values: list[float], digits: int = 1) -> str:
        return f"{statistics.median(values):9,.{digits}f} ({min(values):,.{digits}f}–{max(values):,.{digits}f})"

    names = [t.name for t in targets]
    print(f"\n{'statements/s, median (range)':28}" + "".join(f" | {n:>30}" for n in names))
    for workload in workloads:
        print(f"{workload:28}" + "".join(f" | {cell(figures[(workload, n)]):>30}" for n in names))
    print(f"\n{'server CPU ms per statement':28}" + "".join(f" | {n:>30}" for n in names))
    for workload in workloads:
        print(f"{workload:28}" + "".join(f" | {cell(cpu[(workload, n)], 3):>30}" for n in names))
    print("\nratios (median of the rounds' ratios; each round's servers ran back to back):")
    pairs = [(q, b) for q in names if q.startswith("quizlib") for b in names if b.startswith("bare") and b[4:] == q[7:]]
    pairs += [(q, r) for q in names if q.startswith("quizlib") for r in names if r.startswith("Ralph")]
    for workload in workloads:
        parts = []
        for q, b in pairs:
            ratios = [x / y for x, y in zip(figures[(workload, q)], figures[(workload, b)]) if y]
            reference = f" (reference ≥ {REFERENCES[workload]}×)" if b.startswith("bare") else ""
            parts.append(
                f"{q} / {b}: {statistics.median(ratios):.2f}× [{min(ratios):.2f}–{max(ratios):.2f}]{reference}"
            )
            if b.startswith("bare"):
                # The same as times: what a statement took at each rate, and what the reference allows.
                bare_us, ours_us = (1e6 / statistics.median(figures[(workload, n)]) for n in (b, q))
                parts.append(
                    f"  a statement every {ours_us:,.0f} µs against bare's {bare_us:,.0f} µs; the reference "
                    f"allows {bare_us / REFERENCES[workload]:,.0f} µs, {bare_us / REFERENCES[workload] - bare_us:,.0f} "
                    "µs more than bare's"
                )
        print(f"  {workload}:")
        for p in parts:
            print(f"    {p}")


if __name__ == "__main__":
    sys.exit(main())
