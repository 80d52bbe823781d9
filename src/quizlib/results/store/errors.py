"""The store's errors: every failure a caller can meet has a name and a message that says what to do."""

from __future__ import annotations

from collections.abc import Sequence


class StoreError(Exception):
    """Base of the store's errors."""


class NotFound(StoreError):
    """No such row, e.g. ``NotFound("No cohort 'x'")``."""


class DuplicateName(StoreError):
    """A staff name that is already taken."""


class StatementConflict(StoreError):
    """A statement id that is already stored with different content (xAPI: 409 Conflict)."""

    def __init__(self, ids: Sequence[str]):
        self.ids = list(ids)
        super().__init__(f"statement id already stored with different content: {', '.join(self.ids)}")


class SchemaNotCurrent(StoreError):
    """The database's schema is older than this version of quizlib: run ``quizlib db upgrade``."""


class AttemptConflict(StoreError):
    """Two attempts at once: another request took this attempt number, or submitted this attempt, first."""


class OverLimit(StoreError):
    """A learner has stored as much as the server keeps for one (``full``), or is sending more than it stores
    for one in a minute. ``total`` and ``recent`` are what they had stored, in all and in the last minute."""

    def __init__(self, *, full: bool, total: int, recent: int):
        self.full, self.total, self.recent = full, total, recent
        super().__init__("the learner's storage is full" if full else "too many statements this minute")
