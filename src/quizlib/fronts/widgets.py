"""The live-Jupyter front: ipywidgets that score through :mod:`quizlib.score`.

A :class:`QuizWidget` works in JupyterLab, Notebook and VS Code. Its state follows the same rules as the
published pages (tries, revealing the answer, vignettes walked once, choices in the order drawn for the
attempt's seed), because both ask :mod:`quizlib.score` and :mod:`quizlib.quiz.shuffle` or their JavaScript
twins. Listeners added with :meth:`QuizWidget.on` receive the same events as the JavaScript front's
``QuizLibUI.on``: ``answered`` after each try and ``completed`` once per attempt, each with the seconds spent.

A summative quiz is answered whole and then submitted (*Submit your answers*); nothing is said about an
answer before. The kernel holds the keys, so in a notebook it is practice: it says so, and sends no event
(the course server scores summative quizzes itself, through ``/api/v1/attempts``).
"""

from __future__ import annotations

import html
import random
import time
import uuid
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import ipywidgets as w

from quizlib.quiz import draw, score
from quizlib.quiz.kinds import kind_of
from quizlib.quiz.model import (
    Course,
    Matching,
    MultipleResponse,
    Numeric,
    Ordering,
    Question,
    Quiz,
    SingleChoice,
    TrueFalse,
    Vignette,
)
from quizlib.quiz.shuffle import arrangement

Listener = Callable[[dict[str, Any]], None]
IDLE = 600.0  # seconds: a longer gap between two actions counts as this much (the learner was away)
_FULL = w.Layout(width="auto")


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{html.escape(p.strip())}</p>" for p in text.split("\n\n") if p.strip())


Q = TypeVar("Q", bound=Question)


class QuestionWidget(w.VBox, Generic[Q]):
    """One question: its inputs, a Check button, a Show-the-answer button and the feedback.

    Each kind is a subclass (see :data:`WIDGETS`) that provides the inputs: :meth:`build_inputs` (the
    widget holding them), :meth:`response` (the current response as :mod:`quizlib.quiz.score` reads it, or
    None), :meth:`set_response` and :meth:`input_widgets` (what to disable when the question is over).
    """

    question: Q
    hint = "Please give an answer first."
    checked = True  # answered with Check answer (a case is decided stage by stage instead)
    partial_feedback_until_final = False  # before the last try, show only what is right (arrangements)

    def heading_text(self, number: int, total: int) -> str:
        return f"Question {number} of {total}"

    def __init__(self, quiz_widget: QuizWidget, question: Q, number: int, total: int, alike: bool = False):
        self.alike = alike  # every question of the quiz is of this kind (a case is then "Case 2 of 9")
        self.quiz_widget = quiz_widget
        self.question = question
        self.settings = quiz_widget.quiz.settings
        self.shown_order = arrangement(question, quiz_widget.seed)  # the order its choices are shown in
        self.summative = quiz_widget.quiz.summative  # answers held until the quiz is submitted
        self.tries: list[Any] = []
        self.revealed = False
        self.reviewing = False  # a submitted summative quiz: the answer is shown with the feedback
        self.heading = w.HTML(f"<h3>{html.escape(self.heading_text(number, total))}</h3>")
        self.prompt = w.HTML(_paragraphs(question.prompt))
        self.feedback = w.HTML("")
        self.tries_note = w.HTML("")
        self.check_button = w.Button(description="Check answer", button_style="primary", layout=_FULL)
        self.reveal_button = w.Button(description="Show the answer", layout=w.Layout(width="auto", display="none"))
        self.check_button.on_click(lambda _: self.check())
        self.reveal_button.on_click(lambda _: self.reveal())
        self.inputs = self.build_inputs()
        controls = w.HBox([self.check_button, self.reveal_button, self.tries_note])
        children = [self.heading, self.prompt, self.inputs]
        if self.checked and not self.summative:
            children += [controls]
        super().__init__(children + [self.feedback])

    # -- what each kind provides -------------------------------------------------------------------------

    def build_inputs(self) -> w.Widget:
        raise NotImplementedError

    def response(self) -> Any:
        """The learner's current response as quizlib.score reads it, or None if there is none yet."""
        raise NotImplementedError

    def set_response(self, response: Any) -> None:
        raise NotImplementedError

    def input_widgets(self) -> list[w.Widget]:
        raise NotImplementedError

    @property
    def outcome(self) -> score.QuestionOutcome:
        return score.outcome(self.question, self.tries, self.settings, self.revealed)

    @property
    def is_final(self) -> bool:
        return self.outcome.final

    # -- checking ---------------------------------------------------------------------------------------

    def check(self) -> score.QuestionResult | None:
        """Score the current response as one try; show and return the result (None if no valid response)."""
        if self.is_final:
            return None
        response = self.response()
        try:
            if response is None:
                raise score.ResponseError("no response")
            result = score.score_response(self.question, response, self.settings)
        except score.ResponseError:
            self.feedback.value = f'<div role="alert"><p><strong>{self.hint}</strong></p></div>'
            return None
        self.tries.append(response)
        self.quiz_widget._record(self, response, result)
        self._show(result)
        return result

    def review(self) -> None:
        """After a summative quiz is submitted: the response held, scored as one try, with its feedback."""
        self.summative = False
        response = self.response()
        if response is None:
            for x in self.input_widgets():
                x.disabled = True
            answer = html.escape(kind_of(self.question).answer_text(self.question))
            self.feedback.value = f'<div role="alert"><p><strong>Not answered.</strong></p><p><strong>The answer:</strong> {answer}</p></div>'
            return
        self.reviewing = True  # the answer is shown with the feedback
        self.tries = [response]
        self._show(score.score_response(self.question, response, self.settings))

    def reveal(self) -> None:
        if self.settings.reveal_after and len(self.tries) >= self.settings.reveal_after and not self.is_final:
            self.revealed = True
            self.quiz_widget._record(self, None, None)
            last = score.score_response(self.question, self.tries[-1], self.settings) if self.tries else None
            self._show(last)

    def _cite(self, keys) -> str:
        refs = self.quiz_widget.course.bibliography.references
        names = [refs[k].short if k in refs else k for k in (keys or self.question.cite)]
        return f"<p><em>Source: {html.escape('; '.join(names))}.</em></p>" if names else ""

    def _show(self, result: score.QuestionResult | None) -> None:
        outcome = self.outcome
        parts = []
        if result is not None:
            if result.credit == 1:
                parts.append("<p><strong>Correct.</strong></p>")
            elif result.credit > 0:
                parts.append(f"<p><strong>Partly correct: {round(result.credit * 100)}% of the credit.</strong></p>")
            else:
                parts.append("<p><strong>Not correct.</strong></p>")
            shown = result.feedback
            if self.partial_feedback_until_final and not outcome.final:
                shown = tuple(f for f in result.feedback if f.correct)
            for f in shown:
                mark = "Right" if f.correct else "Not quite"
                parts.append(f"<div><p><strong>{mark}.</strong></p>{_paragraphs(f.text)}{self._cite(f.cite)}</div>")
        can_reveal = self.settings.reveal_after > 0 and outcome.tries >= self.settings.reveal_after
        if outcome.final:
            for x in self.input_widgets():
                x.disabled = True
            self.check_button.disabled = True
            self.reveal_button.layout.display = "none"
            self.tries_note.value = ""
            if (can_reveal or self.revealed or self.reviewing) and not (result and result.correct):
                parts.append(
                    f"<p><strong>The answer:</strong> {html.escape(kind_of(self.question).answer_text(self.question))}</p>"
                )
        else:
            left = self.settings.tries - outcome.tries
            self.tries_note.value = f"You can try again ({left} {'try' if left == 1 else 'tries'} left)."
            self.reveal_button.layout.display = None if can_reveal else "none"
        self.feedback.value = f'<div role="alert">{"".join(parts)}</div>'


# -- the inputs of each kind ----------------------------------------------------------------------------


class RadioWidget(QuestionWidget[Q]):
    """A question answered by choosing one of a few labelled values."""

    def choices(self) -> list[tuple[str, Any]]:
        """The (label, response) pairs to choose from."""
        raise NotImplementedError

    def build_inputs(self) -> w.Widget:
        self.choice = w.RadioButtons(options=self.choices(), value=None, layout=_FULL)
        return self.choice

    def response(self) -> Any:
        return self.choice.value

    def set_response(self, response: Any) -> None:
        self.choice.value = response

    def input_widgets(self) -> list[w.Widget]:
        return [self.choice]


class ChoiceWidget(RadioWidget[SingleChoice]):
    hint = "Please choose an option first."

    def choices(self) -> list[tuple[str, Any]]:
        texts = {o.id: o.text for o in self.question.options}
        return [(texts[oid], oid) for oid in self.shown_order["options"]]


class TrueFalseWidget(RadioWidget[TrueFalse]):
    hint = "Please choose true or false first."

    def choices(self) -> list[tuple[str, Any]]:
        return [("True", True), ("False", False)]


class MultipleResponseWidget(QuestionWidget[MultipleResponse]):
    hint = "Please select at least one option first."

    def build_inputs(self) -> w.Widget:
        texts = {o.id: o.text for o in self.question.options}
        self.boxes = {
            oid: w.Checkbox(description=texts[oid], value=False, indent=False, layout=_FULL)
            for oid in self.shown_order["options"]
        }
        return w.VBox([w.HTML("<em>Select all that apply.</em>"), *self.boxes.values()])

    def response(self) -> Any:
        return [oid for oid, box in self.boxes.items() if box.value] or None

    def set_response(self, response: Any) -> None:
        for oid, box in self.boxes.items():
            box.value = oid in response

    def input_widgets(self) -> list[w.Widget]:
        return list(self.boxes.values())


class NumericWidget(QuestionWidget[Numeric]):
    hint = "Please type a number, using digits (for example 12 or 0.5)."

    def build_inputs(self) -> w.Widget:
        self.number = w.Text(placeholder="Type a number", layout=w.Layout(width="12em"))
        unit = [w.Label(self.question.unit)] if self.question.unit else []
        return w.HBox([self.number, *unit])

    def response(self) -> Any:
        return self.number.value.strip() or None

    def set_response(self, response: Any) -> None:
        self.number.value = str(response)

    def input_widgets(self) -> list[w.Widget]:
        return [self.number]


class OrderingWidget(QuestionWidget[Ordering]):
    partial_feedback_until_final = True

    def build_inputs(self) -> w.Widget:
        self.order = [item.id for item in self.question.items]
        self.order_box = w.VBox()
        self._draw_order()
        return w.VBox(
            [w.HTML("<em>Use Move up and Move down to put the steps in order, first at the top.</em>"), self.order_box]
        )

    def _draw_order(self) -> None:
        items = {item.id: item for item in self.question.items}
        rows = []
        for i, step in enumerate(self.order):
            up = w.Button(
                description="Move up", icon="arrow-up", disabled=i == 0, tooltip=f"Move up: {items[step].text}"
            )
            down = w.Button(
                description="Move down",
                icon="arrow-down",
                disabled=i == len(self.order) - 1,
                tooltip=f"Move down: {items[step].text}",
            )
            up.on_click(lambda _, i=i: self.move(i, -1))
            down.on_click(lambda _, i=i: self.move(i, +1))
            rows.append(
                w.HBox([w.HTML(f"{i + 1}. {html.escape(items[step].text)}", layout=w.Layout(flex="1")), up, down])
            )
        self.order_box.children = rows

    def move(self, index: int, direction: int) -> None:
        """Move the step at ``index`` up (-1) or down (+1)."""
        j = index + direction
        if 0 <= j < len(self.order) and not self.is_final:
            self.order[index], self.order[j] = self.order[j], self.order[index]
            self._draw_order()

    def response(self) -> Any:
        return list(self.order)

    def set_response(self, response: Any) -> None:
        self.order = list(response)
        self._draw_order()

    def input_widgets(self) -> list[w.Widget]:
        return [b for row in self.order_box.children for b in row.children[1:]]


class MatchingWidget(QuestionWidget[Matching]):
    hint = "Please choose a match for every item first."
    partial_feedback_until_final = True

    def build_inputs(self) -> w.Widget:
        q = self.question
        texts = {**{p.id: p.right for p in q.pairs}, **{d.id: d.text for d in q.distractors}}
        choices = [(texts[cid], cid) for cid in self.shown_order["choices"]]
        self.selects = {
            p.id: w.Dropdown(
                options=[("Choose…", ""), *choices],
                value="",
                description=p.left,
                style={"description_width": "initial"},
                layout=_FULL,
            )
            for p in q.pairs
        }
        return w.VBox(list(self.selects.values()))

    def response(self) -> Any:
        chosen = {pid: s.value for pid, s in self.selects.items()}
        return None if "" in chosen.values() else chosen

    def set_response(self, response: Any) -> None:
        for pid, s in self.selects.items():
            s.value = response.get(pid, "")

    def input_widgets(self) -> list[w.Widget]:
        return list(self.selects.values())


class VignetteWidget(QuestionWidget[Vignette]):
    """A case, decided stage by stage; each decision is final."""

    checked = False

    def heading_text(self, number: int, total: int) -> str:
        if self.alike:
            return f"Case {number} of {total}: {self.question.title}"
        return f"Question {number} of {total}, a case: {self.question.title}"

    def build_inputs(self) -> w.Widget:
        self.path: list[str] = []
        self.stage_box = w.VBox()
        self._show_stage(self.question.start)
        return self.stage_box

    def response(self) -> Any:
        return list(self.path)

    def set_response(self, response: Any) -> None:
        for option_id in response:
            self.decide(option_id)

    def review(self) -> None:
        """After a summative quiz is submitted: the case walked again, with the feedback on each decision."""
        path = list(self.path)
        self.summative = False
        self.path, self.tries = [], []
        self.stage_box.children = ()
        self._show_stage(self.question.start)
        for option_id in path:
            self.decide(option_id, record=False)
        last = self.current_stage  # a case left part way: its open stage is closed now
        last.choice.disabled = last.decide.disabled = True

    def input_widgets(self) -> list[w.Widget]:
        return []

    def _show_stage(self, stage_id: str) -> None:
        stage = next(s for s in self.question.stages if s.id == stage_id)
        texts = {o.id: o.text for o in stage.options}
        choice = w.RadioButtons(
            options=[(texts[oid], oid) for oid in self.shown_order[stage.id]], value=None, layout=_FULL
        )
        decide = w.Button(description="Decide", button_style="primary")
        out = w.HTML("")
        box = w.VBox(
            [
                w.HTML(_paragraphs(stage.text) + f"<p><strong>{html.escape(stage.prompt)}</strong></p>"),
                choice,
                decide,
                out,
            ]
        )
        box.stage, box.choice, box.decide, box.out = stage, choice, decide, out
        decide.on_click(lambda _: self.decide(choice.value))
        self.stage_box.children = (*self.stage_box.children, box)

    @property
    def current_stage(self) -> w.VBox:
        return self.stage_box.children[-1]

    def decide(self, option_id: str | None, record: bool = True) -> score.QuestionResult | None:
        """Take a decision at the current stage of a vignette; return the result of the path so far (in a
        summative quiz before it is submitted, the decision is kept and nothing is said about it)."""
        box = self.current_stage
        if option_id is None:
            box.out.value = '<div role="alert"><p><strong>Please choose what you would do first.</strong></p></div>'
            return None
        if box.decide.disabled:
            return None
        box.choice.value = option_id
        path = self.path + [option_id]
        result = score.score_response(self.question, path, self.settings)
        self.path = path
        option = next(o for o in box.stage.options if o.id == option_id)
        box.choice.disabled = box.decide.disabled = True
        if self.summative:
            kept = "The case goes on." if option.next else "This is the end of the case."
            box.out.value = f'<div role="status"><p><strong>Your decision is kept.</strong> {kept}</p></div>'
            if option.next:
                self._show_stage(option.next)
            return result
        self.tries = [path]
        if record:
            self.quiz_widget._record(self, path, result)
        verdict = (
            "A strong choice."
            if option.credit == 1
            else ("A reasonable choice, but not the strongest." if option.credit > 0 else "Not the best choice.")
        )
        text = f"<p><strong>{verdict}</strong></p>{_paragraphs(option.feedback)}{self._cite(option.cite)}"
        if option.next:
            box.out.value = f'<div role="alert">{text}</div>'
            self._show_stage(option.next)
        else:
            ending_text = box.stage.ending_after(option)
            ending = _paragraphs(ending_text) if ending_text else ""
            box.out.value = (
                f'<div role="alert">{text}{ending}<p><strong>End of the case. Your decisions earned '
                f"{round(result.credit * 100)}% of the credit.</strong></p></div>"
            )
        return result


WIDGETS: dict[str, type[QuestionWidget[Any]]] = {
    "single_choice": ChoiceWidget,
    "multiple_response": MultipleResponseWidget,
    "true_false": TrueFalseWidget,
    "numeric": NumericWidget,
    "ordering": OrderingWidget,
    "matching": MatchingWidget,
    "vignette": VignetteWidget,
}
"""The widget class of each question kind (one per kind of :data:`quizlib.quiz.kinds.KINDS`)."""


class QuizWidget(w.VBox):
    """A whole quiz in live Jupyter. ``seed`` fixes an assessment's draw (random by default)."""

    def __init__(self, course: Course, quiz_id: str, seed: int | None = None):
        self.course = course
        self.quiz: Quiz = course.quiz(quiz_id)
        self.seed = seed if seed is not None else random.getrandbits(32)
        self.attempt_id = str(uuid.uuid4())
        self.listeners: list[Listener] = []
        self._completed = False
        self.submitted = False
        self.spent: dict[str, float] = {}  # question id -> seconds (see _spend)
        self._last_action = time.monotonic()
        shown = self.shown = draw.shown_questions(self.quiz, course.quizzes, self.seed)
        alike = {q.kind: all(x.kind == q.kind for x in shown) for q in shown}
        self.questions = [WIDGETS[q.kind](self, q, n, len(shown), alike[q.kind]) for n, q in enumerate(shown, start=1)]
        s = self.quiz.settings
        rules = (
            f"Pass mark: {s.pass_mark:g}%. You have {s.tries} {'try' if s.tries == 1 else 'tries'} at each question."
        )
        parts = [
            title := w.HTML(f"<h2>{html.escape(self.quiz.title)}</h2><p>{html.escape(self.quiz.intro)} {rules}</p>")
        ]
        if self.quiz.summative:
            title.value += (
                "<p><strong>Practice mode.</strong> In a notebook this assessment is practice: it is marked here "
                "and sent to no one, and the answers travel with the notebook. Answer every question, then submit "
                "your answers; nothing is marked before.</p>"
            )
            self.submit_button = w.Button(description="Submit your answers", button_style="primary", layout=_FULL)
            self.submit_button.on_click(lambda _: self.submit())
        self.summary = w.HTML("")
        parts += [*self.questions, *([self.submit_button] if self.quiz.summative else []), self.summary]
        super().__init__(parts)
        self._update_summary()

    def _spend(self, question_id: str) -> float:
        """Add the time since the learner's previous action in this quiz (at most :data:`IDLE` seconds) to
        ``question_id``; return its seconds so far. The same measure as the published pages' Clock."""
        now = time.monotonic()
        gap = min(max(0.0, now - self._last_action), IDLE)
        self._last_action = now
        self.spent[question_id] = round(self.spent.get(question_id, 0.0) + gap, 2)
        return self.spent[question_id]

    def submit(self) -> score.QuizResult | None:
        """Submit a summative quiz's answers: score them, each as one try, and show the result and feedback
        (unless the quiz's review is ``never``)."""
        if not self.quiz.summative or self.submitted:
            return None
        self.submitted = True
        self.submit_button.disabled = True
        for qw in self.questions:
            if self.quiz.settings.review == "never":
                qw.summative = False
                response = qw.response()
                qw.tries = [response] if response is not None and response != [] else []
                for x in qw.input_widgets():
                    x.disabled = True
            else:
                qw.review()
        r = self.result()
        verdict = "you passed." if r.passed else "not passed this time."
        self.summary.value = (
            f'<div role="status"><p>{html.escape(f"Your answers are submitted. Your score: {r.points:g} out of {r.max_points:g} ({r.percentage:g}%). The pass mark is {self.quiz.settings.pass_mark:g}%: {verdict}")}</p>'
            "<p>This was practice: the result is not recorded.</p></div>"
        )
        return r

    def on(self, listener: Listener) -> None:
        """Call ``listener(event)`` after each try (``answered``) and when the quiz is complete (``completed``).

        Every event has ``quiz`` (the :class:`~quizlib.quiz.model.Quiz`), ``quiz_id``, ``chapter``,
        ``attempt_id`` and ``seed``; ``answered`` adds ``question``, ``response``, ``result`` (this try),
        ``outcome`` (the question so far) and ``try_number``; ``completed`` adds ``result`` (the quiz's) and
        ``answers`` (question id -> ``{"tries": [...], "revealed": bool}``, as :func:`score.score_quiz` reads).
        """
        self.listeners.append(listener)

    def question(self, question_id: str) -> QuestionWidget:
        return next(qw for qw in self.questions if qw.question.id == question_id)

    def answers(self) -> dict[str, dict[str, Any]]:
        return {
            qw.question.id: {"tries": list(qw.tries), "revealed": qw.revealed}
            for qw in self.questions
            if qw.tries or qw.revealed
        }

    def result(self) -> score.QuizResult:
        return score.score_quiz(self.quiz, self.answers(), self.shown)

    def _record(self, qw: QuestionWidget, response: Any, result: score.QuestionResult | None) -> None:
        seconds = self._spend(qw.question.id)
        if self.quiz.summative:
            return  # practice in a notebook: nothing is recorded (the server scores summative quizzes)
        quiz_result = self.result()
        base = {
            "quiz": self.quiz,
            "quiz_id": self.quiz.id,
            "chapter": self.quiz.chapter,
            "attempt_id": self.attempt_id,
            "seed": self.seed,
        }
        if response is not None:
            outcome = next(o for o in quiz_result.questions if o.question_id == qw.question.id)
            self._emit(
                {
                    "type": "answered",
                    "question": qw.question,
                    "response": response,
                    "result": result,
                    "outcome": outcome,
                    "try_number": len(qw.tries),
                    "duration": seconds,
                    **base,
                }
            )
        if quiz_result.complete and not self._completed:
            self._completed = True
            total = round(sum(self.spent.values()), 2)
            self._emit(
                {"type": "completed", "result": quiz_result, "answers": self.answers(), "duration": total, **base}
            )
        self._update_summary(quiz_result)

    def _emit(self, event: dict[str, Any]) -> None:
        for listener in self.listeners:
            listener(event)

    def _update_summary(self, r: score.QuizResult | None = None) -> None:
        r = r or self.result()
        if r.complete:
            verdict = "you passed." if r.passed else "not passed yet."
            text = (
                f"Quiz complete. Your score: {r.points:g} out of {r.max_points:g} ({r.percentage:g}%). "
                f"The pass mark is {self.quiz.settings.pass_mark:g}%: {verdict}"
            )
        else:
            done = sum(o.final for o in r.questions)
            text = f"Answered {done} of {len(r.questions)} questions."
        self.summary.value = f'<div role="status"><p>{html.escape(text)}</p></div>'
