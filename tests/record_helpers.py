"""Statement records as the store takes them, for tests of the store itself (no ingest, no course)."""

from __future__ import annotations

import uuid
from datetime import datetime

from quizlib.results.store import StatementRecord


def answered(
    learner_id: str,
    when: datetime,
    *,
    quiz_id: str = "sensitivity",
    attempt_id: str | None = None,
    sid: str | None = None,
    detail: dict | None = None,
) -> StatementRecord:
    """An *answered* statement's record: question q1, the first try, right. New ids (random UUIDs) unless given."""
    sid = sid or str(uuid.uuid4())
    return StatementRecord(
        id=sid,
        learner_id=learner_id,
        verb="answered",
        quiz_id=quiz_id,
        question_id="q1",
        attempt_id=attempt_id or str(uuid.uuid4()),
        try_number=1,
        timestamp=when,
        statement={"id": sid},
        received={"id": sid},
        credit=1.0,
        final=True,
        detail=detail or {},
    )
