"""The shared table of scoring cases (tests/data/scoring_cases.yaml) with the fixture course it refers to."""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path

import yaml

from quizlib.quiz.load import load_course
from quizlib.quiz.model import Course, Quiz

DATA = Path(__file__).resolve().parent / "data"


@cache
def table() -> dict:
    return yaml.safe_load((DATA / "scoring_cases.yaml").read_text(encoding="utf-8"))


@cache
def fixture_course() -> Course:
    return load_course(DATA / "course" / "quizzes")


def quiz_with(settings: dict | None) -> Quiz:
    quiz = fixture_course().quiz("kinds")
    if settings:
        quiz = dataclasses.replace(quiz, settings=dataclasses.replace(quiz.settings, **settings))
    return quiz


def case_id(case: dict) -> str:
    if "name" in case:
        return case["name"]
    if "order" in case:
        return f"{case['question']}-seed-{case['seed']}"
    what = case.get("response", case.get("tries", case.get("seed")))
    return f"{case.get('question', 'draw')}-{what!r}"[:60]
