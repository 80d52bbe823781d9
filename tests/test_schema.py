"""quizzes/schema.json: exported from the model, current, and as strict as the loader on structure."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from quizlib.quiz.schema import quiz_schema

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"


def _quiz_files():
    for folder in (ROOT / "quizzes", DATA / "course" / "quizzes"):
        yield from (p for p in sorted(folder.glob("*.yaml")) if p.name != "references.yaml")


def test_committed_schema_is_current():
    committed = json.loads((ROOT / "quizzes" / "schema.json").read_text())
    assert committed == quiz_schema(), "quizzes/schema.json is stale: run `quizlib schema`"


def test_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(quiz_schema())


@pytest.mark.parametrize("path", list(_quiz_files()), ids=lambda p: p.name)
def test_every_quiz_file_validates(path):
    validator = jsonschema.Draft202012Validator(quiz_schema())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(yaml.safe_load(path.read_text()))]
    assert errors == []


@pytest.mark.parametrize("name", ["types.yaml", "unknown-field.yaml", "missing.yaml"])
def test_structurally_broken_files_fail_the_schema(name):
    validator = jsonschema.Draft202012Validator(quiz_schema())
    assert list(validator.iter_errors(yaml.safe_load((DATA / "broken" / name).read_text())))


def test_every_field_has_help_text():
    for name, definition in quiz_schema()["$defs"].items():
        for field, prop in definition["properties"].items():
            assert prop["description"].strip(), f"{name}.{field} has no help text"
