"""The course folder: where its parts are and what they say about the course as a whole.

A course folder holds ``_toc.yml`` (the chapters in reading order), ``chapters/`` (MyST notebooks) and
``quizzes/`` (one bank per chapter). The notebook front, the Sphinx extension, the course server and the
tests all read the folder through this module, so they agree on the order of chapters, their titles and
study times, and which quizzes there are.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from quizlib.quiz.load import load_course
from quizlib.quiz.model import Course

QUIZ_FOLDER = "quizzes"
CHAPTER_FOLDER = "chapters"
TOC_FILE = "_toc.yml"

_TITLE = re.compile(r"^# (.+)$", flags=re.MULTILINE)
_STUDY_TIME = re.compile(r"^Estimated study time: (?:about )?(\d+) minutes\.", flags=re.MULTILINE)


def find_root(start: Path | None = None) -> Path:
    """The course folder: the nearest folder at or above ``start`` (the working folder) with ``_toc.yml``
    and ``quizzes/``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / TOC_FILE).exists() and (folder / QUIZ_FOLDER).is_dir():
            return folder
    raise FileNotFoundError(f"No course folder (with {TOC_FILE} and {QUIZ_FOLDER}/) at or above {here}")


def toc_documents(root: Path) -> list[str]:
    """Every document of ``_toc.yml`` in reading order, as paths without extension (``chapters/02-sensitivity``)."""
    toc = yaml.safe_load((root / TOC_FILE).read_text(encoding="utf-8")) or {}
    files = [str(toc["root"])] if toc.get("root") else []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "file" in node:
                files.append(str(node["file"]))
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key) or []:
                    walk(child)

    walk(toc)
    return [f.removesuffix(".md").removesuffix(".ipynb") for f in files]


def chapter_files(root: Path) -> list[Path]:
    """The chapter sources in ``chapters/``, sorted by name."""
    return sorted((root / CHAPTER_FOLDER).glob("*.md"))


def quiz_files(root: Path) -> list[Path]:
    """The quiz files (and the bibliography) in ``quizzes/``, sorted by name."""
    return sorted((root / QUIZ_FOLDER).glob("*.y*ml"))


def chapter_titles(root: Path) -> dict[str, str]:
    """Each chapter's first heading, by its path without extension (as quizzes name chapters)."""
    titles = {}
    for path in chapter_files(root):
        match = _TITLE.search(path.read_text(encoding="utf-8"))
        titles[f"{CHAPTER_FOLDER}/{path.stem}"] = match.group(1).strip() if match else path.stem
    return titles


def study_times(root: Path) -> dict[str, int]:
    """The study time (minutes) each document of the table of contents states, in reading order."""
    times = {}
    for doc in toc_documents(root):
        path = root / f"{doc}.md"
        match = _STUDY_TIME.search(path.read_text(encoding="utf-8")) if path.exists() else None
        if match:
            times[doc] = int(match.group(1))
    return times


def title(root: Path) -> str:
    """The course's title, from ``_config.yml`` (the book's title), or "Course"."""
    try:
        config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return "Course"
    return str(config.get("title") or "Course") if isinstance(config, dict) else "Course"


def page_calling(root: Path, call: str) -> str | None:
    """The first document of the table of contents whose source calls ``quizlib.<call>(`` (the progress page
    calls ``progress``, the certificate page ``certificate``), or None."""
    needle = re.compile(rf"\bquizlib\.{re.escape(call)}\(")
    for doc in toc_documents(root):
        path = root / f"{doc}.md"
        if path.exists() and needle.search(path.read_text(encoding="utf-8")):
            return doc
    return None


def next_document(root: Path, doc: str) -> str | None:
    """The document after ``doc`` in the table of contents, or None for the last (or one not listed)."""
    docs = toc_documents(root)
    return docs[docs.index(doc) + 1] if doc in docs and docs.index(doc) + 1 < len(docs) else None


def _stamp(root: Path) -> tuple[tuple[str, int], ...]:
    return tuple((p.name, p.stat().st_mtime_ns) for p in quiz_files(root))


@lru_cache(maxsize=4)
def _course(root: Path, stamp: tuple[tuple[str, int], ...]) -> Course:
    return load_course(root / QUIZ_FOLDER, chapters_root=root)


def quizzes(root: Path | None = None) -> Course:
    """Every quiz of the course at ``root`` (found from the working folder by default), loaded again when a
    quiz file changes. Raises :class:`quizlib.quiz.load.QuizFileError` listing every problem."""
    root = (root or find_root()).resolve()
    return _course(root, _stamp(root))
