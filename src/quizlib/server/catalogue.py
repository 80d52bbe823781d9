"""What a trainer can assign: the book's chapters (in ``_toc.yml`` order) with their quizzes.

A module is a chapter and the quizzes that name it. A quiz that draws its questions from others is a final
assessment: trainers choose it separately ("final assessment or not").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from quizlib import course as course_folder
from quizlib.quiz.model import Course


@dataclass(frozen=True)
class Module:
    chapter: str  # e.g. "chapters/02-sensitivity"
    title: str
    quiz_ids: tuple[str, ...]


@dataclass(frozen=True)
class Catalogue:
    course: Course
    modules: tuple[Module, ...]  # chapters with at least one quiz that is not a final assessment
    final_quiz_ids: tuple[str, ...]
    chapter_titles: dict[str, str]

    def quiz_title(self, quiz_id: str) -> str:
        quiz = self.course.quizzes.get(quiz_id)
        return quiz.title if quiz else quiz_id

    def quizzes_for(self, chapters: list[str], include_final: bool) -> list[str]:
        """The quizzes an assignment of ``chapters`` (plus the final assessment if chosen) asks for."""
        chosen = [q for m in self.modules if m.chapter in chapters for q in m.quiz_ids]
        return chosen + (list(self.final_quiz_ids) if include_final else [])


def load_catalogue(root: Path) -> Catalogue:
    """The catalogue of the course folder ``root`` (with ``_toc.yml``, ``chapters/`` and ``quizzes/``)."""
    course = course_folder.quizzes(root)
    titles = course_folder.chapter_titles(root)
    finals = tuple(q.id for q in course.quizzes.values() if q.draw)
    modules = []
    for chapter in course_folder.toc_documents(root):
        quiz_ids = tuple(q.id for q in course.quizzes.values() if q.chapter == chapter and not q.draw)
        if quiz_ids:
            modules.append(Module(chapter, titles.get(chapter, chapter), quiz_ids))
    listed = {m.chapter for m in modules}
    # A quiz whose chapter is missing from the table of contents is still assignable.
    for q in course.quizzes.values():
        if not q.draw and q.chapter not in listed:
            modules.append(Module(q.chapter, titles.get(q.chapter, q.chapter), (q.id,)))
            listed.add(q.chapter)
    return Catalogue(course=course, modules=tuple(modules), final_quiz_ids=finals, chapter_titles=titles)


def find_course_root(book: Path) -> Path:
    """The course folder of a built book: the book is usually ``<course>/_build/html``."""
    try:
        return course_folder.find_root(book)
    except FileNotFoundError:
        return course_folder.find_root()
