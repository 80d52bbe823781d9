"""The published-pages front: a quiz as a block of HTML, drawn and scored in the browser.

A block carries the quiz as JSON and a message for readers without JavaScript. The quiz runtime (the scripts
and the stylesheet in ``assets/``) draws and scores it, and comes one of two ways:

- inline, after the block, where the block must stand alone: a notebook's output, the HTML a chapter's code
  cell shows in live Jupyter. Several blocks on one page share the scripts, which define themselves once;
- once for the whole book, as ``_static/quizlib.js`` (:func:`script`) and ``_static/quizlib.css``, which
  ``quizlib.fronts.sphinx_ext`` writes and links from the pages that have a block (``standalone=False``).

Either way no request leaves the site and no kernel is needed, and the runtime mounts every block on the page
whether it runs before the blocks are read or after.
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
STYLESHEET = "quizlib.css"
# Mount the blocks on the page now, and those still to be read if the page is still loading.
_MOUNT = 'QuizLibUI.mountAll();\nif (document.readyState === "loading") document.addEventListener("DOMContentLoaded", QuizLibUI.mountAll);\n'
_BLOCK = '<div class="quizlib" data-quizlib="'


@functools.cache
def asset(name: str) -> str:
    return resources.files("quizlib.fronts").joinpath("assets", name).read_text(encoding="utf-8")


def script(names: tuple[str, ...] = SCRIPTS) -> str:
    """The quiz runtime's JavaScript as one file: the scripts (by default :data:`SCRIPTS`), then the mounting
    of blocks."""
    return "\n".join(asset(name) for name in names) + "\n" + _MOUNT


def runtime() -> str:
    """The quiz runtime inline (CSS and JavaScript): what a block carries when it must stand alone."""
    return f"<style>{asset(STYLESHEET)}</style>\n<script>{script()}</script>"


def has_block(html_text: str) -> bool:
    """Whether ``html_text`` holds a quiz or progress block (which needs the runtime on its page)."""
    return _BLOCK in html_text


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


def block(data: dict[str, Any], label: str, *, standalone: bool = True) -> str:
    """One mountable block: the data, a message for readers without JavaScript and, if ``standalone``, the
    runtime inline."""
    return (
        f'{_BLOCK}{html.escape(data["type"])}">'
        f'<script type="application/json" class="quizlib-data">{_json_for_script(data)}</script>'
        f"<noscript><p>{html.escape(label)} needs JavaScript, which is turned off in this browser.</p></noscript>"
        f"</div>" + (f"\n{runtime()}" if standalone else "")
    )


def quiz_html(course: Course, quiz_id: str, *, standalone: bool = True) -> str:
    quiz = course.quiz(quiz_id)
    return block(quiz_data(course, quiz_id), f"The quiz “{quiz.title}”", standalone=standalone)


def progress_html(course: Course, chapter_titles: dict[str, str], *, standalone: bool = True) -> str:
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
    return block({"type": "progress", "quizzes": quizzes}, "Your progress", standalone=standalone)
