"""What a chapter calls: ``show(quiz_id)``, ``objectives(quiz_id)``, ``progress()``, ``study_plan()``,
``course_progress()`` (the home page's "Your course") and ``certificate()``.

Each returns an object that Jupyter displays from the one definition in ``quizzes/``: a quiz as an
ipywidget where a kernel is live and as a self-contained HTML block in the published book.

Every HTML output is marked with the call that made it (``<!-- quizlib:show:meta-analyses -->``). The book
caches executed notebooks, so an output can be older than the quiz files and scripts it was made from;
``quizlib.sphinx_ext`` re-renders each marked output with :func:`render` at build time, so the published
pages always show the current quizzes. An output carries the quiz runtime inline, so that it stands alone; the
book re-renders it without, and serves the runtime once (see ``quizlib.fronts.html``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from html import escape
from pathlib import Path
from typing import Any

from quizlib import course as course_folder
from quizlib.course import find_root
from quizlib.fronts.html import certificate_html, course_html, progress_html, quiz_html
from quizlib.quiz.model import Course


class QuizDisplay:
    """A quiz as Jupyter shows it: the widget where a kernel runs, the HTML block in the published book."""

    def __init__(self, course: Course, quiz_id: str, seed: int | None = None):
        self.course = course
        self.quiz = course.quiz(quiz_id)
        self.seed = seed
        self._widget = None

    @property
    def widget(self):
        if self._widget is None:
            from quizlib.fronts.widgets import QuizWidget  # ipywidgets is only needed where a kernel runs

            self._widget = QuizWidget(self.course, self.quiz.id, seed=self.seed)
        return self._widget

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        bundle["text/html"] = marked("show", self.quiz.id, quiz_html(self.course, self.quiz.id))
        bundle["text/plain"] = f"Quiz: {self.quiz.title} ({len(self.quiz.questions) or 'drawn'} questions)"
        return bundle


def show(quiz_id: str, seed: int | None = None) -> QuizDisplay:
    """Display quiz ``quiz_id`` from the course's ``quizzes/`` folder."""
    return QuizDisplay(course_folder.quizzes(), quiz_id, seed=seed)


MARK = re.compile(r"<!-- quizlib:(\w+):([\w-]*) -->.*?<!-- /quizlib -->", flags=re.DOTALL)


def marked(call: str, arg: str, html: str) -> str:
    return f"<!-- quizlib:{call}:{arg} -->{html}<!-- /quizlib -->"


class _Html:
    def __init__(self, call: str, arg: str, html: str, markdown: str):
        self.html, self.markdown = marked(call, arg, html), markdown

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.html, "text/markdown": self.markdown, "text/plain": self.markdown}


def _objectives(root: Path, quiz_id: str) -> tuple[str, str]:
    quiz = course_folder.quizzes(root).quiz(quiz_id)
    items = "".join(f"<li>{escape(o.text)}</li>" for o in quiz.objectives)
    md = "\n".join(f"- {o.text}" for o in quiz.objectives)
    lead = "By the end of this chapter you will be able to:"
    return f'<div class="ql-objectives"><p>{lead}</p><ul>{items}</ul></div>', f"{lead}\n\n{md}"


def objectives(quiz_id: str) -> _Html:
    """The learning objectives of a chapter, from its quiz file (where each question names the one it tests)."""
    return _Html("objectives", quiz_id, *_objectives(find_root(), quiz_id))


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
    if rest:
        parts.append(f"{rest} minutes")
    return " and ".join(parts)


def _study_plan(root: Path) -> tuple[str, str]:
    titles = course_folder.chapter_titles(root)
    rows = [(titles.get(doc, doc), minutes) for doc, minutes in course_folder.study_times(root).items()]
    total = sum(m for _, m in rows)
    body = "".join(f"<tr><td>{n}. {escape(t)}</td><td>{m} minutes</td></tr>" for n, (t, m) in enumerate(rows, 1))
    html = (
        '<table class="ql-plan"><caption>Study time by chapter</caption>'
        '<thead><tr><th scope="col">Chapter</th><th scope="col">Study time</th></tr></thead>'
        f'<tbody>{body}</tbody><tfoot><tr><th scope="row">The whole course</th><td>about {_duration(total)}</td></tr>'
        "</tfoot></table>"
    )
    md = "\n".join(
        ["| Chapter | Study time |", "|---|---|"]
        + [f"| {n}. {t} | {m} minutes |" for n, (t, m) in enumerate(rows, 1)]
        + [f"| The whole course | about {_duration(total)} |"]
    )
    return html, md


def study_plan() -> _Html:
    """Every chapter in the order of ``_toc.yml`` with the study time it states, and the total."""
    return _Html("study_plan", "", *_study_plan(find_root()))


def _progress(root: Path, standalone: bool = True) -> tuple[str, str]:
    c = course_folder.quizzes(root)
    text = "\n".join(f"- {q.title}" for q in c.quizzes.values())
    certificate = None if standalone else course_folder.page_calling(root, "certificate")
    html = progress_html(c, course_folder.chapter_titles(root), standalone=standalone, certificate=certificate)
    return html, "Your progress, by quiz:\n\n" + text


def progress() -> _Html:
    """The learner's "my progress" table for every quiz of the course."""
    return _Html("progress", "", *_progress(find_root()))


def _chapters_with_quizzes(root: Path) -> list[str]:
    with_quiz = {q.chapter for q in course_folder.quizzes(root).quizzes.values()}
    return [doc for doc in course_folder.toc_documents(root) if doc in with_quiz]


def _course_progress(root: Path, standalone: bool = True) -> tuple[str, str]:
    c = course_folder.quizzes(root)
    html = course_html(
        c,
        course_folder.chapter_titles(root),
        _chapters_with_quizzes(root),
        progress=course_folder.page_calling(root, "progress"),
        certificate=course_folder.page_calling(root, "certificate"),
        standalone=standalone,
    )
    return html, "Your course: where you left off, and the chapters you have finished (shown in the published book)."


def course_progress() -> _Html:
    """The home page's "Your course": continue where you left off, the course's progress bar and a tick for each
    finished chapter, from what this browser keeps."""
    return _Html("course_progress", "", *_course_progress(find_root()))


def _certificate(root: Path, standalone: bool = True) -> tuple[str, str]:
    c = course_folder.quizzes(root)
    html = certificate_html(c, course_folder.chapter_titles(root), course_folder.title(root), standalone=standalone)
    required = "\n".join(f"- {q.title}" for q in c.quizzes.values() if q.required)
    return html, "Your certificate of completion, once you have passed:\n\n" + required


def certificate() -> _Html:
    """The certificate of completion: issued by the course server for a learner who joined (with a code that
    ``/verify/CODE`` confirms), else made in the browser once every required quiz is passed there."""
    return _Html("certificate", "", *_certificate(find_root()))


def _links(root: Path, quiz_id: str) -> dict:
    """Where a learner goes after quiz ``quiz_id`` in the book: the next document and the progress page."""
    titles = course_folder.chapter_titles(root)
    chapter = course_folder.quizzes(root).quiz(quiz_id).chapter
    out: dict = {}
    following = course_folder.next_document(root, chapter)
    if following is not None:
        out["next"] = {"doc": following, "title": titles.get(following, following)}
    progress_doc = course_folder.page_calling(root, "progress")
    if progress_doc is not None and progress_doc != following:
        out["progress"] = {"doc": progress_doc, "title": titles.get(progress_doc, "My progress")}
    return out


def _show(root: Path, quiz_id: str, standalone: bool) -> str:
    # Standing alone (a notebook's output) there is no book to go on in; in the book, the links after the quiz.
    links = None if standalone else _links(root, quiz_id)
    return quiz_html(course_folder.quizzes(root), quiz_id, standalone=standalone, links=links)


_RENDERERS = {  # call -> (root, argument, standalone) -> HTML
    "show": _show,
    "objectives": lambda root, quiz_id, standalone: _objectives(root, quiz_id)[0],
    "progress": lambda root, arg, standalone: _progress(root, standalone)[0],
    "study_plan": lambda root, arg, standalone: _study_plan(root)[0],
    "course_progress": lambda root, arg, standalone: _course_progress(root, standalone)[0],
    "certificate": lambda root, arg, standalone: _certificate(root, standalone)[0],
}


def render(root: Path, html: str, *, standalone: bool = True) -> str:
    """``html`` with every marked quizlib output made afresh from the course at ``root``; with
    ``standalone=False``, quiz and progress blocks come without the quiz runtime (the page loads it)."""
    return MARK.sub(lambda m: marked(m[1], m[2], _RENDERERS[m[1]](root, m[2], standalone)), html)


def sources(root: Path, calls: Iterable[str], outline: Path) -> list[Path]:
    """The files the marked outputs of ``calls`` are made from, so a page is read again when one changes and
    only then: a quiz or its objectives come from the quiz files; the progress page also names chapters and the
    study plan gives their study times, which ``outline`` records (a file rewritten only when the chapters'
    titles, study times or order change: a prose edit leaves it alone). The quiz runtime is not among them: the
    book serves it as its own file (``sphinx_ext``)."""
    calls = set(calls)
    files: list[Path] = []
    if calls & {"show", "objectives", "progress", "course_progress", "certificate"}:
        files += course_folder.quiz_files(root)
    # A quiz links to the next chapter by its title; the others list chapters or pages.
    if calls & {"show", "progress", "study_plan", "course_progress", "certificate"}:
        files.append(outline)
    if "certificate" in calls:
        files.append(root / "_config.yml")  # the course's title
    return files


def write_outline(root: Path, outline: Path) -> None:
    """Record what the progress page and the study plan read from the chapters (order, titles, study times)
    in ``outline``, touching the file only when that changes."""
    text = json.dumps(
        {
            "toc": course_folder.toc_documents(root),
            "titles": course_folder.chapter_titles(root),
            "study_times": course_folder.study_times(root),
            "pages": {call: course_folder.page_calling(root, call) for call in ("progress", "certificate")},
        },
        indent=1,
        sort_keys=True,
    )
    if not outline.exists() or outline.read_text(encoding="utf-8") != text:
        outline.parent.mkdir(parents=True, exist_ok=True)
        outline.write_text(text, encoding="utf-8")
