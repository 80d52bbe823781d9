"""The records reports read (the store's results, through :mod:`quizlib.results.source`), the course's
modules, and small helpers every report shares."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from quizlib.quiz.model import Course


class ReportError(ValueError):
    """A report was asked for something it cannot compute (bad bin width, rows of mixed types...)."""


# -- records the store yields ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuestionScore:
    """One question in one quiz attempt, after all its tries."""

    learner: str  # pseudonymous learner id
    cohort: str  # cohort id ("" if none)
    quiz_id: str
    attempt_id: str
    attempt_number: int  # 1 = the learner's first attempt at this quiz
    question_id: str  # for drawn assessments "<bank>/<id>"
    credit: float  # 0..1, the question's final credit (score.outcome)
    max_points: float
    first_response: Any  # the JSON response of the first try (None if not answered)
    kind: str
    duration: float | None = None  # seconds spent on the question in the attempt, where recorded


@dataclass(frozen=True, slots=True)
class AttemptScore:
    """One finished quiz attempt."""

    learner: str
    cohort: str
    quiz_id: str
    attempt_id: str
    attempt_number: int
    percentage: float  # 0..100
    passed: bool  # against the quiz's own pass mark
    completed_at: datetime
    duration: float | None = None  # seconds spent on the attempt, where recorded


@dataclass(frozen=True, slots=True)
class Started:
    """An attempt a learner has begun (answered at least one question), finished or not."""

    learner: str
    quiz_id: str
    attempt_id: str
    at: datetime | None = None  # its first answer


@dataclass(frozen=True, slots=True)
class Cohort:
    id: str
    name: str
    time_zone: str = "UTC"  # an IANA name: due dates end at midnight there


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A learner's membership of a cohort."""

    learner: str
    cohort: str
    display_name: str = ""
    joined_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Assignment:
    """Quizzes assigned to a cohort (modules: chapters with their quizzes, and perhaps the final assessment).

    ``pass_mark`` (0-100) replaces the quizzes' own when set; ``due`` is a day in the cohort's time zone.
    """

    id: str  # the assignment's UUID (the xAPI registration)
    cohort: str
    quiz_ids: tuple[str, ...]  # what a learner must pass
    pass_mark: float | None = None
    due: date | None = None
    title: str = ""
    created_at: datetime | None = None


# -- the course's modules ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Module:
    id: str  # the chapter, e.g. "chapters/02-sensitivity"
    title: str  # the title of its (first) quiz
    quiz_ids: tuple[str, ...]

    @property
    def label(self) -> str:
        """A short label for charts: the chapter's file name."""
        return self.id.rsplit("/", 1)[-1]


def course_modules(course: Course) -> list[Module]:
    """The course's modules, one per chapter with a quiz, in chapter order (chapters are numbered)."""
    by_chapter: dict[str, list] = defaultdict(list)
    for quiz in course.quizzes.values():
        by_chapter[quiz.chapter].append(quiz)
    return [
        Module(chapter, quizzes[0].title, tuple(q.id for q in quizzes))
        for chapter, quizzes in sorted(by_chapter.items())
    ]


def ratio(part: float, whole: float) -> float | None:
    """``part / whole``, None when ``whole`` is 0 (a rate of nobody is unknown, not 0)."""
    return part / whole if whole else None


def percent(share: float | None, missing: str = "–") -> str:
    """A 0-1 share as a whole percentage ("42%"), ``missing`` for None: how every table and chart writes one."""
    return missing if share is None else f"{100 * share:.0f}%"
