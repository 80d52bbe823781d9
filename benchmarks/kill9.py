"""Durability: `kill -9` of a loaded `quizlib serve`, again and again, on SQLite and PostgreSQL (a figure).

For each database: starts `quizlib serve`, lets ``--clients`` learners send answers and finished quizzes one
statement per request as fast as they can, and every ``--every`` seconds kills the server with SIGKILL (no
shutdown code runs) and starts it again on the same port, ``--cycles`` times. A client counts a statement as
acknowledged only on a 200; anything else (a refused connection, a reset) it sends again later.

Then, with the server up once more: how many acknowledged statements are missing (lost), and, after sending
every acknowledged statement once more, how many were stored twice and how many finished attempts have two
result rows; and how many learners' kept counts of their statements (``learners.statements_stored``) differ
from a count of them.

PostgreSQL: a temporary server is made with Debian's binaries (as the tests do); ``--postgres URL`` uses an
existing empty database instead, ``--no-postgres`` skips it.

    .venv/bin/python benchmarks/kill9.py [--cycles 8] [--every 2.5] [--clients 4]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from right_answers import right_attempt

from quizlib.quiz.load import load_course
from quizlib.results import xapi
from quizlib.results.store import Store

QUIZLIB = str(Path(sys.executable).with_name("quizlib"))
QUIZ = "sensitivity"


class Server:
    def __init__(self, book: Path, database: str):
        self.book, self.database = book, database
        self.port = 0
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        cmd = [QUIZLIB, "serve", "--book", str(self.book), "--database", self.database, "--port", str(self.port)]
        self.proc = subprocess.Popen(
            [*cmd, "--course", str(ROOT)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        line = self.proc.stdout.readline()
        self.url = line.split("serving the course at ", 1)[1].split()[0]
        self.port = int(self.url.rstrip("/").rsplit(":", 1)[1])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "api/v1/config", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise SystemExit("quizlib serve did not come back")

    def kill9(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.proc.stdout.close()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
            self.proc.stdout.close()


def attempt_statements(course, who: dict) -> list[dict]:
    """One attempt at the quiz: an answer to each question, then the finished quiz."""
    return right_attempt(course.quiz(QUIZ), xapi.agent(who["learner_id"], who["home_page"]))


def run(name: str, database: str, course, args) -> str:
    """The figures of ``--cycles`` kills on ``database``, its server's book in a temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="quizlib-kill9-"))
    try:
        return _run(folder, name, database, course, args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run(folder: Path, name: str, database: str, course, args) -> str:
    book = folder / "book"
    book.mkdir()
    (book / "index.html").write_text("<!doctype html><html lang='en'><title>Book</title><p>Book</p></html>")
    store = Store(database)
    store.upgrade()
    cohort = store.add_cohort("Spring", store.add_staff("Tess", "trainer", "x").id)
    server = Server(book, database)
    server.start()
    # Each client sends for several learners in turn, so none goes over the per-learner rate limit.
    learners = [
        httpx.post(server.url + "api/v1/join", json={"code": cohort.code, "display_name": f"L{i}"}).json()
        for i in range(args.clients * 8)
    ]
    acknowledged: dict[str, dict] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def client(mine: list[dict]) -> None:
        waiting: list[dict] = []
        turn = 0
        with httpx.Client(timeout=10) as c:
            while not stop.is_set():
                if not waiting:
                    who = mine[turn % len(mine)]
                    turn += 1
                    headers = {"Authorization": f"Bearer {who['token']}"}
                    waiting = attempt_statements(course, who)
                s = waiting[0]
                try:
                    r = c.post(server.url + "api/v1/statements", json=s, headers=headers)
                except httpx.TransportError:
                    time.sleep(0.05)  # the server is down: send it again when it is back
                    continue
                if r.status_code == 200:
                    with lock:
                        acknowledged[s["id"]] = s
                    waiting.pop(0)
                elif r.status_code == 429:
                    time.sleep(1)
                else:
                    raise SystemExit(f"unexpected answer {r.status_code}: {r.text[:200]}")

    threads = [
        threading.Thread(target=client, args=(learners[i :: args.clients],), daemon=True) for i in range(args.clients)
    ]
    for t in threads:
        t.start()
    rng = random.Random(9)
    for _ in range(args.cycles):
        time.sleep(args.every * (0.5 + rng.random()))
        server.kill9()
        server.start()
    time.sleep(args.every)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    acked = dict(acknowledged)
    found = store.statement_ids(acked)
    lost = len(acked) - len(found)
    before = store.count_statements()
    with lock, httpx.Client(timeout=30) as c:
        by_learner = {who["learner_id"]: who for who in learners}
        for s in acked.values():
            who = by_learner[s["actor"]["account"]["name"]]
            r = c.post(server.url + "api/v1/statements", json=s, headers={"Authorization": f"Bearer {who['token']}"})
            assert r.status_code == 200, r.text
    doubled = store.count_statements() - before
    with store.engine.connect() as conn:
        duplicates = conn.exec_driver_sql(
            "SELECT count(*) FROM (SELECT attempt_id FROM attempt_results GROUP BY attempt_id HAVING count(*) > 1) d"
        ).scalar()
        # Each learner's kept count of statements, written in the transactions the kills cut short.
        miscounted = conn.exec_driver_sql(
            "SELECT count(*) FROM learners WHERE statements_stored <> "
            "(SELECT count(*) FROM statements WHERE statements.learner_id = learners.id)"
        ).scalar()
    completed = sum(1 for s in acked.values() if s["verb"]["id"].endswith("completed"))
    server.stop()
    store.close()
    return (
        f"{name}: {args.cycles} kill -9 cycles under load ({args.clients} clients): {len(acked):,} acknowledged "
        f"({completed:,} finished quizzes), {lost:,} lost; every one sent again: {doubled:,} doubled, "
        f"{duplicates:,} duplicate attempt results; {miscounted:,} learners whose kept count differs from their "
        "statements"
    )


def temporary_postgres():
    from server_fixtures import _as_postgres, _pg_bin, free_port

    bin_dir = _pg_bin()
    folder = Path(tempfile.mkdtemp(prefix="quizlib-kill9-pg-"))
    if os.geteuid() == 0:
        import pwd

        pg = pwd.getpwnam("postgres")
        os.chown(folder, pg.pw_uid, pg.pw_gid)
    data = folder / "data"
    subprocess.run(
        _as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]),
        check=True,
        capture_output=True,
    )
    port = free_port()
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
    subprocess.run(
        _as_postgres(
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"]
        ),
        check=True,
        capture_output=True,
    )

    def stop():
        subprocess.run(
            _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)  # its data: a benchmark's, gigabytes after a long run

    return f"postgresql://postgres@127.0.0.1:{port}/postgres", stop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=8)
    parser.add_argument("--every", type=float, default=2.5, help="seconds between kills, on average")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--postgres", help="an empty PostgreSQL database to use instead of a temporary server")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    course = load_course(ROOT / "quizzes")
    folder = Path(tempfile.mkdtemp(prefix="quizlib-kill9-"))
    try:
        print(run("SQLite", f"sqlite:///{folder / 'course.sqlite3'}", course, args), flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if not args.no_postgres:
        if args.postgres:
            print(run("PostgreSQL", args.postgres, course, args), flush=True)
        else:
            url, stop = temporary_postgres()
            try:
                print(run("PostgreSQL", url, course, args), flush=True)
            finally:
                stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
