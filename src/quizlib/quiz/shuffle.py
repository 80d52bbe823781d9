"""Shuffled choices: the order in which a learner sees the choices of a question, drawn per attempt.

The options of single-choice and multiple-response questions, the right-hand choices of matching questions
and the decisions at each stage of a case are shown in an order drawn from the attempt's seed and the
question's id, so it is the same on every reload, in the widget front and in the published pages (the
JavaScript twin is ``arrangement`` in ``fronts/assets/quizlib-core.js``; ``tests/data/scoring_cases.yaml``
holds both to the same orders). A choice marked ``fixed: true`` keeps the place it is written in.

Responses, statements and reports name choices by id, so nothing downstream depends on the order shown.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from quizlib.quiz.draw import mulberry32
from quizlib.quiz.kinds import kind_of
from quizlib.quiz.model import Question


def fnv1a(text: str) -> int:
    """The 32-bit FNV-1a hash of ``text``'s UTF-8 bytes (the same in JavaScript)."""
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def shuffled(seed: int, key: str, items: Sequence[tuple[str, bool]]) -> tuple[str, ...]:
    """The ids of ``items`` (``(id, fixed)`` pairs, as written) in the order drawn for ``seed`` and ``key``.

    A Fisher-Yates shuffle of the choices that are not fixed, driven by mulberry32 seeded with
    ``seed XOR fnv1a(key)``; a fixed choice keeps its place.
    """
    rand = mulberry32((seed ^ fnv1a(key)) & 0xFFFFFFFF)
    places = [i for i, (_, fixed) in enumerate(items) if not fixed]
    moving = [items[i][0] for i in places]
    for i in range(len(moving) - 1, 0, -1):
        j = math.floor(rand() * (i + 1))
        moving[i], moving[j] = moving[j], moving[i]
    out = [item_id for item_id, _ in items]
    for place, item_id in zip(places, moving):
        out[place] = item_id
    return tuple(out)


def arrangement(question: Question, seed: int) -> dict[str, tuple[str, ...]]:
    """The order shown for each part of ``question`` (see :data:`quizlib.quiz.kinds.Choices`) at ``seed``.

    Each part is shuffled on its own, keyed ``"<question id>#<part>"``; a question without choices to
    shuffle (true/false, numeric, ordering, whose steps are written shuffled) has none.
    """
    return {
        part: shuffled(seed, f"{question.id}#{part}", items)
        for part, items in kind_of(question).choices(question).items()
    }
