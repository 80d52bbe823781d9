"""Benchmark: the course lead's report (``/lead/``) over 50 cohorts and 1,000,000 stored answers, filtered and not.

1. Fills a real database (a temporary SQLite file by default, or --database URL) as ``item_analysis.py`` does,
   through the server's ingest logic, with the learners spread over ``--cohorts`` cohorts (each with its own
   time zone and an assignment of every module, some due dates gone, some to come).
2. Times, through the real application (Starlette, in this process, signed in as a course lead), the report
   page unfiltered, filtered by one cohort, by one module, by a period, and by all three; and the progress CSV
   unfiltered. Best and median of three runs each.

    .venv/bin/python benchmarks/lead_report.py                          # 50 cohorts, 1,000,000 answers
    .venv/bin/python benchmarks/lead_report.py --answers 20000 --cohorts 5
    .venv/bin/python benchmarks/lead_report.py --database sqlite:///var/lead.sqlite3 --keep
    .venv/bin/python benchmarks/lead_report.py --database sqlite:///var/lead.sqlite3 --reuse   # time only
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from item_analysis import attempts_for

from quizlib.results.demo import DEMO_HOME_PAGE, question_traits
from quizlib.results.ingest import Ingestor
from quizlib.results.store import Store
from quizlib.results.store.passwords import hash_password
from quizlib.server.catalogue import load_catalogue

STORE_AT_ONCE = 5000
ZONES = ["Europe/London", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Auckland", "UTC"]
LEAD, PASSWORD = "Benchmark lead", "a benchmark passphrase"


def fill(store: Store, catalogue, target: int, cohorts: int, seed: int) -> tuple[int, int, float]:
    """Learners, round-robin over ``cohorts`` cohorts, until ``target`` answers are stored."""
    course = catalogue.course
    rng = random.Random(seed)
    traits = {
        (quiz.id, q.id): question_traits(quiz.id, q, seed) for quiz in course.quizzes.values() for q in quiz.questions
    }
    ingestor = Ingestor(course, store, DEMO_HOME_PAGE)
    trainer = store.add_staff(f"bench-trainer-{seed}", "trainer", "not-a-password-hash", must_change_password=True)
    made = []
    for i in range(cohorts):
        cohort = store.add_cohort(f"Cohort {i + 1:02d} — {ZONES[i % len(ZONES)]}", trainer.id, ZONES[i % len(ZONES)])
        for n, module in enumerate(catalogue.modules):
            store.add_assignment(
                cohort.id,
                title=module.title,
                chapters=[module.chapter],
                quiz_ids=list(module.quiz_ids),
                include_final=False,
                pass_mark=rng.choice((60.0, 70.0, 80.0)),
                due_date=date(2026, 1, 1) + timedelta(days=20 * n + rng.randint(0, 60)),
            )
        made.append(cohort)
    stored = learners = 0
    start = datetime(2026, 1, 1, tzinfo=UTC)
    began = time.perf_counter()
    pending = []
    while stored < target:
        cohort = made[learners % len(made)]
        learner, _ = store.add_learner(cohort.id, f"Learner {learners + 1}")
        when = start + timedelta(days=rng.randint(0, 200))
        attempts, n = attempts_for(course, rng, learner.id, rng.gauss(0, 1), traits, when)
        for attempt in attempts:
            if attempt[0] == "sent":  # a practice quiz: its answers, then its completed statement
                records = ingestor.score(learner, attempt[1]).records
            else:  # the summative final, as the server stores a submitted attempt
                _, quiz, issued, answers, finished = attempt
                records = ingestor.submitted(
                    learner, quiz, issued, answers, {}, pass_mark=quiz.settings.pass_mark, when=finished
                )[1]
            pending += [r for r in records if r.verb != "answered"]
        stored += n
        learners += 1
        if len(pending) >= STORE_AT_ONCE or stored >= target:
            store.add_statements(pending)
            pending = []
        if learners % 500 == 0:
            rate = stored / (time.perf_counter() - began)
            print(f"  ... {stored:,} answers stored ({rate:,.0f}/s)", file=sys.stderr, flush=True)
    return stored, learners, time.perf_counter() - began


def signed_in_client(store: Store, catalogue):
    import warnings

    with warnings.catch_warnings():  # Starlette suggests another HTTP client for its test client: same requests
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    from quizlib.server import create_app

    if store.staff_by_name(LEAD) is None:
        store.add_staff(LEAD, "lead", hash_password(PASSWORD), must_change_password=False)
    client = TestClient(create_app(store, catalogue), base_url="http://127.0.0.1")
    page = client.get("/signin").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    r = client.post("/signin", data={"csrf": csrf, "name": LEAD, "password": PASSWORD}, follow_redirects=False)
    if r.status_code != 303:
        raise SystemExit(f"could not sign in as the benchmark's course lead: {r.status_code}")
    return client


def timed(client, path: str, runs: int = 3) -> tuple[float, float, int]:
    times, size = [], 0
    for _ in range(runs):
        began = time.perf_counter()
        r = client.get(path)
        times.append(time.perf_counter() - began)
        if r.status_code != 200:
            raise SystemExit(f"GET {path}: {r.status_code} {r.text[:300]}")
        size = len(r.content)
    return min(times), statistics.median(times), size


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000_000, help="answers to store (default: 1,000,000)")
    parser.add_argument("--cohorts", type=int, default=50, help="cohorts to spread learners over (default: 50)")
    parser.add_argument("--database", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    parser.add_argument("--reuse", action="store_true", help="time an already filled --database; store nothing")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    catalogue = load_catalogue(ROOT)
    folder = None
    url = args.database
    if url is None:
        folder = tempfile.mkdtemp(prefix="quizlib-lead-", dir=os.environ.get("TMPDIR", "/var/tmp"))
        url = f"sqlite:///{folder}/lead.sqlite3"
    store = Store(url)
    store.upgrade()
    print(f"database: {url} ({store.backend})")
    if not args.reuse:
        print(f"storing {args.answers:,} answers in {args.cohorts} cohorts through the ingest logic...")
        stored, learners, seconds = fill(store, catalogue, args.answers, args.cohorts, args.seed)
        print(f"stored {stored:,} answers by {learners:,} learners in {seconds:,.1f} s")
    cohorts = store.cohorts()
    n_learners = len(store.learners())
    print(f"{len(cohorts)} cohorts, {n_learners:,} learners, {store.count_statements('completed'):,} finished attempts")

    client = signed_in_client(store, catalogue)
    one = cohorts[len(cohorts) // 2].id
    module = catalogue.modules[1].chapter
    views = {
        "unfiltered": "/lead/",
        "one cohort": f"/lead/?cohort={one}",
        "one module": f"/lead/?module={module}",
        "a period (3 months)": "/lead/?from=2026-03-01&to=2026-05-31",
        "cohort + module + period": f"/lead/?cohort={one}&module={module}&from=2026-03-01&to=2026-05-31",
        "progress CSV, unfiltered": "/lead/export/progress.csv",
        "progress CSV, one cohort": f"/lead/export/progress.csv?cohort={one}",
    }
    print("\nthe course lead's report, through the application (best and median of 3):")
    for name, path in views.items():
        best, median, size = timed(client, path)
        print(f"  {name:28} {best:6.2f} s best, {median:6.2f} s median, {size / 1024:,.0f} KiB")
    client.close()
    store.close()
    if folder and not args.keep:
        for p in Path(folder).glob("*"):
            p.unlink()
        os.rmdir(folder)
    elif folder:
        print(f"kept {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
