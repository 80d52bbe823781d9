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

import base64
import functools
import html
import json
import math
from importlib import resources
from typing import Any

from quizlib.quiz.draw import mulberry32
from quizlib.quiz.model import Course, Quiz, as_json
from quizlib.quiz.shuffle import fnv1a

# In this order: the DOM helper, the scorer, the quiz itself, and the outbox for the course server.
SCRIPTS = ("quizlib-dom.js", "quizlib-core.js", "quizlib-ui.js", "quizlib-sync.js")
STYLESHEET = "quizlib.css"
# Mount the blocks on the page now, and those still to be read if the page is still loading.
_MOUNT = 'QuizLibUI.mountAll();\nif (document.readyState === "loading") document.addEventListener("DOMContentLoaded", QuizLibUI.mountAll);\n'
_BLOCK = '<div class="quizlib" data-quizlib="'
# Where the book keeps the practice copy of each summative quiz (``<quiz id>.js``), under ``_static``; the
# course server never serves this folder (``quizlib.server.app.BookFiles``).
PRACTICE_DIR = "quizlib-practice"


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
    """What the JavaScript front needs to show and score ``quiz_id`` by itself: the quiz, its banks and the
    sources it cites (for a summative quiz, what its practice copy holds: see :func:`practice_script`)."""
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


def summative_data(course: Course, quiz_id: str, *, practice: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a page carries of a summative quiz: its title, rules and size, and no question, key or feedback.

    Served by ``quizlib serve``, the browser asks the server for an attempt. Without a server (a static host,
    a file, an LMS package) it runs the quiz as practice from its practice copy: ``practice`` (the encoded copy,
    inline, where the block must stand alone), or else ``_static/quizlib-practice/<quiz id>.js``.
    """
    quiz = course.quiz(quiz_id)
    public = {
        "id": quiz.id,
        "title": quiz.title,
        "chapter": quiz.chapter,
        "intro": quiz.intro,
        "settings": as_json(quiz.settings),
        "questions": [],
        "draw": [],
        "question_count": len(quiz.questions) + sum(d.count for d in quiz.draw),
    }
    data: dict[str, Any] = {"type": "quiz", "quiz": public, "summative": True}
    if practice is not None:
        data["practice"] = practice
    return data


def _keystream(quiz_id: str, n: int) -> bytes:
    rand = mulberry32(fnv1a("quizlib-practice:" + quiz_id))
    return bytes(math.floor(rand() * 256) for _ in range(n))


def encode_practice(quiz_id: str, data: dict[str, Any]) -> str:
    """A summative quiz's practice data (:func:`quiz_data`) as text that does not read as its questions, keys
    or feedback: its UTF-8 JSON XORed with a stream drawn from the quiz id, in base64. Anyone with the page
    can decode it (``practiceData`` in quizlib-ui.js does): it keeps the answers out of plain sight, no more."""
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(bytes(a ^ b for a, b in zip(raw, _keystream(quiz_id, len(raw))))).decode("ascii")


def decode_practice(quiz_id: str, text: str) -> dict[str, Any]:
    raw = base64.b64decode(text)
    return json.loads(bytes(a ^ b for a, b in zip(raw, _keystream(quiz_id, len(raw)))).decode("utf-8"))


def practice_script(course: Course, quiz_id: str) -> str:
    """``_static/quizlib-practice/<quiz id>.js``: the encoded practice copy of a summative quiz, for a book
    read without a server (or an LMS package, which has none)."""
    encoded = encode_practice(quiz_id, quiz_data(course, quiz_id))
    return (
        "/* The practice copy of a quizlib assessment, for pages read without the course server. */\n"
        f"(window.QuizLibPractice = window.QuizLibPractice || {{}})[{json.dumps(quiz_id)}] = {json.dumps(encoded)};\n"
    )


def summative_quizzes(course: Course) -> list[str]:
    return [q.id for q in course.quizzes.values() if q.summative]


def anchor(quiz_id: str) -> str:
    """The id of a quiz's block in its page: where "Skip to the quiz" goes."""
    return f"ql-quiz-{quiz_id}"


def block(data: dict[str, Any], label: str, *, standalone: bool = True) -> str:
    """One mountable block: the data, a message for readers without JavaScript and, if ``standalone``, the
    runtime inline. A quiz's block has an id (:func:`anchor`) and takes focus when a link leads to it."""
    where = f' id="{anchor(data["quiz"]["id"])}" tabindex="-1"' if data["type"] == "quiz" else ""
    return (
        f'{_BLOCK}{html.escape(data["type"])}"{where}>'
        f'<script type="application/json" class="quizlib-data">{_json_for_script(data)}</script>'
        f"<noscript><p>{html.escape(label)} needs JavaScript, which is turned off in this browser.</p></noscript>"
        f"</div>" + (f"\n{runtime()}" if standalone else "")
    )


def quiz_html(course: Course, quiz_id: str, *, standalone: bool = True, links: dict[str, Any] | None = None) -> str:
    """A quiz's block. A summative quiz's block carries no question; standing alone it carries its encoded
    practice copy, in the book it names the copy in ``_static`` (written by ``quizlib.fronts.sphinx_ext``).

    ``links`` (in the book): where a learner goes after the quiz, ``{"next": {"doc", "title"}, "progress":
    {"doc", "title"}}``, documents as paths from the book's root without ``.html``; shown after the quiz."""
    quiz = course.quiz(quiz_id)
    label = f"The quiz “{quiz.title}”"
    if quiz.summative:
        practice = {"encoded": encode_practice(quiz_id, quiz_data(course, quiz_id))} if standalone else {"script": True}
        data = summative_data(course, quiz_id, practice=practice)
    else:
        data = quiz_data(course, quiz_id)
    if links:
        data["links"] = links
    return block(data, label, standalone=standalone)


def _quiz_list(course: Course, chapter_titles: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "id": q.id,
            "title": q.title,
            "chapter": q.chapter,
            "chapter_title": chapter_titles.get(q.chapter, q.chapter),
            "pass_mark": q.settings.pass_mark,
            "required": q.required,
        }
        for q in course.quizzes.values()
    ]


def progress_html(
    course: Course, chapter_titles: dict[str, str], *, standalone: bool = True, certificate: str | None = None
) -> str:
    """The learner's "my progress" table, filled in the browser from what each quiz saved there;
    ``certificate`` is the certificate page's document, linked below the table."""
    data: dict[str, Any] = {"type": "progress", "quizzes": _quiz_list(course, chapter_titles)}
    if certificate:
        data["certificate"] = certificate
    return block(data, "Your progress", standalone=standalone)


def course_html(
    course: Course,
    chapter_titles: dict[str, str],
    chapters: list[str],
    *,
    progress: str | None,
    certificate: str | None,
    standalone: bool = True,
) -> str:
    """The home page's "Your course": continue where you left off, a progress bar and a tick for each finished
    chapter of ``chapters`` (the documents with a quiz, in reading order), filled in the browser."""
    data = {
        "type": "course",
        "chapters": [{"doc": doc, "title": chapter_titles.get(doc, doc)} for doc in chapters],
        "quizzes": _quiz_list(course, chapter_titles),
        "progress": progress,
        "certificate": certificate,
    }
    return block(data, "Your course", standalone=standalone)


def certificate_html(
    course: Course, chapter_titles: dict[str, str], course_title: str, *, standalone: bool = True
) -> str:
    """The certificate of completion: issued by the course server for a learner who joined, else made in the
    browser once every required quiz is passed there."""
    data = {"type": "certificate", "course": course_title, "quizzes": _quiz_list(course, chapter_titles)}
    return block(data, "Your certificate", standalone=standalone)
