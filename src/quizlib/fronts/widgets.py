"""The live-Jupyter front: ipywidgets that score through :mod:`quizlib.score`.

A :class:`QuizWidget` works in JupyterLab, Notebook and VS Code. Its state follows the same rules as the
published pages (tries, revealing the answer, vignettes walked once), because both ask :mod:`quizlib.score`
or its JavaScript twin. Listeners added with :meth:`QuizWidget.on` receive the same events as the
JavaScript front's ``QuizLibUI.on``: ``answered`` after each try and ``completed`` once per attempt.
"""

from __future__ import annotations

import html
import random
import uuid
from typing import Any, Callable

import ipywidgets as w

from quizlib.quiz import score
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

Listener = Callable[[dict[str, Any]], None]
_FULL = w.Layout(width="auto")


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{html.escape(p.strip())}</p>" for p in text.split("\n\n") if p.strip())


class QuestionWidget(w.VBox):
    """One question: its inputs, a Check button, a Show-the-answer button and the feedback."""

    def __init__(self, quiz_widget: "QuizWidget", question: Question, number: int, total: int):
        self.quiz_widget = quiz_widget
        self.question = question
        self.settings = quiz_widget.quiz.settings
        self.tries: list[Any] = []
        self.revealed = False
        heading = f"Question {number} of {total}"
        if isinstance(question, Vignette):
            heading = f"Case {number} of {total}: {question.title}"
        self.heading = w.HTML(f"<h3>{html.escape(heading)}</h3>")
        self.prompt = w.HTML(_paragraphs(question.prompt))
        self.feedback = w.HTML("")
        self.tries_note = w.HTML("")
        self.check_button = w.Button(description="Check answer", button_style="primary", layout=_FULL)
        self.reveal_button = w.Button(description="Show the answer", layout=w.Layout(width="auto", display="none"))
        self.check_button.on_click(lambda _: self.check())
        self.reveal_button.on_click(lambda _: self.reveal())
        self.inputs = self._build_inputs()
        controls = w.HBox([self.check_button, self.reveal_button, self.tries_note])
        children = [self.heading, self.prompt, self.inputs]
        if not isinstance(question, Vignette):
            children += [controls]
        super().__init__(children + [self.feedback])

    # -- inputs by kind ---------------------------------------------------------------------------------

    def _build_inputs(self) -> w.Widget:
        q = self.question
        if isinstance(q, SingleChoice):
            self.choice = w.RadioButtons(options=[(o.text, o.id) for o in q.options], value=None, layout=_FULL)
            return self.choice
        if isinstance(q, TrueFalse):
            self.choice = w.RadioButtons(options=[("True", True), ("False", False)], value=None, layout=_FULL)
            return self.choice
        if isinstance(q, MultipleResponse):
            self.boxes = {o.id: w.Checkbox(description=o.text, value=False, indent=False, layout=_FULL) for o in q.options}
            return w.VBox([w.HTML("<em>Select all that apply.</em>"), *self.boxes.values()])
        if isinstance(q, Numeric):
            self.number = w.Text(placeholder="Type a number", layout=w.Layout(width="12em"))
            unit = [w.Label(q.unit)] if q.unit else []
            return w.HBox([self.number, *unit])
        if isinstance(q, Ordering):
            self.order = [item.id for item in q.items]
            self.order_box = w.VBox()
            self._draw_order()
            return w.VBox([w.HTML("<em>Use Move up and Move down to put the steps in order, first at the top.</em>"), self.order_box])
        if isinstance(q, Matching):
            choices = sorted([(p.right, p.id) for p in q.pairs] + [(d.text, d.id) for d in q.distractors])
            self.selects = {
                p.id: w.Dropdown(options=[("Choose…", "")] + choices, value="", description=p.left,
                                 style={"description_width": "initial"}, layout=_FULL)
                for p in q.pairs
            }
            return w.VBox(list(self.selects.values()))
        if isinstance(q, Vignette):
            self.path: list[str] = []
            self.stage_box = w.VBox()
            self._show_stage(q.start)
            return self.stage_box
        raise TypeError(f"not a question: {q!r}")

    def _draw_order(self) -> None:
        items = {item.id: item for item in self.question.items}
        rows = []
        for i, step in enumerate(self.order):
            up = w.Button(description="Move up", icon="arrow-up", disabled=i == 0, tooltip=f"Move up: {items[step].text}")
            down = w.Button(description="Move down", icon="arrow-down", disabled=i == len(self.order) - 1,
                            tooltip=f"Move down: {items[step].text}")
            up.on_click(lambda _, i=i: self.move(i, -1))
            down.on_click(lambda _, i=i: self.move(i, +1))
            rows.append(w.HBox([w.HTML(f"{i + 1}. {html.escape(items[step].text)}", layout=w.Layout(flex="1")), up, down]))
        self.order_box.children = rows
        self.move_buttons = rows

    def move(self, index: int, direction: int) -> None:
        """Move the step at ``index`` up (-1) or down (+1)."""
        j = index + direction
        if 0 <= j < len(self.order) and not self.is_final:
            self.order[index], self.order[j] = self.order[j], self.order[index]
            self._draw_order()

    # -- the response -----------------------------------------------------------------------------------

    def response(self) -> Any:
        """The learner's current response as quizlib.score reads it, or None if there is none yet."""
        q = self.question
        if isinstance(q, (SingleChoice, TrueFalse)):
            return self.choice.value
        if isinstance(q, MultipleResponse):
            chosen = [oid for oid, box in self.boxes.items() if box.value]
            return chosen or None
        if isinstance(q, Numeric):
            return self.number.value.strip() or None
        if isinstance(q, Ordering):
            return list(self.order)
        if isinstance(q, Matching):
            chosen = {pid: s.value for pid, s in self.selects.items()}
            return None if "" in chosen.values() else chosen
        return list(self.path)

    def set_response(self, response: Any) -> None:
        q = self.question
        if isinstance(q, (SingleChoice, TrueFalse)):
            self.choice.value = response
        elif isinstance(q, MultipleResponse):
            for oid, box in self.boxes.items():
                box.value = oid in response
        elif isinstance(q, Numeric):
            self.number.value = str(response)
        elif isinstance(q, Ordering):
            self.order = list(response)
            self._draw_order()
        elif isinstance(q, Matching):
            for pid, s in self.selects.items():
                s.value = response.get(pid, "")

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
            hint = "Please type a number, using digits (for example 12 or 0.5)." if isinstance(self.question, Numeric) else "Please give an answer first."
            self.feedback.value = f'<div role="alert"><p><strong>{hint}</strong></p></div>'
            return None
        self.tries.append(response)
        self.quiz_widget._record(self, response, result)
        self._show(result)
        return result

    def reveal(self) -> None:
        if self.settings.reveal_after and len(self.tries) >= self.settings.reveal_after and not self.is_final:
            self.revealed = True
            self.quiz_widget._record(self, None, None)
            last = score.score_response(self.question, self.tries[-1], self.settings) if self.tries else None
            self._show(last)

    def _cite(self, keys) -> str:
        refs = self.quiz_widget.course.bibliography.references
        names = [refs[k].short if k in refs else k for k in (keys or self.question.cite)]
        return f'<p><em>Source: {html.escape("; ".join(names))}.</em></p>' if names else ""

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
            if isinstance(self.question, (Ordering, Matching)) and not outcome.final:
                shown = tuple(f for f in result.feedback if f.correct)
            for f in shown:
                mark = "Right" if f.correct else "Not quite"
                parts.append(f"<div><p><strong>{mark}.</strong></p>{_paragraphs(f.text)}{self._cite(f.cite)}</div>")
        can_reveal = self.settings.reveal_after > 0 and outcome.tries >= self.settings.reveal_after
        if outcome.final:
            for x in self._all_inputs():
                x.disabled = True
            self.check_button.disabled = True
            self.reveal_button.layout.display = "none"
            self.tries_note.value = ""
            if (can_reveal or self.revealed) and not (result and result.correct):
                parts.append(f"<p><strong>The answer:</strong> {html.escape(self.answer_text())}</p>")
        else:
            left = self.settings.tries - outcome.tries
            self.tries_note.value = f"You can try again ({left} {'try' if left == 1 else 'tries'} left)."
            self.reveal_button.layout.display = None if can_reveal else "none"
        self.feedback.value = f'<div role="alert">{"".join(parts)}</div>'

    def _all_inputs(self):
        q = self.question
        if isinstance(q, (SingleChoice, TrueFalse)):
            return [self.choice]
        if isinstance(q, MultipleResponse):
            return list(self.boxes.values())
        if isinstance(q, Numeric):
            return [self.number]
        if isinstance(q, Ordering):
            return [b for row in self.order_box.children for b in row.children[1:]]
        if isinstance(q, Matching):
            return list(self.selects.values())
        return []

    def answer_text(self) -> str:
        q = self.question
        if isinstance(q, (SingleChoice, MultipleResponse)):
            return "; ".join(o.text for o in q.options if o.correct)
        if isinstance(q, TrueFalse):
            return "True" if q.answer else "False"
        if isinstance(q, Numeric):
            return f"{q.answer:g} {q.unit}".strip()
        if isinstance(q, Ordering):
            items = {i.id: i.text for i in q.items}
            return "  ".join(f"{n}. {items[s]}" for n, s in enumerate(q.order, start=1))
        if isinstance(q, Matching):
            return "; ".join(f"{p.left} → {p.right}" for p in q.pairs)
        return ""

    # -- vignettes --------------------------------------------------------------------------------------

    def _show_stage(self, stage_id: str) -> None:
        stage = next(s for s in self.question.stages if s.id == stage_id)
        choice = w.RadioButtons(options=[(o.text, o.id) for o in stage.options], value=None, layout=_FULL)
        decide = w.Button(description="Decide", button_style="primary")
        out = w.HTML("")
        box = w.VBox([w.HTML(_paragraphs(stage.text) + f"<p><strong>{html.escape(stage.prompt)}</strong></p>"), choice, decide, out])
        box.stage, box.choice, box.decide, box.out = stage, choice, decide, out
        decide.on_click(lambda _: self.decide(choice.value))
        self.stage_box.children = (*self.stage_box.children, box)

    @property
    def current_stage(self) -> w.VBox:
        return self.stage_box.children[-1]

    def decide(self, option_id: str | None) -> score.QuestionResult | None:
        """Take a decision at the current stage of a vignette; return the result of the path so far."""
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
        self.tries = [path]
        self.quiz_widget._record(self, path, result)
        box.choice.disabled = box.decide.disabled = True
        option = next(o for o in box.stage.options if o.id == option_id)
        verdict = "A strong choice." if option.credit == 1 else ("A reasonable choice, but not the strongest." if option.credit > 0 else "Not the best choice.")
        text = f"<p><strong>{verdict}</strong></p>{_paragraphs(option.feedback)}{self._cite(option.cite)}"
        if option.next:
            box.out.value = f'<div role="alert">{text}</div>'
            self._show_stage(option.next)
        else:
            ending = _paragraphs(box.stage.ending) if box.stage.ending else ""
            box.out.value = (f'<div role="alert">{text}{ending}<p><strong>End of the case. Your decisions earned '
                             f"{round(result.credit * 100)}% of the credit.</strong></p></div>")
        return result


class QuizWidget(w.VBox):
    """A whole quiz in live Jupyter. ``seed`` fixes an assessment's draw (random by default)."""

    def __init__(self, course: Course, quiz_id: str, seed: int | None = None):
        self.course = course
        self.quiz: Quiz = course.quiz(quiz_id)
        self.seed = seed if seed is not None else random.getrandbits(32)
        self.attempt_id = str(uuid.uuid4())
        self.listeners: list[Listener] = []
        self._completed = False
        if self.quiz.draw:
            banks = {d.quiz: course.quiz(d.quiz) for d in self.quiz.draw}
            shown = score.draw_questions(self.quiz, banks, self.seed)
        else:
            shown = self.quiz.questions
        self.shown = tuple(shown)
        self.questions = [QuestionWidget(self, q, n, len(shown)) for n, q in enumerate(shown, start=1)]
        s = self.quiz.settings
        rules = f"Pass mark: {s.pass_mark:g}%. You have {s.tries} {'try' if s.tries == 1 else 'tries'} at each question."
        title = w.HTML(f"<h2>{html.escape(self.quiz.title)}</h2><p>{html.escape(self.quiz.intro)} {rules}</p>")
        self.summary = w.HTML("")
        super().__init__([title, *self.questions, self.summary])
        self._update_summary()

    def on(self, listener: Listener) -> None:
        """Call ``listener(event)`` after each try (``answered``) and when the quiz is complete (``completed``)."""
        self.listeners.append(listener)

    def question(self, question_id: str) -> QuestionWidget:
        return next(qw for qw in self.questions if qw.question.id == question_id)

    def answers(self) -> dict[str, dict[str, Any]]:
        return {qw.question.id: {"tries": list(qw.tries), "revealed": qw.revealed} for qw in self.questions if qw.tries or qw.revealed}

    def result(self) -> score.QuizResult:
        return score.score_quiz(self.quiz, self.answers(), self.shown)

    def _record(self, qw: QuestionWidget, response: Any, result: score.QuestionResult | None) -> None:
        quiz_result = self.result()
        base = {"quiz_id": self.quiz.id, "chapter": self.quiz.chapter, "attempt_id": self.attempt_id, "seed": self.seed}
        if response is not None:
            outcome = next(o for o in quiz_result.questions if o.question_id == qw.question.id)
            self._emit({"type": "answered", "question": qw.question, "response": response, "result": result,
                        "outcome": outcome, "try_number": len(qw.tries), **base})
        if quiz_result.complete and not self._completed:
            self._completed = True
            self._emit({"type": "completed", "result": quiz_result, **base})
        self._update_summary(quiz_result)

    def _emit(self, event: dict[str, Any]) -> None:
        for listener in self.listeners:
            listener(event)

    def _update_summary(self, r: score.QuizResult | None = None) -> None:
        r = r or self.result()
        if r.complete:
            verdict = "you passed." if r.passed else "not passed yet."
            text = (f"Quiz complete. Your score: {r.points:g} out of {r.max_points:g} ({r.percentage:g}%). "
                    f"The pass mark is {self.quiz.settings.pass_mark:g}%: {verdict}")
        else:
            done = sum(o.final for o in r.questions)
            text = f"Answered {done} of {len(r.questions)} questions."
        self.summary.value = f'<div role="status"><p>{html.escape(text)}</p></div>'
