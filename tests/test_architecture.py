"""The shape of the package: layers that import only downwards, no private names across modules, and one
registry per question kind in every layer that treats kinds differently."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from quizlib.quiz.model import KINDS

SRC = Path(__file__).resolve().parents[1] / "src" / "quizlib"


def test_the_layers_import_only_downwards():
    """import-linter holds the contracts in pyproject.toml ([tool.importlinter])."""
    lint = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(lint), "--no-cache"], check=False, capture_output=True, text=True, cwd=SRC.parents[1])
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_module_imports_another_modules_private_names():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("quizlib"):
                private = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
                if private and node.module != _module_name(path):
                    found.append(f"{path.relative_to(SRC)}:{node.lineno}: {node.module} {private}")
    assert not found, found


@pytest.mark.parametrize(
    "registry",
    [
        "quizlib.quiz.kinds:KINDS",
        "quizlib.fronts.widgets:WIDGETS",
        "quizlib.results.report.items:RESPONSE_ROWS",
        "quizlib.results.demo:RESPONDERS",
        "quizlib.fronts.banks.gift:GIFT_KINDS",
        "quizlib.fronts.banks.moodle_xml:MOODLE_KINDS",
    ],
)
def test_every_layer_has_one_entry_per_question_kind(registry):
    module_name, name = registry.split(":")
    module = __import__(module_name, fromlist=[name])
    assert tuple(getattr(module, name)) == KINDS


def test_the_kind_registry_matches_the_model():
    from quizlib.quiz.kinds import KINDS as RULES
    from quizlib.quiz.model import QUESTION_TYPES

    assert {k: r.model for k, r in RULES.items()} == QUESTION_TYPES
