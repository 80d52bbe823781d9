"""Benchmark: the course lead's pages and the dashboard notebook at 1,000,000 stored answers, beside their targets.

1. Takes the database of ``fast_fill.py`` for these parameters (filled once, then reused from its cache:
   ``$QUIZLIB_BENCH_CACHE``, default ``~/.cache/quizlib-bench``): by default 1,000,000 answers (about ten a
   finished attempt) by some 7,700 learners in 150 cohorts (about 50 each, six time zones), each cohort with an
   assignment of every module (ten, some due dates gone, some to come), every learner answering every quiz (a
   retake now and then, the final assessment as the server scores it), with an answered statement per try.
2. Starts a real ``quizlib serve`` on it, signs in as a course lead and times, ``--runs`` times each (median and
   range): one quiz's item analysis (``/lead/quizzes/sensitivity``: target 50 ms) and the whole report unfiltered
   (``/lead/``: target 1 s), then for the record the report filtered by one cohort, one module, a period, and the
   progress CSV, each with the server's peak memory while it served that page. Times are from request to the last
   byte over the loopback: the server's time and a little.
3. The server's peak resident memory while it builds the report (target 150 MB): ``/proc/<pid>/status`` VmHWM,
   reset (``clear_refs``) after signing in, whose password check takes 64 MiB for a moment, and again before each
   page timed for the record.
4. Runs ``reports/dashboard.ipynb`` on the database in a real kernel (nbclient), ``--runs`` times: the time its
   cells take (target 2 s; the kernel's start is printed apart) and the kernel's peak resident memory (target
   200 MB).

    .venv/bin/python benchmarks/million.py                           # 1,000,000 answers, 150 cohorts
    .venv/bin/python benchmarks/million.py --runs 7 --no-notebook
    .venv/bin/python benchmarks/million.py --answers 100000 --cohorts 30
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from fast_fill import add_fill_arguments, cached_database
from lead_report import timed

from quizlib.results.store import Store
from quizlib.results.store.passwords import hash_password

QUIZLIB = str(Path(sys.executable).with_name("quizlib"))
NOTEBOOK = ROOT / "reports" / "dashboard.ipynb"
LEAD, PASSWORD = "Benchmark lead", "a benchmark passphrase"


def memory_mb(pid: int, field: str) -> float:
    """VmRSS (now) or VmHWM (the peak since the last reset) of a process, in MB."""
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":")) * 1024 / 1e6


def reset_peak(pid: int) -> None:
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def figure(times: list[float], unit: str = "s") -> str:
    scale, digits = (1000, 0) if unit == "ms" else (1, 2)
    med, low, high = (scale * statistics.median(times), scale * min(times), scale * max(times))
    return f"{med:.{digits}f} {unit} median ({low:.{digits}f}–{high:.{digits}f}, {len(times)} runs)"


def verdict(value: float, limit: float) -> str:
    return "met" if value <= limit else "NOT met"


def serve(url: str, book: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [QUIZLIB, "serve", "--book", str(book), "--database", url, "--port", "0", "--course", str(ROOT)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    server = proc.stdout.readline().split("serving the course at ", 1)[1].split()[0]
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(server + "api/v1/config", timeout=2)
            return proc, server
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def run_notebook(url: str, runs: int, notebook: Path = NOTEBOOK) -> tuple[list[float], list[float], list[float], str]:
    """The dashboard notebook, ``runs`` times in a fresh kernel each: (seconds of its cells, seconds to start the
    kernel, the kernel's peak MB) per run, and its headline (the first Markdown it shows)."""
    import nbformat
    from nbclient import NotebookClient

    cells, starts, peaks, headline = [], [], [], ""
    os.environ["QUIZLIB_DATABASE"] = url
    os.environ.pop("QUIZLIB_EXPORT", None)
    for _ in range(runs):
        nb = nbformat.read(notebook, as_version=4)
        client = NotebookClient(
            nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(notebook.parent)}}
        )
        began = time.perf_counter()
        with client.setup_kernel():
            started = time.perf_counter()
            pid = client.km.provisioner.pid  # type: ignore[union-attr]
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
            done = time.perf_counter()
            peaks.append(memory_mb(pid, "VmHWM"))
        starts.append(started - began)
        cells.append(done - started)
        for cell in nb.cells:
            for out in cell.get("outputs", ()):
                if out.get("output_type") == "error":
                    raise SystemExit("the notebook failed:\n" + "\n".join(out.get("traceback", [])))
                if not headline and "text/markdown" in out.get("data", {}):
                    headline = out["data"]["text/markdown"]
    return cells, starts, peaks, headline


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_fill_arguments(parser)
    parser.add_argument("--runs", type=int, default=5, help="fetches of each page, runs of the notebook (default: 5)")
    parser.add_argument("--no-notebook", action="store_true", help="leave the dashboard notebook out")
    parser.add_argument(
        "--notebook",
        type=Path,
        default=NOTEBOOK,
        help="the dashboard notebook to run (default: reports/dashboard.ipynb)",
    )
    args = parser.parse_args(argv)

    path, facts = cached_database(
        args.answers, args.cohorts, args.seed, args.templates, fresh=args.fresh, log=lambda m: print(m, file=sys.stderr)
    )
    how = "reused from the cache" if facts["cached"] else f"filled now in {facts['seconds']:.1f} s"
    print(
        f"database: {path} ({path.stat().st_size / 1e6:,.0f} MB): {facts['answers']:,} answers, "
        f"{facts['statements']:,} statements, {facts['learners']:,} learners in {facts['cohorts']} cohorts; {how}"
    )
    print("load average (1, 5, 15 minutes) before timing: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    url = f"sqlite:///{path}"
    store = Store(url)
    store.upgrade()
    if store.staff_by_name(LEAD) is None:
        store.add_staff(LEAD, "lead", hash_password(PASSWORD), must_change_password=False)
    cohorts = store.cohorts()
    finished = store.count_statements("completed")
    store.close()
    print(f"{finished:,} finished attempts")

    folder = Path(tempfile.mkdtemp(prefix="quizlib-million-"))
    (folder / "index.html").write_text("<!doctype html><html lang='en'><title>Book</title><p>Book</p></html>")
    proc, server = serve(url, folder)
    try:
        client = httpx.Client(base_url=server, timeout=600)
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("signin").text).group(1)
        r = client.post("signin", data={"csrf": csrf, "name": LEAD, "password": PASSWORD})
        if r.status_code != 303:
            raise SystemExit(f"could not sign in as the benchmark's course lead: {r.status_code}")
        time.sleep(0.3)
        reset_peak(proc.pid)
        before = memory_mb(proc.pid, "VmRSS")

        print(
            f"\nthe course lead's pages, from a real `quizlib serve` (request to last byte, {args.runs} runs each, "
            "after a first fetch that compiles the page's template):"
        )
        timed(client, "lead/quizzes/sensitivity", 1)
        items, size = timed(client, "lead/quizzes/sensitivity", args.runs)
        med = statistics.median(items)
        print(
            f"  1. item analysis, one quiz (/lead/quizzes/sensitivity, {size / 1024:,.0f} KiB): {figure(items, 'ms')}; "
            f"target ≤ 50 ms: {verdict(med, 0.050)}"
        )
        first, _ = timed(client, "lead/", 1)  # its peak memory counts: it builds the whole report too
        report, size = timed(client, "lead/", args.runs)
        peak = memory_mb(proc.pid, "VmHWM")
        med = statistics.median(report)
        print(
            f"  2. the whole report, unfiltered (/lead/, {size / 1024:,.0f} KiB): {figure(report)}; "
            f"target ≤ 1 s: {verdict(med, 1.0)} (the first fetch: {first[0]:.2f} s)"
        )
        print(
            f"  3. the server's peak resident memory while building the report (and the item analysis): {peak:,.0f} MB "
            f"({before:,.0f} MB before, after signing in); target ≤ 150 MB: {verdict(peak, 150)}"
        )
        one = cohorts[len(cohorts) // 2].id
        others = {
            "one cohort": f"lead/?cohort={one}",
            "one module": "lead/?module=chapters/02-sensitivity",
            "a period (3 months)": "lead/?from=2026-03-01&to=2026-05-31",
            "progress CSV, unfiltered": "lead/export/progress.csv",
            "item analysis, one cohort": f"lead/quizzes/sensitivity?cohort={one}",
        }
        print("  for the record (no target; the server's peak resident memory while it served each page):")
        highest = peak
        for name, page in others.items():
            reset_peak(proc.pid)
            times, size = timed(client, page, args.runs)
            page_peak = memory_mb(proc.pid, "VmHWM")
            highest = max(highest, page_peak)
            print(f"     {name:27} {figure(times)}, {size / 1024:,.0f} KiB; peak {page_peak:,.0f} MB")
        print(f"  the server's peak resident memory over every page above: {highest:,.0f} MB")
        client.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        for p in folder.glob("*"):
            p.unlink()
        folder.rmdir()

    if not args.no_notebook:
        cells, starts, peaks, headline = run_notebook(url, args.runs, args.notebook)
        print(f"\n4. the dashboard notebook ({args.notebook}, in a real kernel; {headline.splitlines()[0][:120]})")
        print(
            f"  its cells: {figure(cells)}; target ≤ 2 s: {verdict(statistics.median(cells), 2.0)} "
            f"(the kernel's start apart: {figure(starts)})"
        )
        print(
            f"  the kernel's peak resident memory: {statistics.median(peaks):,.0f} MB median "
            f"({min(peaks):,.0f}–{max(peaks):,.0f}); target ≤ 200 MB: {verdict(max(peaks), 200)}"
        )
    print("load average (1, 5, 15 minutes) after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
