"""The published-pages front: a quiz as one self-contained block of HTML.

The block carries the quiz as JSON and the JavaScript and CSS that draw and score it (package data in
``static/``), inline: no request leaves the page, no kernel is needed. Several blocks on one page share the
scripts, which define themselves once.
"""

from __future__ import annotations

import functools
import html
import json
from importlib import resources
from typing import Any

from quizlib.quiz.model import Course, Quiz, as_json

# In this order: the DOM helper, the scorer, the quiz itself, and the outbox for the course server.
SCRIPTS = ("quizlib-dom.js", "quizlib-core.js", "quizlib-ui.js", "quizlib-sync.js")


@functools.cache
def asset(name: str) -> str:
    return resources.files("quizlib.fronts").joinpath("assets", name).read_text(encoding="utf-8")


def runtime() -> str:
    """The CSS and scripts every quiz block carries."""
    scripts = "\n".join(asset(name) for name in SCRIPTS)
    return f"<style>{asset('quizlib.css')}</style>\n<script>{scripts}\nQuizLibUI.mountAll();</script>"


def _json_for_script(data: Any) -> str:
    # Inside <script type="application/json">, only "<" can end the element early.
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def _cited(quiz: Quiz) -> set[str]:
    keys: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            keys.update(value.get("cite", ()))
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(as_json(quiz))
    return keys


def quiz_data(course: Course, quiz_id: str) -> dict[str, Any]:
    """What the JavaScript front needs to show ``quiz_id``: the quiz, its banks and the sources it cites."""
    quiz = course.quiz(quiz_id)
    banks = {d.quiz: course.quiz(d.quiz) for d in quiz.draw}
    cited = _cited(quiz).union(*(_cited(b) for b in banks.values()))
    refs = course.bibliography.references
    return {
        "type": "quiz",
        "quiz": as_json(quiz),
        "banks": {k: as_json(v) for k, v in banks.items()},
        "references": {k: as_json(refs[k]) for k in sorted(cited) if k in refs},
    }


def block(data: dict[str, Any], label: str) -> str:
    """One mountable block: the data, a message for readers without JavaScript, and the runtime."""
    return (
        f'<div class="quizlib" data-quizlib="{html.escape(data["type"])}">'
        f'<script type="application/json" class="quizlib-data">{_json_for_script(data)}</script>'
        f"<noscript><p>{html.escape(label)} needs JavaScript, which is turned off in this browser.</p></noscript>"
        f"</div>\n{runtime()}"
    )


def quiz_html(course: Course, quiz_id: str) -> str:
    quiz = course.quiz(quiz_id)
    return block(quiz_data(course, quiz_id), f"The quiz “{quiz.title}”")


def progress_html(course: Course, chapter_titles: dict[str, str]) -> str:
    """The learner's "my progress" table, filled in the browser from what each quiz saved there."""
    quizzes = [
        {
            "id": q.id,
            "title": q.title,
            "chapter": q.chapter,
            "chapter_title": chapter_titles.get(q.chapter, q.chapter),
            "pass_mark": q.settings.pass_mark,
        }
        for q in course.quizzes.values()
    ]
    return block({"type": "progress", "quizzes": quizzes}, "Your progress")
