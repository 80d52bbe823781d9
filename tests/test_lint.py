"""The code's own checks run with every test run: ruff (lint and format) and mypy over the package, its tests
and the benchmarks, configured in pyproject.toml. ESLint for the browser scripts is in test_javascript.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CODE = ["src", "tests", "benchmarks"]


def run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=False, capture_output=True, text=True, cwd=ROOT, timeout=600)


def test_ruff_finds_nothing():
    proc = run(str(BIN / "ruff"), "check", "--no-cache", *CODE)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]


def test_the_code_is_formatted():
    proc = run(str(BIN / "ruff"), "format", "--check", "--no-cache", *CODE)
    assert proc.returncode == 0, f"run `ruff format {' '.join(CODE)}`:\n{proc.stdout[-4000:]}"


def test_mypy_finds_nothing():
    proc = run(str(BIN / "mypy"))
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
