"""Benchmark: the course lead's report (``/lead/``) over 50 cohorts and 1,000,000 stored answers, filtered and not.

1. Fills a real database (a temporary SQLite file by default, or --database URL) as ``item_analysis.py`` does,
   through the server's ingest logic, with the learners spread over ``--cohorts`` cohorts (each with its own
   time zone and an assignment of every module, some due dates gone, some to come).
2. Times, through the real application (Starlette, in this process, signed in as a course lead), the report
   page unfiltered, filtered by one cohort, by one module, by a period, and by all three; the progress CSV
   (all, one cohort); one quiz's item analysis (all results: from the kept sums; one cohort: afresh). Median
   and range of ``--runs`` fetches each (default 3), and the process's peak RSS.

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
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from item_analysis import fill as fill_answers

from quizlib.results.store import Store
from quizlib.results.store.passwords import hash_password
from quizlib.server.catalogue import load_catalogue

ZONES = ["Europe/London", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Auckland", "UTC"]
LEAD, PASSWORD = "Benchmark lead", "a benchmark passphrase"


def add_cohorts(store: Store, trainer_id: str, modules, cohorts: int, rng: random.Random) -> list:
    """``cohorts`` cohorts of ``trainer_id``, each in a time zone, each with an assignment of every module (a
    random pass mark; due dates 20 days apart from 2026, give or take two months: some gone, some to come)."""
    made = []
    for i in range(cohorts):
        cohort = store.add_cohort(f"Cohort {i + 1:03d} — {ZONES[i % len(ZONES)]}", trainer_id, ZONES[i % len(ZONES)])
        for n, module in enumerate(modules):
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
    return made


def fill(store: Store, catalogue, target: int, cohorts: int, seed: int, answered: bool) -> tuple[int, int, float]:
    """``cohorts`` cohorts, each with an assignment of every module, and learners, round-robin over them, until
    ``target`` answers are stored (through the ingest logic, as ``item_analysis.py`` fills)."""
    rng = random.Random(seed)
    trainer = store.add_staff(f"bench-trainer-{seed}", "trainer", "not-a-password-hash", must_change_password=True)
    made = add_cohorts(store, trainer.id, catalogue.modules, cohorts, rng)
    return fill_answers(store, catalogue.course, target, answered, seed, cohorts=made, spread_days=200)


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


def peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(client, path: str, runs: int = 3) -> tuple[list[float], int]:
    times, size = [], 0
    for _ in range(runs):
        began = time.perf_counter()
        r = client.get(path)
        times.append(time.perf_counter() - began)
        if r.status_code != 200:
            raise SystemExit(f"GET {path}: {r.status_code} {r.text[:300]}")
        size = len(r.content)
    return times, size


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000_000, help="answers to store (default: 1,000,000)")
    parser.add_argument("--cohorts", type=int, default=50, help="cohorts to spread learners over (default: 50)")
    parser.add_argument("--database", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    parser.add_argument("--reuse", action="store_true", help="time an already filled --database; store nothing")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="times each page is fetched (default: 3)")
    parser.add_argument(
        "--no-answered", action="store_true", help="store only finished attempts, not an answered statement per try"
    )
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
        stored, learners, seconds = fill(store, catalogue, args.answers, args.cohorts, args.seed, not args.no_answered)
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
        "item analysis, one quiz": "/lead/quizzes/sensitivity",
        "item analysis, one cohort": f"/lead/quizzes/sensitivity?cohort={one}",
        "progress CSV, one cohort": f"/lead/export/progress.csv?cohort={one}",
    }
    print(f"\nthe course lead's report, through the application (median and range of {args.runs}):")
    for name, path in views.items():
        times, size = timed(client, path, args.runs)
        print(
            f"  {name:28} {statistics.median(times):6.2f} s median ({min(times):.2f}–{max(times):.2f}), "
            f"{size / 1024:,.0f} KiB"
        )
    # ru_maxrss is in KiB on Linux. With --reuse it is the report's peak (nothing was filled in this process).
    print(f"peak RSS of this process (the application and the benchmark): {peak_rss_mib():,.0f} MiB")
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
