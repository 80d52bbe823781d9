"""The book built from clean with warnings as errors (the `built_book` fixture fails on any warning)."""

from __future__ import annotations

import json
import re
from pathlib import Path


from quizlib.course import toc_documents

ROOT = Path(__file__).resolve().parents[1]
RESOURCE = re.compile(r'<(?:script|link|img|iframe|source|video|audio)\b[^>]*\b(?:src|href)="(https?:)?//', re.I)


def _docnames() -> list[str]:
    return toc_documents(ROOT)


def test_every_page_is_built(built_book):
    for doc in _docnames():
        assert (built_book / f"{doc}.html").is_file(), doc


def test_no_page_loads_anything_from_another_host(built_book):
    offenders = {}
    for page in built_book.rglob("*.html"):
        found = RESOURCE.findall(page.read_text(encoding="utf-8"))
        if found:
            offenders[str(page.relative_to(built_book))] = len(found)
    assert offenders == {}


def test_each_chapter_page_carries_its_quiz_offline(built_book, course):
    for quiz in course.quizzes.values():
        html = (built_book / f"{quiz.chapter}.html").read_text(encoding="utf-8")
        blocks = re.findall(r'<script type="application/json" class="quizlib-data">(.*?)</script>', html, flags=re.S)
        ids = [json.loads(b)["quiz"]["id"] for b in blocks if '"type":"quiz"' in b]
        assert ids == [quiz.id], quiz.chapter
        assert "QuizLibCore" in html and "QuizLibUI.mountAll()" in html
        # the widget view and the widget manager's CDN scripts are left out of the published page
        assert "application/vnd.jupyter.widget-view+json" not in html
        assert "require.js" not in html and "html-manager" not in html


def test_the_effect_size_figure_is_drawn_in_the_notebook(built_book):
    html = (built_book / "chapters" / "04-meta-analyses.html").read_text(encoding="utf-8")
    images = re.findall(r"<img\b[^>]*>", html)
    assert images, "no figure on the meta-analyses page"
    for tag in images:
        alt = re.search(r'alt="([^"]*)"', tag)
        src = re.search(r'src="([^"]+\.png)"', tag)
        assert alt and len(alt.group(1)) > 40, "every figure has a real text alternative"
        assert src and (built_book / "chapters" / src.group(1)).resolve().is_file()


def test_a_rebuild_shows_edited_quizzes_although_notebooks_are_cached(tmp_path):
    """Executed notebooks are cached; editing a quiz file must still change the published quiz."""
    from conftest import build_book, write_minibook

    src = write_minibook(tmp_path / "src")
    html = build_book(src, tmp_path / "out") / "chapters" / "kinds.html"
    assert "Every kind of question" in html.read_text()
    quiz = src / "quizzes" / "kinds.yaml"
    quiz.write_text(quiz.read_text().replace("title: Every kind of question", "title: An edited title"))
    build_book(src, tmp_path / "out")
    text = html.read_text()
    assert "An edited title" in text and "Every kind of question" not in text
