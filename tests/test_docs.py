"""The README documents what the project offers: the two commands, every CLI command, every question kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizlib.cli import build_parser
from quizlib.quiz.model import KINDS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return sorted(sub.choices)


@pytest.mark.parametrize("command", _commands())
def test_every_cli_command_is_documented(command):
    assert f"quizlib {command}" in README


@pytest.mark.parametrize("kind", KINDS)
def test_every_question_kind_is_documented(kind):
    assert f"`{kind}`" in README


def test_the_two_commands_and_ci():
    assert "$ ./course serve" in README and "$ ./course test" in README
    assert "./course test" in (ROOT / ".ci" / "run").read_text()
    usage = (ROOT / "course").read_text()
    assert "serve)" in usage and "test)" in usage
