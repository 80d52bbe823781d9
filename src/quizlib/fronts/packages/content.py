"""What goes into a package: the modules chosen, the built pages they need, and each page made fit to travel.

A module is a chapter of the table of contents with its quiz (the final assessment is a module too). Pages
without a quiz (progress, glossary, references) go with every package. A page is copied from the built book
with its download button (``_sources/``) removed, links to pages that are not in the package turned into
plain text, and, in a package for a subset of modules, the progress table (the home page's chapters, the
certificate) limited to the package's quizzes; a quiz's link to the next chapter goes where that chapter does.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from quizlib import course as course_folder
from quizlib.fronts import offline
from quizlib.quiz.model import Course


class PackageError(ValueError):
    """A package that cannot be made as asked; the message names what to change."""


@dataclass(frozen=True)
class Module:
    name: str  # the chapter's file name without extension, e.g. "04-meta-analyses": the id in packages
    chapter: str  # e.g. "chapters/04-meta-analyses"
    title: str
    quiz_ids: tuple[str, ...]


def modules(root: Path, course: Course) -> list[Module]:
    """Every module of the course, in the order of the table of contents."""
    titles = course_folder.chapter_titles(root)
    out = []
    for doc in course_folder.toc_documents(root):
        quiz_ids = tuple(q.id for q in course.quizzes.values() if q.chapter == doc)
        if quiz_ids:
            out.append(Module(doc.rsplit("/", 1)[-1], doc, titles.get(doc, doc), quiz_ids))
    return out


def choose(all_modules: list[Module], names: list[str]) -> list[Module]:
    """The modules named (by file name, chapter path or quiz id), in course order; all when none are named."""
    if not names:
        return list(all_modules)
    chosen = set()
    for name in names:
        key = name.strip().removesuffix(".md").removesuffix(".html")
        found = [m for m in all_modules if key in (m.name, m.chapter, *m.quiz_ids)]
        if not found:
            known = ", ".join(m.name for m in all_modules)
            raise PackageError(f"no module {name!r} in the course; expected one of: {known}")
        chosen.add(found[0].name)
    return [m for m in all_modules if m.name in chosen]


def support_documents(root: Path, course: Course) -> list[str]:
    """Documents of the table of contents that no quiz belongs to (progress, glossary, references)."""
    with_quiz = {q.chapter for q in course.quizzes.values()}
    return [d for d in course_folder.toc_documents(root) if d not in with_quiz]


# Never in a package: sources and notebooks (the download button's targets), source maps, build records.
# The theme's translations (.po, .mo) are read when the book is built, not by a browser.
_LEFT_OUT_DIRS = ("_sources", "reports", ".doctrees", "_static/__pycache__", "_static/locales")
_LEFT_OUT_SUFFIXES = (".md", ".ipynb", ".py", ".map", ".pyc", ".buildinfo", ".po", ".mo")
# The theme's 1.5 MB icon script, which the book's pages leave out (quizlib.fronts.sphinx_ext), unless a page
# links it after all.
_UNLINKED = "_static/scripts/fontawesome.js"
_LEFT_OUT_NAMES = (".buildinfo", "objects.inv", offline.WORKER, offline.REGISTER)
_SEARCH = ("search.html", "searchindex.js", "genindex.html")


def book_files(book: Path, pages: set[str], whole: bool) -> list[str]:
    """The built book's files a package needs (relative, sorted): ``pages`` (``chapters/x.html``), the
    static files, images, and, for the whole course, search and the index."""
    files = []
    linked = any("fontawesome.js" in (book / p).read_text(encoding="utf-8") for p in pages if (book / p).is_file())
    for path in sorted(book.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(book).as_posix()
        if rel.startswith(_LEFT_OUT_DIRS) or rel.endswith(_LEFT_OUT_SUFFIXES) or path.name in _LEFT_OUT_NAMES:
            continue
        if rel == _UNLINKED and not linked:
            continue
        if rel.endswith(".html") and "/" in rel and not rel.startswith(("_static/", "_images/")):
            if rel not in pages:
                continue
        elif rel in _SEARCH and not whole:
            continue
        files.append(rel)
    return files


# The book's offline copy (quizlib.fronts.offline): in an LMS, the LMS serves the pages and decides what is kept.
_OFFLINE_SCRIPT = re.compile(r'\s*<script\b[^>]*\bsrc="[^"]*' + re.escape(offline.REGISTER) + r'[^"]*"[^>]*></script>')
_DOWNLOAD_ITEM = re.compile(r'<li>\s*<a href="[^"]*_sources/[^"]*".*?</a>\s*</li>', flags=re.DOTALL)
_LINK = re.compile(r'<a\b([^>]*?)\bhref="([^"#?]*)([^"]*)"([^>]*)>(.*?)</a>', flags=re.DOTALL)
_BLOCK_DATA = re.compile(
    r'(<div class="quizlib" data-quizlib="(progress|course|certificate|quiz)"[^>]*>'
    r'<script type="application/json" class="quizlib-data">)(.*?)(</script>)',
    flags=re.DOTALL,
)
_HIDE_SEARCH = (
    "<style>.search-button, .search-button-field, .search-button__wrapper, "
    "#pst-search-dialog { display: none !important; }</style>"
)


def rewrite_page(text: str, page: str, present: set[str], quiz_ids: set[str], whole: bool) -> str:
    """Page ``page`` (``chapters/x.html``) fit for a package holding the files ``present``."""
    text = _DOWNLOAD_ITEM.sub("", text)
    text = _OFFLINE_SCRIPT.sub("", text)
    folder = posixpath.dirname(page)

    def link(m: re.Match) -> str:
        target = m[2]
        if not target or "://" in target or target.startswith(("mailto:", "data:")) or not target.endswith(".html"):
            return m[0]
        resolved = posixpath.normpath(posixpath.join(folder, target))
        if resolved in present:
            return m[0]
        return f'<span class="ql-not-in-package">{m[5]}</span>'

    text = _LINK.sub(link, text)
    if not whole:
        text = text.replace("</head>", _HIDE_SEARCH + "</head>", 1)

    def there(doc: str | None) -> bool:
        return doc is not None and f"{doc}.html" in present

    def block_data(m: re.Match) -> str:
        """A block's data with only what the package holds: its quizzes (in a package for a subset of
        modules), and links to pages it has."""
        data = json.loads(m[3])
        if m[2] == "quiz":
            links = data.get("links", {})
            for key in [k for k, v in links.items() if not there(v.get("doc"))]:
                del links[key]
        else:
            if not whole:
                data["quizzes"] = [q for q in data["quizzes"] if q["id"] in quiz_ids]
            if "chapters" in data:
                data["chapters"] = [c for c in data["chapters"] if there(c["doc"])]
            for key in ("progress", "certificate"):
                if key in data and not there(data[key]):
                    data[key] = None
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
        return m[1] + body + m[4]

    return _BLOCK_DATA.sub(block_data, text)


def rewrite_index(first_page: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Course</title>'
        f'<meta http-equiv="Refresh" content="0; url={first_page}"></head>'
        f'<body><p><a href="{first_page}">Start the course</a></p></body></html>\n'
    )
