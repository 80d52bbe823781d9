"""What the bank writers share: names, citations and the result of writing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quizlib.quiz.model import Course, Question, Quiz, Stage, StageOption


class BankError(ValueError):
    """A bank that cannot be written as asked; the message names what to change."""


@dataclass(frozen=True)
class Written:
    text: str
    questions: int
    approximations: tuple[str, ...]  # "quiz/question (kind): written as ..." for each documented form


def question_name(quiz: Quiz, question: Question, suffix: str = "") -> str:
    """A question's name in the LMS, the same at every export: ``quiz/question`` (``/stage`` for a decision)."""
    return f"{quiz.id}/{question.id}{'/' + suffix if suffix else ''}"


def category(course_title: str, quiz: Quiz) -> str:
    """The question category for a quiz's questions: the course, then the quiz (a "/" would nest deeper)."""

    def part(text: str) -> str:
        return " ".join(text.replace("/", "-").split())

    return f"$course$/top/{part(course_title)}/{part(quiz.title)}"


def cited_keys(value: Any) -> list[str]:
    """Every citation key in a question (the question's own first), once each, in order."""
    keys: list[str] = []

    def walk(v: Any) -> None:
        cite = getattr(v, "cite", None)
        if cite:
            keys.extend(k for k in cite if k not in keys)
        if isinstance(v, tuple):
            for item in v:
                walk(item)
        elif hasattr(v, "__dataclass_fields__"):
            for name in v.__dataclass_fields__:
                if name != "cite":
                    walk(getattr(v, name))

    walk(value)
    return keys


def sources_text(course: Course, question: Question) -> str:
    refs = course.bibliography.references
    names = [refs[k].short if k in refs else k for k in cited_keys(question)]
    return f"Source{'s' if len(names) > 1 else ''}: {'; '.join(names)}." if names else ""


def paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]


def decision_feedback(stage: Stage, option: StageOption) -> str:
    """A case's decision's feedback and, where the decision ends the case, the ending that follows it."""
    ending = stage.ending_after(option)
    return f"{option.feedback}\n\n{ending}" if ending else option.feedback


def weight(credit: float) -> str:
    """A percentage as Moodle writes grades (at most 5 decimals), e.g. 33.33333, -50, 100."""
    text = f"{credit * 100:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


ORDINALS = ("1st", "2nd", "3rd")


def ordinal(n: int) -> str:
    return ORDINALS[n - 1] if n <= 3 else f"{n}th"
