"""Question banks for other quiz engines: the course's questions as GIFT or Moodle XML, for Moodle, Totara and
every LMS that imports either.

``export(course, format, quiz_ids)`` writes every question of the chosen quizzes (all that have questions of
their own, by default) from the same quiz files the book uses. Each format has one writer per question kind
(``gift.GIFT_KINDS``, ``moodle_xml.MOODLE_KINDS``). A kind the format cannot express exactly is written in a
documented form (a case as one question per decision; an ordering in GIFT as a matching of steps to places)
and named in :attr:`Export.notes`; with ``exact=True`` such a question is an error instead, naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from quizlib.fronts.banks import gift, moodle_xml
from quizlib.fronts.banks.common import BankError, Written
from quizlib.quiz.model import Course, Quiz

__all__ = ["FORMATS", "BankError", "Export", "export"]

FORMATS: dict[str, Callable[[Course, Sequence[Quiz], str], Written]] = {
    "gift": gift.write,
    "moodle-xml": moodle_xml.write,
}


@dataclass(frozen=True)
class Export:
    text: str
    questions: int  # questions written, counting each decision of a case written as its own question
    notes: tuple[str, ...]  # one line per question written in a documented form, or per quiz left out


def export(
    course: Course, format: str, quiz_ids: Sequence[str] = (), *, title: str = "Course", exact: bool = False
) -> Export:
    """The chosen quizzes' questions in ``format`` ("gift" or "moodle-xml"), in categories under ``title`` (the
    course's). Raises :class:`BankError`."""
    if format not in FORMATS:
        raise BankError(f"unknown format {format!r}; expected one of: {', '.join(FORMATS)}")
    unknown = [q for q in quiz_ids if q not in course.quizzes]
    if unknown:
        known = ", ".join(course.quizzes)
        raise BankError(f"no quiz {unknown[0]!r} in the course; expected one of: {known}")
    chosen = [course.quizzes[q] for q in (quiz_ids or course.quizzes)]
    notes = []
    with_questions = []
    for quiz in chosen:
        if quiz.questions:
            with_questions.append(quiz)
        else:
            drawn = ", ".join(d.quiz for d in quiz.draw)
            notes.append(
                f"{quiz.id}: has no questions of its own (it draws from {drawn}); in the LMS, build it as a quiz "
                "of random questions from those quizzes' categories"
            )
    if not with_questions:
        raise BankError("the chosen quizzes have no questions of their own; choose quizzes with --quiz")
    written = FORMATS[format](course, with_questions, title)
    if exact and written.approximations:
        first = written.approximations[0]
        raise BankError(
            f"{format} cannot express {len(written.approximations)} question(s) exactly, for example {first}; "
            "leave out --exact to write them in the documented form, or choose other quizzes with --quiz"
        )
    return Export(written.text, written.questions, (*notes, *written.approximations))
