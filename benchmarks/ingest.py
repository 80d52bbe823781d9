"""Benchmark: answers ingested per second on SQLite, through the real HTTP server (a figure, not a test).

Starts `quizlib serve` on a temporary SQLite file (WAL, synchronous=FULL: every acknowledged answer is on
disk), joins learners, and POSTs *answered* statements the way browsers do:

- one statement per request, from 1 client and from 4 clients at once;
- batches of 50 (what quizlib-sync.js sends after being offline) and of 200 (the server's limit);
- finished quizzes: *completed* statements with every answer of an attempt, which the server re-scores
  and stores with a verdict and a result row per question, one per request and in batches of 50.

Every statement is checked and re-scored by the server. Prints answers per second; asserts nothing.

    .venv/bin/python benchmarks/ingest.py [--single 1000] [--batched 20000] [--finished 500]
"""

from __future__ import annotations

import argparse
import http.client
import json
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from right_answers import right_attempt

from quizlib.quiz.load import load_course
from quizlib.results import xapi
from quizlib.results.store import Store

QUIZ = "sensitivity"
PER_LEARNER = 500  # statements sent for one learner (the server's limit is 600 a minute each)


def statements(who: dict, course, n: int) -> list[dict]:
    quiz = course.quiz(QUIZ)
    choices = [q for q in quiz.questions if q.kind == "single_choice"]
    now = datetime.now(UTC)
    out = []
    for i in range(n):
        q = choices[i % len(choices)]
        option = q.options[i % len(q.options)]
        out.append(
            xapi.answered(
                statement_id=str(uuid.uuid4()),
                actor=xapi.agent(who["learner_id"], who["home_page"]),
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
        )
    return out


def finished_quizzes(who: dict, course, n: int) -> list[list[dict]]:
    """``n`` whole attempts at the quiz, every answer right at the first try: each its answered statements, then
    its completed one (which the server scores over the answers it recorded for the attempt)."""
    quiz = course.quiz(QUIZ)
    actor = xapi.agent(who["learner_id"], who["home_page"])
    return [right_attempt(quiz, actor) for _ in range(n)]


class Client:
    """A keep-alive HTTP client that, like a browser, sends each request in one write (http.client joins
    headers and body; a client that writes them separately meets Nagle's algorithm and delayed ACKs, 40 ms a
    request, and measures that instead of the server)."""

    def __init__(self, base: str):
        u = urlsplit(base)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        self.headers = {"Content-Type": "application/json"}

    def post(self, path: str, body) -> dict:
        self.conn.request("POST", "/" + path, body=json.dumps(body).encode(), headers=self.headers)
        r = self.conn.getresponse()
        data = r.read()
        if r.status >= 300:
            raise RuntimeError(f"{r.status}: {data[:300]!r}")
        return json.loads(data)

    def close(self) -> None:
        self.conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--single", type=int, default=1000, help="statements sent one per request (default 1000)")
    parser.add_argument("--batched", type=int, default=20000, help="statements sent in batches (default 20000)")
    parser.add_argument("--finished", type=int, default=500, help="finished quizzes sent (default 500)")
    args = parser.parse_args()
    course = load_course(ROOT / "quizzes")
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "book"
        book.mkdir()
        (book / "index.html").write_text("<!doctype html><title>book</title>")
        url = f"sqlite:///{tmp}/bench.sqlite3"
        quizlib = str(Path(sys.executable).with_name("quizlib"))
        proc = subprocess.Popen(
            [quizlib, "serve", "--book", str(book), "--database", url, "--port", "0", "--course", str(ROOT)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            line = proc.stdout.readline()
            base = line.split("serving the course at ", 1)[1].split()[0]
            store = Store(url)
            cohort = store.add_cohort("Bench", store.add_staff("Bench", "trainer", "x").id)

            def learner(client: Client) -> dict:
                return client.post("api/v1/join", {"code": cohort.code, "display_name": "Bench"})

            def run(label: str, n: int, batch: int, clients: int, make=statements) -> None:
                per_client = n // clients
                work = []
                for _ in range(clients):
                    c = Client(base)
                    # The server stores at most 600 statements a minute for one learner (a clear 429 beyond):
                    # each client sends for a new learner every 500.
                    shares = []
                    for start in range(0, per_client, PER_LEARNER):
                        who = learner(c)
                        shares.append((who, make(who, course, min(PER_LEARNER, per_client - start))))
                    work.append((c, shares))
                before = store.count_statements()

                def send(c: Client, shares: list[tuple[dict, list]]) -> None:
                    for who, items in shares:
                        c.headers["Authorization"] = f"Bearer {who['token']}"
                        for i in range(0, len(items), batch):
                            chunk = items[i : i + batch]
                            if make is finished_quizzes:  # whole attempts: their statements in one request
                                c.post("api/v1/statements", [s for attempt in chunk for s in attempt])
                            else:
                                c.post("api/v1/statements", chunk[0] if batch == 1 else chunk)

                threads = [threading.Thread(target=send, args=w) for w in work]
                start = time.perf_counter()
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                elapsed = time.perf_counter() - start
                sent = per_client * clients
                stored = store.count_statements() - before
                # A finished quiz is its answers, its completed statement and the server's verdict.
                per_quiz = len(course.quiz(QUIZ).questions) + 2
                assert stored == sent * (per_quiz if make is finished_quizzes else 1), (stored, sent)
                for c, _ in work:
                    c.close()
                what = "quizzes" if make is finished_quizzes else "answers"
                print(f"{label:42} {sent:7d} {what} in {elapsed:6.2f} s = {sent / elapsed:8.0f} {what}/s")

            print(f"quizlib ingest benchmark: SQLite (WAL, synchronous=FULL), server {base}")
            run("one per request, 1 client", args.single, 1, 1)
            run("one per request, 4 clients at once", args.single, 1, 4)
            run("batches of 50, 1 client", args.batched, 50, 1)
            run("batches of 200, 1 client", args.batched, 200, 1)
            run("batches of 50, 4 clients at once", args.batched, 50, 4)
            quiz = course.quiz(QUIZ)
            print(
                f"finished quizzes ({QUIZ}: {len(quiz.questions)} answers and the completed statement, "
                "scored and stored per question):"
            )
            run("finished quizzes, one per request", args.finished, 1, 1, finished_quizzes)
            run("finished quizzes, 10 per request", args.finished * 4, 10, 1, finished_quizzes)
            store.close()
        finally:
            proc.terminate()
            proc.wait(timeout=20)


if __name__ == "__main__":
    main()
