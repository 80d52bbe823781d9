"""Benchmark: a course lead's export of one learner's data, from a real `quizlib serve` (a figure, not a test).

Stores ``--statements`` statements for one learner (through the ingest path, directly into a temporary
SQLite file), then asks the server for the export once, and then four times at once, and prints how long
each took, the server's peak resident memory, and what it kept afterwards.

    .venv/bin/python benchmarks/export.py [--statements 7294]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from right_answers import right_answer

from quizlib.quiz.load import load_course
from quizlib.results import xapi
from quizlib.results.ingest import Ingestor
from quizlib.results.store import Store
from quizlib.results.store.passwords import hash_password

QUIZLIB = str(Path(sys.executable).with_name("quizlib"))
PASSWORD = "an unusual export benchmark passphrase 7"


def rss_mb(pid: int, field: str) -> float:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":")) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=7294)
    args = parser.parse_args()
    course = load_course(ROOT / "quizzes")
    folder = Path(tempfile.mkdtemp(prefix="quizlib-export-"))
    book = folder / "book"
    book.mkdir()
    (book / "index.html").write_text("<!doctype html><html lang='en'><title>Book</title><p>Book</p></html>")
    url = f"sqlite:///{folder / 'course.sqlite3'}"
    store = Store(url)
    store.upgrade()
    store.add_staff("Lee Lead", "lead", hash_password(PASSWORD), must_change_password=False)
    cohort = store.add_cohort("Spring", store.add_staff("Tess", "trainer", "x").id)
    learner, _ = store.add_learner(cohort.id, "Bea")
    home = "http://127.0.0.1/"
    ingestor = Ingestor(course, store, home)
    quiz = course.quiz("sensitivity")
    left = args.statements
    while left > 0:
        batch = []
        for i in range(min(200, left)):
            q = quiz.questions[i % len(quiz.questions)]
            batch.append(right_answer(quiz, q, xapi.agent(learner.id, home)))
        store.add_statements(ingestor.score(learner, batch).records)
        left -= len(batch)
    proc = subprocess.Popen(
        [QUIZLIB, "serve", "--book", str(book), "--database", url, "--port", "0", "--course", str(ROOT)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        server = proc.stdout.readline().split("serving the course at ", 1)[1].split()[0]
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(server + "api/v1/config", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

        def signed_in() -> httpx.Client:
            c = httpx.Client(base_url=server, timeout=120)
            csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("signin").text).group(1)
            assert c.post("signin", data={"csrf": csrf, "name": "Lee Lead", "password": PASSWORD}).status_code == 303
            return c

        clients = [signed_in() for _ in range(4)]
        time.sleep(0.5)
        # Signing in took 64 MiB for a moment (argon2id): start the peak afresh, from the memory in use now.
        with open(f"/proc/{proc.pid}/clear_refs", "w") as f:
            f.write("5")
        base = rss_mb(proc.pid, "VmRSS")
        sizes: list[int] = []

        def export(c: httpx.Client) -> None:
            with c.stream("GET", f"lead/learners/{learner.id}/export.json") as r:
                sizes.append(sum(len(chunk) for chunk in r.iter_bytes()))

        t0 = time.perf_counter()
        export(clients[0])
        one = time.perf_counter() - t0
        peak_one = rss_mb(proc.pid, "VmHWM")
        t0 = time.perf_counter()
        threads = [threading.Thread(target=export, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        four = time.perf_counter() - t0
        time.sleep(1)
        peak_four = rss_mb(proc.pid, "VmHWM")
        kept = rss_mb(proc.pid, "VmRSS") - base
        for c in clients:
            c.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        store.close()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"export of one learner with {args.statements:,} statements ({sizes[0] / 2**20:.1f} MiB of JSON)")
    print(f"one export: {one:.2f} s; server memory {base:.0f} MB before, peak {peak_one:.0f} MB")
    print(f"four at once: {four:.2f} s; peak {peak_four:.0f} MB; kept afterwards: {kept:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
