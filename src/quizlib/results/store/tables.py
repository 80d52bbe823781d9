"""The narrow result tables behind reports: the rows a finished attempt adds.

Each *completed* statement is stored with one row in ``attempt_results`` and one per question in
``question_results`` (:func:`result_rows`), in the same transaction (``Store.add_statements``; migration
0003 filled them for older statements). Reports read only these rows (:mod:`quizlib.results.source`): no
statement's JSON is decoded and nothing is read twice.
"""

from __future__ import annotations

import json
from typing import Any

from quizlib.results.store.records import StatementRecord

# -- writing: the rows of a completed statement (Store.add_statements) --------------------------------


def result_rows(record: StatementRecord) -> tuple[dict, list[dict]]:
    """The rows of ``attempt_results`` and ``question_results`` for a *completed* statement's record.

    ``quiz_passed`` is the verdict against the quiz's own pass mark (``detail["quiz_passed"]``; the record's
    ``passed`` if the detail has none); a first response is kept as JSON text, None if never answered; time
    spent (``duration``, seconds) on the attempt and on each question where it was recorded, else None.
    """
    detail = record.detail
    key = {
        "quiz_id": record.quiz_id,
        "learner_id": record.learner_id,
        "completed_at": record.timestamp,
        "statement_id": record.id,
    }
    attempt = {
        **key,
        "attempt_id": record.attempt_id,
        "percentage": record.percentage,
        "quiz_passed": bool(detail.get("quiz_passed", record.passed)),
        "duration": detail.get("duration"),
    }
    questions = [
        {
            **key,
            "position": i,
            "question_id": q["question_id"],
            "kind": q["kind"],
            "credit": q["credit"],
            "max_points": q["max_points"],
            "first_response": response_text(q.get("first_response")),
            "duration": q.get("duration"),
        }
        for i, q in enumerate(detail.get("questions", ()))
    ]
    return attempt, questions


# One encoder, made once: json.dumps with options builds a new one on every call, which costs more than encoding.
_RESPONSE_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def response_text(response: Any) -> str | None:
    """A response as the JSON text ``question_results`` keeps (key order as sent; None stays NULL)."""
    if response is None:
        return None
    return _RESPONSE_ENCODER.encode(response)
