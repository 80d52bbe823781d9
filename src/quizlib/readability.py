"""Reading level of each chapter's body text (Flesch–Kincaid grade), for authors and CI.

Body text is the prose a learner reads: headings, code cells, directive options, front matter and
markup are left out; a term link such as {term}`effect size <Effect size>` counts as its words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

TARGET_GRADE = 9.0

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_CODE_CELL = re.compile(r"^(`{3,}|:{3,})\{code-cell\}.*?^\1\s*$", re.S | re.M)
_FENCE_LINE = re.compile(r"^\s*(`{3,}|:{3,}).*$", re.M)
_OPTION_LINE = re.compile(r"^\s*:[\w-]+:.*$", re.M)
_HEADING = re.compile(r"^#+ .*$", re.M)
_ROLE = re.compile(r"\{[\w:-]+\}`([^`<]*?)(?:\s*<[^>]*>)?`")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"[*_`>|]")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}.*$", re.M)
_LIST_MARK = re.compile(r"^\s*(?:[-+*]|\d+\.)\s+", re.M)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


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
    # A list item or table row without a full stop is still a unit of reading: end it as a sentence.
    lines = []
    for line in text.splitlines():
        line = _LIST_MARK.sub("", line).strip()
        if line and not re.search(r"[.!?:]$", line):
            line += "."
        lines.append(line)
    return re.sub(r"\s+", " ", " ".join(lines)).strip()


@dataclass(frozen=True)
class Reading:
    chapter: str
    words: int
    sentences: int
    grade: float


def measure(path: Path) -> Reading:
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
