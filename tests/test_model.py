"""The model: plain typed data, the same JSON for both fronts, and clear lookups."""

from __future__ import annotations

import json

import pytest
from scoring_table import fixture_course

from quizlib.quiz.model import KINDS, QUESTION_TYPES, as_json


def test_every_kind_has_a_type_whose_kind_field_names_it():
    assert tuple(QUESTION_TYPES) == KINDS
    for kind, cls in QUESTION_TYPES.items():
        assert cls.__dataclass_fields__["kind"].default == kind


def test_as_json_is_plain_json_with_option_ids():
    data = as_json(fixture_course().quiz("kinds"))
    assert json.loads(json.dumps(data)) == data
    sc = next(q for q in data["questions"] if q["id"] == "sc")
    assert [o["id"] for o in sc["options"]] == ["a", "b", "c"]
    assert data["settings"] == {
        "pass_mark": 60,
        "tries": 2,
        "reveal_after": 1,
        "retry_penalty": 0.0,
        "numeric_tolerance": 0.0,
        "mode": "formative",
        "review": "after_submit",
        "attempts": None,
        "time_limit": 0,
    }


def test_models_are_immutable():
    quiz = fixture_course().quiz("kinds")
    with pytest.raises(AttributeError):
        quiz.title = "changed"


def test_lookups_say_what_exists():
    course = fixture_course()
    with pytest.raises(KeyError, match="No quiz 'nope' in the course \\(known: exam, kinds\\)"):
        course.quiz("nope")
    with pytest.raises(KeyError, match="No question 'nope' in quiz 'kinds'"):
        course.quiz("kinds").question("nope")
    assert course.quiz("kinds").objective("apply").text == "Apply them."
