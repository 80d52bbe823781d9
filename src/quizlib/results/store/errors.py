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
