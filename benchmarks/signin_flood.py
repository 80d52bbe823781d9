"""Stress: a flood of concurrent staff sign-ins against a real `quizlib serve` (a figure, not a test).

Starts `quizlib serve` on a temporary SQLite file, then sends ``--concurrent`` sign-ins at the same moment,
all with wrong passwords: a quarter for one real name (a guesser), the rest for other names, real and not.
Meanwhile another client asks ``/api/v1/config`` and a learner's ``/api/v1/me`` over and over.

Prints the server's resident memory before and at its peak, the other endpoints' latency (p50, p99, max)
during the flood, how long the flood took, and how many passwords the server checked for the one name
(each password checked and found wrong leaves a failure counted in the database; refused attempts leave none).

    .venv/bin/python benchmarks/signin_flood.py [--concurrent 200]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from quizlib.results.store import Store, digest
from quizlib.results.store.passwords import hash_password

QUIZLIB = str(Path(sys.executable).with_name("quizlib"))


def wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + "api/v1/config", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("quizlib serve did not answer in time")
        time.sleep(0.05)


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrent", type=int, default=200)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="quizlib-flood-"))
    book = folder / "book"
    book.mkdir()
    (book / "index.html").write_text("<!doctype html><html lang='en'><title>Book</title><p>Book</p></html>")
    url = f"sqlite:///{folder / 'course.sqlite3'}"
    store = Store(url)
    store.upgrade()
    real_hash = hash_password("the real password of this account")
    names = ["Tess Trainer", *[f"Trainer {i}" for i in range(20)]]
    for name in names:
        store.add_staff(name, "trainer", real_hash, must_change_password=False)
    cohort = store.add_cohort("Spring", store.all_staff()[0].id)
    proc = subprocess.Popen(
        [QUIZLIB, "serve", "--book", str(book), "--database", url, "--port", "0", "--course", str(ROOT)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        server = proc.stdout.readline().split("serving the course at ", 1)[1].split()[0]
        wait_until_up(server)
        with httpx.Client(base_url=server) as c:
            token = c.post("api/v1/join", json={"code": cohort.code, "display_name": "Bea"}).json()["token"]
        time.sleep(0.5)
        baseline = rss_mb(proc.pid)

        n = args.concurrent
        guesser = max(1, n // 4)
        targets = ["Tess Trainer"] * guesser + [
            names[1 + i % 20] if i % 2 else f"Nobody {i}" for i in range(n - guesser)
        ]
        clients = []
        for _ in range(n):
            c = httpx.Client(base_url=server, timeout=120)
            c.csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("signin").text).group(1)  # type: ignore[attr-defined]
            clients.append(c)
        results: list[tuple[str, int, float]] = []
        barrier = threading.Barrier(n + 1)
        lock = threading.Lock()

        def sign_in(client, name, i):
            barrier.wait()
            t0 = time.perf_counter()
            try:
                r = client.post("signin", data={"csrf": client.csrf, "name": name, "password": f"wrong guess {i}"})
                status = r.status_code
            except httpx.HTTPError:
                status = 0
            with lock:
                results.append((name, status, time.perf_counter() - t0))

        threads = [
            threading.Thread(target=sign_in, args=(c, name, i)) for i, (c, name) in enumerate(zip(clients, targets))
        ]
        for t in threads:
            t.start()

        latencies: dict[str, list[float]] = {"config": [], "me": []}
        peak = [baseline]
        done = threading.Event()

        def probe():
            with httpx.Client(base_url=server, timeout=60) as c:
                while not done.is_set():
                    for key, path, headers in (
                        ("config", "api/v1/config", {}),
                        ("me", "api/v1/me", {"Authorization": f"Bearer {token}"}),
                    ):
                        t0 = time.perf_counter()
                        c.get(path, headers=headers)
                        latencies[key].append(time.perf_counter() - t0)
                    peak[0] = max(peak[0], rss_mb(proc.pid))
                    time.sleep(0.02)

        watcher = threading.Thread(target=probe)
        watcher.start()
        started = time.perf_counter()
        barrier.wait()
        for t in threads:
            t.join()
        flood = time.perf_counter() - started
        done.set()
        watcher.join()
        peak[0] = max(peak[0], rss_mb(proc.pid, "VmHWM"))
        for c in clients:
            c.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    # Every password checked and found wrong leaves one failure counted for its name (refused attempts none).
    with store.engine.connect() as conn:
        checked_rows = conn.exec_driver_sql(
            "SELECT count(*) FROM throttle_failures WHERE scope = 'signin' AND key = ?",
            (digest("tess trainer"),),
        ).scalar()
    store.close()
    shutil.rmtree(folder, ignore_errors=True)

    statuses: dict[int, int] = {}
    for _, status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    answered_401 = sum(1 for name, status, _ in results if name == "Tess Trainer" and status == 401)
    print(f"concurrent sign-ins, all wrong: {n} ({guesser} for one name)")
    print(f"answers by status: {dict(sorted(statuses.items()))}")
    print(f"flood took: {flood:.1f} s; slowest sign-in answer: {max(r[2] for r in results):.1f} s")
    print(f"server memory: {baseline:.0f} MB before, {peak[0]:.0f} MB at peak")
    for key, values in latencies.items():
        print(
            f"/api/v1/{key} during the flood: p50 {1000 * statistics.median(values):.0f} ms, "
            f"p99 {1000 * percentile(values, 99):.0f} ms, max {1000 * max(values):.0f} ms ({len(values)} requests)"
        )
    print(
        f"passwords checked for the one name: {checked_rows} (the limit is 5 per 15 minutes; "
        f"{answered_401} answered 401, the rest 429)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
