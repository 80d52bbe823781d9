"""The quiz model: what a question bank holds, typed, with no I/O.

These dataclasses are also the schema. `load.py` builds them from YAML, checking each field against its
type hint, and `schema.py` exports the same definitions as JSON Schema for editors. A field's ``help``
metadata is the text an author sees in both places.
"""

from __future__ import annotations

import dataclasses
from dataclasses import MISSING, dataclass, field
from typing import Literal

SCHEMA_VERSION = 1

KINDS = (
    "single_choice",
    "multiple_response",
    "true_false",
    "numeric",
    "ordering",
    "matching",
    "vignette",
)


def spec(help: str, *, default=MISSING, **constraints):
    """A dataclass field with the help text authors see in errors and in the JSON Schema.

    ``constraints`` are checked by the loader and exported to the schema: ``pattern``, ``minimum``,
    ``maximum``, ``min_items``. A field without a default is required.
    """
    return field(default=default, metadata={"help": help, **constraints})


ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
FIXED_HELP = (
    "Keep this choice where it is written when the choices are shown in an order drawn for each learner, "
    "e.g. 'None of these' last."
)


@dataclass(frozen=True, kw_only=True)
class Reference:
    short: str = spec("How the source is cited beside feedback, e.g. 'Bakermans-Kranenburg et al. (2003)'.")
    full: str = spec("The full citation shown on the references page.")


@dataclass(frozen=True, kw_only=True)
class Bibliography:
    schema_version: int = spec("Version of this file format. This library reads version 1.")
    references: dict[str, Reference] = spec("Sources by key; questions cite them with `cite: [key]`.")


@dataclass(frozen=True, kw_only=True)
class Objective:
    id: str = spec("Short id of the objective, unique in the quiz.", pattern=ID_PATTERN)
    text: str = spec("What a learner can do after the chapter, e.g. 'Explain what sensitivity means.'")


@dataclass(frozen=True, kw_only=True)
class Settings:
    pass_mark: float = spec("Percentage needed to pass the quiz (0 to 100).", minimum=0, maximum=100)
    tries: int = spec("How many times a learner may check each question (at least 1).", default=2, minimum=1)
    reveal_after: int = spec(
        "After this many tries the learner may ask to see the answer, which ends the question; the answer is "
        "also shown when the tries run out. 0 means the answer is never shown.",
        default=0,
        minimum=0,
    )
    retry_penalty: float = spec(
        "Fraction of a question's credit lost for each try after the first (0 to 1).",
        default=0.0,
        minimum=0,
        maximum=1,
    )
    numeric_tolerance: float = spec(
        "Default allowed distance from the answer for numeric questions.", default=0.0, minimum=0
    )
    mode: Literal["formative", "summative"] = spec(
        "formative: a practice quiz, with feedback after each try. summative: an assessment; answers are held "
        "until the attempt is submitted, and when the course is served by `quizlib serve` the server scores them.",
        default="formative",
    )
    review: Literal["after_submit", "after_due", "never"] = spec(
        "For a summative quiz: when a learner sees the answers and feedback of a submitted attempt: after_submit "
        "(at once), after_due (after the due date of the assignment, never without one) or never.",
        default="after_submit",
    )
    attempts: int | None = spec(
        "For a summative quiz (required there): how many attempts a learner may make.", default=None, minimum=1
    )
    time_limit: int = spec(
        "For a summative quiz: the minutes a learner has for an attempt; 0 means no time limit.", default=0, minimum=0
    )


@dataclass(frozen=True, kw_only=True)
class Option:
    text: str = spec("The option as the learner reads it.")
    feedback: str = spec("Why this option is right or wrong, shown after the learner chooses it.")
    id: str = spec("Stable id of the option; defaults to a, b, c... by position.", default="", pattern=ID_PATTERN)
    correct: bool = spec("Whether choosing this option is right.", default=False)
    cite: tuple[str, ...] = spec("Keys of sources (from references.yaml) shown with the feedback.", default=())
    fixed: bool = spec(FIXED_HELP, default=False)


@dataclass(frozen=True, kw_only=True)
class NumericFeedback:
    correct: str = spec("Feedback when the answer is within tolerance.")
    incorrect: str = spec("Feedback for any other answer.")


@dataclass(frozen=True, kw_only=True)
class WrongAnswer:
    value: float = spec("A likely wrong answer.")
    feedback: str = spec("Feedback specific to this wrong answer, e.g. which figure it confuses.")


@dataclass(frozen=True, kw_only=True)
class TrueFalseFeedback:
    if_true: str = spec("Feedback when the learner answers 'true'.")
    if_false: str = spec("Feedback when the learner answers 'false'.")


@dataclass(frozen=True, kw_only=True)
class OrderItem:
    id: str = spec("Id of the step; `order` lists these ids.", pattern=ID_PATTERN)
    text: str = spec("The step as the learner reads it.")
    feedback: str = spec("Why the step belongs where it does.")


@dataclass(frozen=True, kw_only=True)
class Pair:
    id: str = spec("Id of the pair.", pattern=ID_PATTERN)
    left: str = spec("The item on the left, which the learner matches.")
    right: str = spec("The right-hand item it belongs with.")
    feedback: str = spec("Why these two belong together.")


@dataclass(frozen=True, kw_only=True)
class Distractor:
    id: str = spec("Id of the extra right-hand choice.", pattern=ID_PATTERN)
    text: str = spec("A right-hand choice that matches no left item.")
    feedback: str = spec("Why it matches nothing.")
    fixed: bool = spec(FIXED_HELP, default=False)


@dataclass(frozen=True, kw_only=True)
class StageOption:
    text: str = spec("The decision as the learner reads it.")
    feedback: str = spec("What happens and why, tied to the evidence.")
    credit: float = spec("Credit for this decision, 0 to 1; each stage needs one option worth 1.", minimum=0, maximum=1)
    id: str = spec("Stable id of the decision; defaults to a, b, c... by position.", default="", pattern=ID_PATTERN)
    next: str = spec("Id of the stage this decision leads to; leave out to end the case here.", default="")
    ending: str = spec("Text shown when the case ends with this decision; replaces the stage's ending.", default="")
    cite: tuple[str, ...] = spec("Keys of sources shown with the feedback.", default=())
    fixed: bool = spec(FIXED_HELP, default=False)


@dataclass(frozen=True, kw_only=True)
class Stage:
    id: str = spec("Id of the stage, unique in the vignette.", pattern=ID_PATTERN)
    text: str = spec("What happens at this point in the case.")
    prompt: str = spec("The decision the learner makes.")
    options: tuple[StageOption, ...] = spec("The decisions on offer (at least two).", min_items=2)
    ending: str = spec(
        "Text shown when the case ends after this stage, for a decision without an ending of its own.", default=""
    )

    def ending_after(self, option: StageOption) -> str:
        """The text shown when ``option`` ends the case here: its own ending, else the stage's ("" if it goes on)."""
        if option.next:
            return ""
        return option.ending or self.ending


@dataclass(frozen=True, kw_only=True)
class QuestionBase:
    id: str = spec("Id of the question, unique in the quiz.", pattern=ID_PATTERN)
    objective: str = spec("Id of the learning objective (from `objectives`) this question tests.")
    prompt: str = spec("The question as the learner reads it.")
    points: float = spec("Weight of the question in the quiz total.", default=1.0, minimum=0)
    cite: tuple[str, ...] = spec("Keys of sources for the question as a whole.", default=())


@dataclass(frozen=True, kw_only=True)
class SingleChoice(QuestionBase):
    kind: Literal["single_choice"] = spec("One correct option.", default="single_choice")
    options: tuple[Option, ...] = spec("The options; exactly one is correct.", min_items=2)


@dataclass(frozen=True, kw_only=True)
class MultipleResponse(QuestionBase):
    kind: Literal["multiple_response"] = spec("Select all that apply.", default="multiple_response")
    options: tuple[Option, ...] = spec("The options; at least one is correct.", min_items=2)


@dataclass(frozen=True, kw_only=True)
class TrueFalse(QuestionBase):
    kind: Literal["true_false"] = spec("A statement that is true or false.", default="true_false")
    answer: bool = spec("Whether the statement is true.")
    feedback: TrueFalseFeedback = spec("Feedback for each answer.")


@dataclass(frozen=True, kw_only=True)
class Numeric(QuestionBase):
    kind: Literal["numeric"] = spec("A number, right within a tolerance.", default="numeric")
    answer: float = spec("The correct value.")
    tolerance: float | None = spec(
        "Allowed distance from the answer; defaults to the quiz's numeric_tolerance.", default=None, minimum=0
    )
    unit: str = spec("Unit shown after the input, e.g. 'families'.", default="")
    feedback: NumericFeedback = spec("Feedback for right and wrong answers.")
    wrong_answers: tuple[WrongAnswer, ...] = spec("Specific feedback for likely wrong answers.", default=())


@dataclass(frozen=True, kw_only=True)
class Ordering(QuestionBase):
    kind: Literal["ordering"] = spec("Put steps in order.", default="ordering")
    items: tuple[OrderItem, ...] = spec("The steps, in any order.", min_items=2)
    order: tuple[str, ...] = spec("Ids of every step, in the correct order.")


@dataclass(frozen=True, kw_only=True)
class Matching(QuestionBase):
    kind: Literal["matching"] = spec("Pair each left item with a right item.", default="matching")
    pairs: tuple[Pair, ...] = spec("The correct pairs.", min_items=2)
    distractors: tuple[Distractor, ...] = spec("Extra right-hand choices that match nothing.", default=())


@dataclass(frozen=True, kw_only=True)
class Vignette(QuestionBase):
    kind: Literal["vignette"] = spec("A case told in stages; decisions may branch.", default="vignette")
    title: str = spec("Short title of the case.")
    start: str = spec("Id of the first stage.")
    stages: tuple[Stage, ...] = spec("The stages of the case.", min_items=1)


Question = SingleChoice | MultipleResponse | TrueFalse | Numeric | Ordering | Matching | Vignette
QUESTION_TYPES: dict[str, type] = {
    "single_choice": SingleChoice,
    "multiple_response": MultipleResponse,
    "true_false": TrueFalse,
    "numeric": Numeric,
    "ordering": Ordering,
    "matching": Matching,
    "vignette": Vignette,
}


@dataclass(frozen=True, kw_only=True)
class Draw:
    quiz: str = spec("Id of the quiz whose questions are drawn from.")
    count: int = spec("How many of its questions to draw at each attempt.", minimum=1)
    kinds: tuple[str, ...] = spec("Only draw questions of these kinds; all kinds if left out.", default=())


@dataclass(frozen=True, kw_only=True)
class Quiz:
    schema_version: int = spec("Version of this file format. This library reads version 1.")
    id: str = spec("Id of the quiz, unique in the course.", pattern=ID_PATTERN)
    title: str = spec("Title shown above the quiz.")
    chapter: str = spec("The chapter that teaches this quiz's content, e.g. 'chapters/02-sensitivity'.")
    settings: Settings = spec("Pass mark, tries and other rules of the quiz.")
    objectives: tuple[Objective, ...] = spec("Learning objectives; every question names one.", default=())
    questions: tuple[Question, ...] = spec("The questions, in the order shown.", default=())
    draw: tuple[Draw, ...] = spec(
        "For an assessment: questions drawn afresh from other quizzes at each attempt.", default=()
    )
    intro: str = spec("A sentence shown above the questions.", default="")
    required: bool = spec(
        "Whether the course's certificate of completion asks for this quiz to be passed (false for a practice quiz).",
        default=True,
    )

    @property
    def summative(self) -> bool:
        """An assessment: answers held until submitted, attempts limited (``settings.mode``)."""
        return self.settings.mode == "summative"

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(f"No question {question_id!r} in quiz {self.id!r}")

    def objective(self, objective_id: str) -> Objective:
        for o in self.objectives:
            if o.id == objective_id:
                return o
        raise KeyError(f"No objective {objective_id!r} in quiz {self.id!r}")


@dataclass(frozen=True, kw_only=True)
class Course:
    """Every quiz of the course with the bibliography their citations resolve against."""

    quizzes: dict[str, Quiz]
    bibliography: Bibliography
    sources: dict[str, str] = field(default_factory=dict)  # quiz id -> file it came from

    def quiz(self, quiz_id: str) -> Quiz:
        try:
            return self.quizzes[quiz_id]
        except KeyError:
            known = ", ".join(sorted(self.quizzes)) or "none"
            raise KeyError(f"No quiz {quiz_id!r} in the course (known: {known})") from None


def as_json(value):
    """A model object as plain JSON data (what the JavaScript front and the results store see)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [as_json(v) for v in value]
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    return value
