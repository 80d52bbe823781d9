"""A learner's attempts question by question, for their trainer: each response in words, its credit, the
tries it took and the time spent on it."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from quizlib.quiz.model import Course, Question, Settings
from quizlib.results.report.items import RESPONSE_ROWS, ResponseRow, freeze_response


@dataclass(frozen=True, slots=True)
class Try:
    """One try at one question, as the server scored it (an *answered* statement)."""

    quiz_id: str
    attempt_id: str
    question_id: str  # "<bank>/<id>" for a drawn question
    try_number: int
    response: Any
    credit: float | None  # the question's credit after this try
    at: datetime
    seconds: float | None = None  # time spent, if the browser said (xAPI result.duration)


@dataclass(frozen=True, slots=True)
class Finished:
    """A finished attempt: its score and, per question, every try's response (a *completed* statement)."""

    quiz_id: str
    attempt_id: str
    at: datetime
    percentage: float
    credits: dict[str, float]  # question id -> final credit
    tries: dict[str, list]  # question id -> the responses of each try
    seed: int | None = None


@dataclass(frozen=True, slots=True)
class QuestionReview:
    question_id: str
    prompt: str
    responses: tuple[str, ...]  # each try's response, in words
    tries: int
    credit: float | None  # the question's credit (0 to 1) as it stands
    seconds: float | None  # time spent on it, when it can be told


@dataclass(frozen=True, slots=True)
class AttemptReview:
    quiz_id: str
    attempt_id: str
    started: datetime
    finished: datetime | None
    percentage: float | None
    questions: tuple[QuestionReview, ...]
    duration: float | None = None  # the attempt's own time, where it was recorded (xAPI result.duration)

    @property
    def seconds(self) -> float | None:
        """Time spent on the attempt: as recorded, else the sum of what its questions' times tell."""
        if self.duration is not None:
            return self.duration
        known = [q.seconds for q in self.questions if q.seconds is not None]
        return sum(known) if known else None


def describe(question: Question | None, settings: Settings | None, response: Any) -> str:
    """A response in words, from the per-kind rows item analysis gives one response (the option chosen, the
    value given, the decisions on a case's path, the steps or pairs put right)."""
    if response is None:
        return "no answer"
    if question is None or settings is None:
        return str(response)

    def row(response_id: str, label: str, correct, count: int, of: int = 1) -> ResponseRow:
        return ResponseRow("", question.id, question.kind, response_id, label, correct, count, None, of)

    try:
        rows = RESPONSE_ROWS[question.kind](question, settings, Counter({freeze_response(response): 1}), 1, row)
    except (TypeError, ValueError, AttributeError):
        return str(response)
    summary = next((r for r in rows if r.response.startswith("(") and r.correct is None), None)
    chosen = [r.label or r.response for r in rows if r.count and r.correct is not None]
    if summary is not None and summary.response == "(fully correct)":
        if summary.count:
            return summary.label
        parts = [r for r in rows if r.correct is not None]
        return f"{len(chosen)} of {len(parts)} right" + (": " + "; ".join(chosen) if chosen else "")
    if summary is not None and summary.count and not chosen:
        return summary.label
    return "; ".join(chosen) if chosen else str(response)


def review_attempts(tries: Iterable[Try], finished: Iterable[Finished], course: Course) -> list[AttemptReview]:
    """Every attempt of one learner, newest first, question by question.

    A finished attempt's questions come from its completed statement (every try's response, the final
    credit); an unfinished one's from the answers sent so far. Time spent on a question is what the browser
    reported, or else the time from the answer before it in the attempt to its last try (unknown for the
    first question, whose start the server cannot see).
    """
    by_attempt: dict[tuple[str, str], list[Try]] = defaultdict(list)
    for t in tries:
        by_attempt[(t.quiz_id, t.attempt_id)].append(t)
    done = {(f.quiz_id, f.attempt_id): f for f in finished}
    out = []
    for key in by_attempt.keys() | done.keys():
        quiz_id, attempt_id = key
        mine = sorted(by_attempt.get(key, ()), key=lambda t: (t.at, t.try_number))
        seconds: dict[str, float] = defaultdict(float)
        unknown: set[str] = set()  # a try whose start cannot be told: the question's time is not known
        previous = None
        for t in mine:
            if t.seconds is not None:
                seconds[t.question_id] += t.seconds
            elif previous is not None:
                seconds[t.question_id] += (t.at - previous).total_seconds()
            else:
                unknown.add(t.question_id)
            previous = t.at
        f = done.get(key)
        order = list(dict.fromkeys(t.question_id for t in mine))
        responses: dict[str, list] = defaultdict(list)
        credit: dict[str, float | None] = {}
        for t in mine:
            responses[t.question_id].append(t.response)
            credit[t.question_id] = t.credit
        if f is not None:
            order = list(dict.fromkeys([*f.credits, *order]))
            responses.update({q: list(r) for q, r in f.tries.items()})
            credit.update(f.credits)
        questions = []
        for question_id in order:
            question, settings = _find(course, quiz_id, question_id)
            rs = responses.get(question_id, [])
            questions.append(
                QuestionReview(
                    question_id=question_id,
                    prompt=question.prompt if question is not None else "",
                    responses=tuple(describe(question, settings, r) for r in rs),
                    tries=len(rs),
                    credit=credit.get(question_id),
                    seconds=round(seconds[question_id], 1)
                    if question_id in seconds and question_id not in unknown
                    else None,
                )
            )
        started = mine[0].at if mine else (f.at if f is not None else None)
        assert started is not None
        out.append(
            AttemptReview(
                quiz_id=quiz_id,
                attempt_id=attempt_id,
                started=started,
                finished=f.at if f is not None else None,
                percentage=f.percentage if f is not None else None,
                questions=tuple(questions),
            )
        )
    out.sort(key=lambda a: a.started, reverse=True)
    return out


def _find(course: Course, quiz_id: str, question_id: str) -> tuple[Question | None, Settings | None]:
    """A question of a quiz, or of the bank a drawn question ("<bank>/<id>") comes from."""
    quiz = course.quizzes.get(quiz_id)
    bank_id, _, own = question_id.rpartition("/")
    source = course.quizzes.get(bank_id) if bank_id else quiz
    if source is None:
        return None, None
    for q in source.questions:
        if q.id == (own if bank_id else question_id):
            return q, source.settings
    return None, None
