"""Each benchmark script runs (with small sizes) and prints its figures: a benchmark nobody can run is no
measure. The figures themselves are not judged here; benchmarks/ prints them for people to read."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def bench(script: str, *args: str, timeout: int = 600, env: dict[str, str] | None = None) -> str:
    """Run a benchmark; its output. It runs with a temporary folder of its own (``TMPDIR``), which it must
    leave empty: a benchmark's databases take gigabytes, and runs add up."""
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-{Path(script).stem}-"))
    try:
        proc = subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / script), *args],
            check=False,
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=timeout,
            env={**os.environ, "TMPDIR": str(tmp), **(env or {})},
        )
        assert proc.returncode == 0, f"{script} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        assert "Traceback" not in proc.stderr
        assert sorted(p.name for p in tmp.iterdir()) == [], f"{script} left these in its temporary folder"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return proc.stdout


def test_ingest():
    out = bench("ingest.py", "--single", "20", "--batched", "200", "--finished", "4")
    assert re.search(r"\d[\d,.]* (answers|statements)/s", out), out


def test_ingest_limit():
    out = bench("ingest_limit.py", "--rounds", "1", "--seconds", "0.5", "--no-ralph", "--no-postgres")
    assert re.search(r"quizlib \(SQLite\) / bare \(SQLite\): [\d.]+×", out), out
    assert re.search(r"single, 4 clients +\| +[\d,.]+", out), out


def test_ingest_limit_times_a_statement():
    out = bench(
        "ingest_limit.py", "--rounds", "1", "--seconds", "0.3", "--no-ralph", "--no-postgres", "--only", "batches of 50"
    )
    assert re.search(r"a statement every [\d,]+ µs against bare's [\d,]+ µs; the reference allows [\d,]+ µs", out), out


def test_ingest_stages():
    out = bench("ingest_stages.py", "--no-postgres", "--statements", "400", "--history", "0,300")
    for stage in (
        "read the JSON",
        "check",
        "canonical JSON",
        "re-score",
        "hand-off",
        "look-up",
        "rows",
        "begin and commit",
    ):
        assert re.search(rf"  {stage} +\| +[\d,.]+ \| +[\d,.]+ \| +[\d,.]+$", out, re.MULTILINE), (stage, out)
    assert re.search(r"SQLite: 1 per request [\d.]+×, 50 per request [\d.]+×, 200 per request [\d.]+×", out), out
    assert re.search(r"SQLite: 0 before: [\d,]+, 300 before: [\d,]+$", out, re.MULTILINE), out


def test_item_analysis():
    out = bench("item_analysis.py", "--answers", "3000")
    assert re.search(r"end to end, streamed .*: +[\d.]+ s", out), out


def test_lead_report():
    out = bench("lead_report.py", "--answers", "3000", "--cohorts", "3")
    assert re.search(r"unfiltered +[\d.]+ s median", out) and re.search(r"cohort \+ module \+ period +[\d.]+ s", out), (
        out
    )


def test_fast_fill(tmp_path):
    cache = {"QUIZLIB_BENCH_CACHE": str(tmp_path)}
    args = ("--answers", "2000", "--cohorts", "3", "--templates", "4")
    out = bench("fast_fill.py", *args, env=cache)
    m = re.search(r"([\d,]+) answers, ([\d,]+) statements, ([\d,]+) learners in 3 cohorts: filled in [\d.]+ s", out)
    assert m and int(m.group(1).replace(",", "")) >= 2000, out
    assert len(list(tmp_path.glob("fill-2000-*.sqlite3"))) == 1
    assert "reused from the cache" in bench("fast_fill.py", *args, env=cache)


def test_million(tmp_path):
    out = bench(
        "million.py",
        "--answers",
        "2000",
        "--cohorts",
        "3",
        "--templates",
        "4",
        "--runs",
        "1",
        env={"QUIZLIB_BENCH_CACHE": str(tmp_path)},
    )
    assert re.search(r"1\. item analysis, one quiz .*: \d+ ms median .*; target ≤ 50 ms: ", out), out
    assert re.search(r"2\. the whole report, unfiltered .*: [\d.]+ s median .*; target ≤ 1 s: ", out), out
    assert re.search(r"3\. the server's peak resident memory .*: [\d,]+ MB .*; target ≤ 150 MB: ", out), out
    assert re.search(r"its cells: [\d.]+ s median .*; target ≤ 2 s: ", out), out
    assert re.search(r"the kernel's peak resident memory: [\d,]+ MB median .*; target ≤ 200 MB: ", out), out


@pytest.mark.book
def test_book():
    out = bench("book.py", "--smoke", timeout=900)
    assert re.search(r"book build from clean .*: +[\d.]+ s", out) and "requests off 127.0.0.1: 0" in out, out
    assert re.search(r"one chapter's prose: +[\d.]+ s \(median of 5: .*pages re-read: 1; ", out), out


@pytest.mark.browser
def test_page_bytes(minibook):
    out = bench(
        "page_bytes.py", "--book", str(minibook), "--page", "chapters/kinds.html", "--other", "chapters/exam.html"
    )
    assert re.search(r"compression saves [\d,.]+ KiB", out), out
    assert re.search(r"opened in [\d,]+ ms with an empty cache \(budget 250 KiB", out), out
    assert re.search(
        r"then chapters/kinds.html: [\d,.]+ KiB on the wire \(budget 40 KiB\), opened in [\d,]+ ms online; "
        r"offline: opened in [\d,]+ ms\n",
        out,
    ), out
    assert "requests that left the site: 0" in out, out


@pytest.mark.book
def test_packages(built_book):
    out = bench("packages.py", "--book", str(built_book), "--repeat", "1")
    assert re.search(r"all six packages of the whole course: [\d.]+ s", out), out


def test_fuzz_quizzes():
    out = bench("fuzz_quizzes.py", "--files", "60", "--reloads", "3")
    assert re.search(r"files that raised an exception: 0\b", out), out


def test_stress_server():
    out = bench("stress_server.py", "--requests", "300")
    assert re.search(r"responses >= 500: 0\b", out) and "tracebacks in the server's log: 0" in out, out


def test_signin_flood():
    out = bench("signin_flood.py", "--concurrent", "24")
    assert re.search(r"passwords checked for the one name: [0-5] ", out), out


def test_kill9():
    out = bench("kill9.py", "--cycles", "1", "--every", "1", "--no-postgres")
    assert re.search(
        r"SQLite: 1 kill -9 cycles .*, 0 lost; .*: 0 doubled, 0 duplicate attempt results; 0 learners whose kept "
        r"count differs from their statements",
        out,
    ), out


def test_export():
    out = bench("export.py", "--statements", "300")
    assert re.search(r"four at once: [\d.]+ s; peak \d+ MB", out), out


def test_keys():
    out = bench("keys.py", "--seeds", "20")
    assert re.search(r"^all +\d+ +\d+ +[\d.]+% +[\d.]+% ", out, re.MULTILINE), out
    assert re.search(r"^final \(20 draws\) +70% ", out, re.MULTILINE), out
