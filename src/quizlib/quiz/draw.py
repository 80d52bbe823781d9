"""Seeded draws: which questions an assessment shows at an attempt, the same in Python and JavaScript."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import Any

from quizlib.quiz.model import Numeric, Question, Quiz


def mulberry32(seed: int) -> Callable[[], float]:
    """A small seeded generator of floats in [0, 1), bit for bit the same as its JavaScript twin."""
    state = seed & 0xFFFFFFFF

    def imul(a: int, b: int) -> int:
        return (a * b) & 0xFFFFFFFF

    def next_float() -> float:
        nonlocal state
        state = (state + 0x6D2B79F5) & 0xFFFFFFFF
        t = imul(state ^ (state >> 15), 1 | state)
        t = ((t + imul(t ^ (t >> 7), 61 | t)) & 0xFFFFFFFF) ^ t
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    return next_float


def draw_questions(quiz: Quiz, banks: Mapping[str, Quiz], seed: int) -> tuple[Question, ...]:
    """The questions an assessment shows for ``seed``, in the order shown.

    The quiz's own questions come first. Each ``draw`` entry then shuffles its bank (Fisher-Yates, seeded)
    and takes the first ``count``. A drawn question is renamed ``"<bank>/<id>"`` and its objective
    ``"<bank>/<objective>"``, and a numeric question keeps its bank's tolerance. The same seed always gives
    the same selection.
    """
    rand = mulberry32(seed)
    chosen: list[Question] = list(quiz.questions)
    for d in quiz.draw:
        bank = banks[d.quiz]
        pool = [q for q in bank.questions if not d.kinds or q.kind in d.kinds]
        for i in range(len(pool) - 1, 0, -1):
            j = math.floor(rand() * (i + 1))
            pool[i], pool[j] = pool[j], pool[i]
        for q in pool[: d.count]:
            changes: dict[str, Any] = {"id": f"{bank.id}/{q.id}", "objective": f"{bank.id}/{q.objective}"}
            if isinstance(q, Numeric) and q.tolerance is None:
                changes["tolerance"] = bank.settings.numeric_tolerance
            chosen.append(dataclasses.replace(q, **changes))
    return tuple(chosen)


def shown_questions(quiz: Quiz, banks: Mapping[str, Quiz], seed: int | None) -> tuple[Question, ...]:
    """The questions an attempt at ``quiz`` shows: its own, or for an assessment those drawn with ``seed``."""
    if not quiz.draw:
        return quiz.questions
    if seed is None:
        raise ValueError(f"quiz {quiz.id!r} draws its questions: an attempt needs the seed of its draw")
    return draw_questions(quiz, banks, seed)
