"""The book for reading offline: a service worker (``assets/quizlib-sw.js``) written into the built book's root
with the list of the book's files and a version made from their contents, and a small script
(``assets/quizlib-offline.js``, linked from every page) that registers it.

After one visit over HTTP(S), every page of the book (chapters, glossary, *My progress*, references, search)
and everything they load open without a network. The worker answers only for these files: the course server's
API, its join, sign-in and staff pages go to the network untouched and are never kept. A rebuilt book has a
new version, so browsers fetch what changed (a file whose content hash is unchanged is taken from the old copy)
and drop the old copy.

LMS packages carry neither file (``quizlib.fronts.packages``): there the LMS serves the pages, and what it keeps
offline is its own business. Opened from files (``file://``), pages do not register it.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from pathlib import Path

from quizlib.fronts.html import asset

WORKER = "quizlib-sw.js"
REGISTER = "quizlib-offline.js"
# the key under which the worker's copy notes the hashes of the files it holds (a key, not a file of the book)
HASHES = "quizlib-sw-hashes.json"
_FILES_MARKER = "[/* __QUIZLIB_FILES__ */]"
_VERSION_MARKER = "__QUIZLIB_VERSION__"
_HASHES_MARKER = "__QUIZLIB_HASHES__"

# What a browser reading the book never asks for: sources and notebooks (the download button's targets), the
# build's execution reports, Sphinx's records, and the icon fonts' TrueType copies (every browser that runs a
# service worker reads the WOFF2 ones).
_LEFT_OUT_DIRS = ("_sources/", "reports/", ".doctrees/", "_static/__pycache__/", "_static/locales/", ".jupyter_cache/")
_LEFT_OUT_SUFFIXES = (".md", ".ipynb", ".py", ".map", ".pyc", ".po", ".mo", ".ttf", ".txt", ".inv", ".buildinfo")
_REFERENCE = re.compile(r'<(?:script|link|img|source)\b[^>]*?\b(?:src|href)="([^"#]+)"', re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")


def _local(ref: str) -> bool:
    return not (ref.startswith(("data:", "blob:", "mailto:", "javascript:", "//")) or "://" in ref)


def _resolve(page: str, ref: str) -> str:
    path, _, query = ref.partition("?")
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
    return resolved + (f"?{query}" if query else "")


def _left_out(rel: str) -> bool:
    return rel.startswith(_LEFT_OUT_DIRS) or rel.endswith(_LEFT_OUT_SUFFIXES) or rel == WORKER


def book_files(outdir: Path) -> list[str]:
    """What the worker keeps: every page of the built book, everything a page links or loads (with the query
    string it is linked with: Sphinx's ``?v=`` checksums), the fonts and images their stylesheets name, and the
    search index (relative to ``outdir``, sorted)."""
    pages = sorted(p.relative_to(outdir).as_posix() for p in outdir.rglob("*.html"))
    pages = [p for p in pages if not _left_out(p) and not p.startswith("_static/")]
    files = set(pages)
    stylesheets: set[str] = set()
    for page in pages:
        text = (outdir / page).read_text(encoding="utf-8", errors="replace")
        for ref in _REFERENCE.findall(text):
            if not _local(ref):
                continue
            rel = _resolve(page, ref)
            if rel.startswith("../") or _left_out(rel.split("?", 1)[0]):
                continue
            if (outdir / rel.split("?", 1)[0]).is_file():
                files.add(rel)
                if rel.split("?", 1)[0].endswith(".css"):
                    stylesheets.add(rel.split("?", 1)[0])
    for sheet in sorted(stylesheets):
        for ref in _CSS_URL.findall((outdir / sheet).read_text(encoding="utf-8", errors="replace")):
            if not _local(ref):
                continue
            rel = _resolve(sheet, ref).split("?", 1)[0]
            if not rel.startswith("../") and not _left_out(rel) and (outdir / rel).is_file():
                files.add(rel)
    practice = outdir / "_static" / "quizlib-practice"
    if practice.is_dir():  # loaded by the quiz runtime itself on a static host (assessments as practice)
        files.update(p.relative_to(outdir).as_posix() for p in practice.glob("*.js"))
    for extra in ("searchindex.js", "_static/searchtools.js", "_static/language_data.js"):
        if (outdir / extra).is_file():
            files.add(extra)
    return sorted(files)


def write_worker(outdir: Path) -> Path:
    """Write ``quizlib-sw.js`` into the book's root for the book as built now (each file with a hash of its
    content, and a version made from them all); return its path."""
    files = [
        [rel, hashlib.sha256((outdir / rel.split("?", 1)[0]).read_bytes()).hexdigest()[:16]]
        for rel in book_files(outdir)
    ]
    version = hashlib.sha256(json.dumps(files).encode("utf-8")).hexdigest()[:16]
    script = asset(WORKER)
    script = script.replace(_VERSION_MARKER, version, 1).replace(_HASHES_MARKER, HASHES, 1)
    script = script.replace(_FILES_MARKER, json.dumps(files, ensure_ascii=False, separators=(",", ":")), 1)
    path = outdir / WORKER
    if not path.is_file() or path.read_text(encoding="utf-8") != script:
        path.write_text(script, encoding="utf-8")
    return path
