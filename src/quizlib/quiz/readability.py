"""Reading level of each chapter's body text (Flesch–Kincaid grade), for authors and CI.

Body text is the prose a learner reads: headings, code cells, directive options, front matter and
markup are left out; a term link such as {term}`effect size <Effect size>` counts as its words.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

TARGET_GRADE = 9.0

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
_CODE_CELL = re.compile(r"^(`{3,}|:{3,})\{code-cell\}.*?^\1\s*$", re.DOTALL | re.MULTILINE)
_FENCE_LINE = re.compile(r"^\s*(`{3,}|:{3,}).*$", re.MULTILINE)
_OPTION_LINE = re.compile(r"^\s*:[\w-]+:.*$", re.MULTILINE)
_HEADING = re.compile(r"^#+ .*$", re.MULTILINE)
_ROLE = re.compile(r"\{[\w:-]+\}`([^`<]*?)(?:\s*<[^>]*>)?`")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"[*_`>]")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}.*$", re.MULTILINE)
_LIST_MARK = re.compile(r"^\s*(?:[-+*]|\d+\.)\s+", re.MULTILINE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def body_text(markdown: str) -> str:
    text = _FRONT_MATTER.sub("", markdown)
    text = _COMMENT.sub("", text)
    text = _CODE_CELL.sub("", text)
    text = _FENCE_LINE.sub("", text)
    text = _OPTION_LINE.sub("", text)
    text = _HEADING.sub("", text)
    text = _TABLE_RULE.sub("", text)
    text = _ROLE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _MARKUP.sub(" ", text)
    # Units of reading: a paragraph (its wrapped lines joined), a list item or a table row. One without
    # a full stop (a bullet, a row) still ends there, so it is ended as a sentence.
    units: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        current: list[str] = []
        for line in block.splitlines():
            starts_item = bool(_LIST_MARK.match(line)) or line.lstrip().startswith("|")
            if starts_item and current:
                units.append(" ".join(current))
                current = []
            current.append(_LIST_MARK.sub("", line).replace("|", " ").strip())
        if current:
            units.append(" ".join(current))
    ended = [u if re.search(r"[.!?:]$", u) else u + "." for u in (re.sub(r"\s+", " ", u).strip() for u in units) if u]
    return " ".join(ended)


@dataclass(frozen=True)
class Reading:
    chapter: str
    words: int
    sentences: int
    grade: float


def measure(path: Path) -> Reading:
    with warnings.catch_warnings():
        # textstat 0.7.3 (later releases download a dictionary at run time) imports pkg_resources, which warns
        # that it is deprecated; setuptools<81 keeps it (pyproject.toml, the authoring extra).
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=Warning)
        import textstat  # imported here: only authors and CI need it

    text = body_text(path.read_text(encoding="utf-8"))
    return Reading(
        chapter=path.stem,
        words=textstat.lexicon_count(text),
        sentences=textstat.sentence_count(text),
        grade=float(textstat.flesch_kincaid_grade(text)) if text else 0.0,
    )


def report(folder: Path) -> list[Reading]:
    return [measure(p) for p in sorted(folder.glob("*.md"))]
