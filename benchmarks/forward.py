"""Benchmark: statements forwarded per second to a real LRS, Ralph (a figure, not a test).

Stores answers in a temporary SQLite file as the server does (each queued in the outbox with it), starts
Ralph 5.1 on 127.0.0.1 with its file-system backend (tests/ralph_lrs.py; its venv, .venv-ralph, is made on
first use), and forwards the outbox with quizlib.results.forward until it is empty, once per batch size, each
time into a fresh Ralph. For comparison it also forwards to a bare HTTP server on 127.0.0.1 that answers 204
at once, which shows quizlib's own share of the time. Prints statements per second; asserts nothing.

Ralph's file-system backend reads its whole file on every POST (to find ids it already holds), so its rate
falls as it fills; a production LRS (Ralph on Elasticsearch or ClickHouse, Learning Locker, ...) does not.

    .venv/bin/python benchmarks/forward.py [--statements 2000] [--batch-sizes 10,50,200]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))  # ralph_lrs: Ralph, set up and started as the tests do

from ralph_lrs import RalphLRS
from right_answers import right_answer

from quizlib.quiz.load import load_course
from quizlib.results import xapi
from quizlib.results.forward import Destination, Forwarder, Settings
from quizlib.results.ingest import Ingestor
from quizlib.results.store import Store

HOME = "http://127.0.0.1:8000/"


def fill(store: Store, course, n: int) -> None:
    trainer = store.add_staff("Tess", "trainer", "x")
    cohort = store.add_cohort("Bench", trainer.id)
    quiz = course.quiz("sensitivity")
    learners = [store.add_learner(cohort.id, f"Learner {i}")[0] for i in range(10)]
    ingestor = Ingestor(course, store, HOME)
    for start in range(0, n, 200):
        learner = learners[(start // 200) % len(learners)]
        batch = []
        for i in range(start, min(n, start + 200)):
            q = quiz.questions[i % len(quiz.questions)]
            batch.append(right_answer(quiz, q, xapi.agent(learner.id, HOME)))
        ingestor.accept(learner, batch)


class Quick(BaseHTTPRequestHandler):
    """Reads the batch and answers 204: the fastest an LRS could be."""

    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def run(course, n: int, batch: int, endpoint: str, user: str | None, password: str | None, folder: Path) -> float:
    store = Store(f"sqlite:///{folder / f'course-{uuid.uuid4().hex[:6]}.sqlite3'}")
    store.upgrade()
    fill(store, course, n)
    forwarder = Forwarder(store, Destination.parse(endpoint, user, password), Settings(batch_size=batch))
    started = time.perf_counter()
    sent = forwarder.drain(timeout=3600)
    seconds = time.perf_counter() - started
    state = store.outbox.state()
    store.close()
    if sent != n or state.pending or state.refused or state.failures:
        raise SystemExit(f"forwarding did not finish: sent {sent} of {n}; {state}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=2000, help="answers to forward (default: 2000)")
    parser.add_argument("--batch-sizes", default="50", help="comma-separated batch sizes (default: 50)")
    args = parser.parse_args()
    n = args.statements
    sizes = [int(b) for b in args.batch_sizes.split(",")]
    course = load_course(ROOT / "quizzes")
    with tempfile.TemporaryDirectory(prefix="quizlib-forward-bench-") as tmp:
        folder = Path(tmp)
        quick = ThreadingHTTPServer(("127.0.0.1", 0), Quick)
        threading.Thread(target=quick.serve_forever, daemon=True).start()
        for batch in sizes:
            seconds = run(course, n, batch, f"http://127.0.0.1:{quick.server_address[1]}/xAPI/", None, None, folder)
            print(
                f"to an LRS that answers at once, batches of {batch:>3}: {n:,} statements in {seconds:6.2f} s, "
                f"{n / seconds:8,.0f} statements/s"
            )
        quick.shutdown()
        for batch in sizes:
            ralph = RalphLRS(folder / f"ralph-{batch}").start()
            try:
                seconds = run(course, n, batch, ralph.endpoint, ralph.user, ralph.password, folder)
            finally:
                ralph.stop()
            print(
                f"to Ralph 5.1 (file backend),  batches of {batch:>3}: {n:,} statements in {seconds:6.2f} s, "
                f"{n / seconds:8,.0f} statements/s"
            )


if __name__ == "__main__":
    main()
