"""Where a learner stands: attempts, and progress on each assignment (started, finished, passed, overdue).

Computed from stored statements whenever asked, so every server process gives the same answer. A quiz of
an assignment is passed when the learner's best finished attempt reaches the assignment's pass mark, made
under any registration (an answer sent before the learner's browser knew the assignment still counts).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from quizlib.results.store import Activity, Assignment


@dataclass(frozen=True)
class Attempt:
    quiz_id: str
    attempt_id: str
    started: datetime
    questions_answered: int
    finished: datetime | None
    percentage: float | None
    passed: bool | None  # as judged when it was stored (the assignment's or the quiz's pass mark)


@dataclass(frozen=True)
class QuizProgress:
    quiz_id: str
    attempts: int
    started: bool
    finished: bool
    best_percentage: float | None
    passed: bool


@dataclass(frozen=True)
class AssignmentProgress:
    assignment: Assignment
    quizzes: tuple[QuizProgress, ...]
    started: bool
    finished: bool  # every quiz finished at least once
    passed: bool  # every quiz passed
    overdue: bool  # due date gone and not passed

    @property
    def quizzes_passed(self) -> int:
        return sum(q.passed for q in self.quizzes)


def attempts(statements: Iterable[Activity]) -> list[Attempt]:
    """A learner's attempts, newest first, from their statements (:meth:`quizlib.store.Store.activity`)."""
    by_attempt: dict[tuple[str, str], list[Activity]] = defaultdict(list)
    for s in statements:
        by_attempt[(s.quiz_id, s.attempt_id)].append(s)
    out = []
    for (quiz_id, attempt_id), items in by_attempt.items():
        completed = [s for s in items if s.verb == "completed"]
        done = completed[0] if completed else None
        out.append(
            Attempt(
                quiz_id=quiz_id,
                attempt_id=attempt_id,
                started=min(s.timestamp for s in items),
                questions_answered=len({s.question_id for s in items if s.verb == "answered"}),
                finished=done.timestamp if done else None,
                percentage=done.percentage if done else None,
                passed=done.passed if done else None,
            )
        )
    out.sort(key=lambda a: a.started, reverse=True)
    return out


def assignment_progress(assignment: Assignment, learner_attempts: list[Attempt], today: date) -> AssignmentProgress:
    quizzes = []
    for quiz_id in assignment.quiz_ids:
        mine = [a for a in learner_attempts if a.quiz_id == quiz_id]
        scores = [a.percentage for a in mine if a.percentage is not None]
        best = max(scores) if scores else None
        quizzes.append(
            QuizProgress(
                quiz_id=quiz_id,
                attempts=len(mine),
                started=bool(mine),
                finished=bool(scores),
                best_percentage=best,
                passed=best is not None and best >= assignment.pass_mark,
            )
        )
    passed = all(q.passed for q in quizzes)
    return AssignmentProgress(
        assignment=assignment,
        quizzes=tuple(quizzes),
        started=any(q.started for q in quizzes),
        finished=all(q.finished for q in quizzes),
        passed=passed,
        overdue=assignment.due_date is not None and assignment.due_date < today and not passed,
    )
