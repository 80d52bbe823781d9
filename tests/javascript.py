"""Running quizlib's browser scripts under Node for the tests (tests/js/run_in_node.js), and ESLint."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "src" / "quizlib" / "fronts" / "assets"
TESTS_JS = ROOT / "tests" / "js"
NODE_MODULES = ROOT / "node_modules"


def node() -> str:
    found = shutil.which("node")
    if not found:
        pytest.fail("node is missing: install Node.js 20.19 or later (./course test needs it)")
    return found


def run_in_node(expression: str, files: list[Path], data: Any) -> Any:
    """The value of ``expression`` (with ``input`` bound to ``data``) after loading ``files`` into one fresh
    global under Node, as JSON."""
    proc = subprocess.run(
        [node(), str(TESTS_JS / "run_in_node.js"), expression, *map(str, files)],
        input=json.dumps(data),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(f"node failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout)
