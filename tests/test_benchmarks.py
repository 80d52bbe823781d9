"""Each benchmark script runs (with small sizes) and prints its figures: a benchmark nobody can run is no
measure. The figures themselves are not judged here; benchmarks/ prints them for people to read."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def bench(script: str, *args: str, timeout: int = 600) -> str:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
    )
    assert proc.returncode == 0, f"{script} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert "Traceback" not in proc.stderr
    return proc.stdout


def test_ingest():
    out = bench("ingest.py", "--single", "20", "--batched", "200", "--finished", "4")
    assert re.search(r"\d[\d,.]* (answers|statements)/s", out), out


def test_item_analysis():
    out = bench("item_analysis.py", "--answers", "3000")
    assert re.search(r"end to end, streamed .*: +[\d.]+ s", out), out


@pytest.mark.book
def test_book():
    out = bench("book.py", "--smoke", timeout=900)
    assert re.search(r"book build from clean .*: +[\d.]+ s", out) and "requests off 127.0.0.1: 0" in out, out


@pytest.mark.browser
def test_page_bytes(minibook):
    out = bench("page_bytes.py", "--book", str(minibook), "--page", "chapters/kinds.html")
    assert re.search(r"compression saves [\d,.]+ KiB", out), out


def test_keys():
    out = bench("keys.py", "--seeds", "20")
    assert re.search(r"^all +\d+ +\d+ +[\d.]+% +[\d.]+% ", out, re.MULTILINE), out
    assert re.search(r"^final \(20 draws\) +70% ", out, re.MULTILINE), out
