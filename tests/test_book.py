"""The book built from clean with warnings as errors (the `built_book` fixture fails on any warning)."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from quizlib.course import toc_documents
from quizlib.fronts.html import SCRIPTS, STYLESHEET, asset

ROOT = Path(__file__).resolve().parents[1]
RESOURCE = re.compile(
    r'<(?:script|link|img|iframe|source|video|audio)\b[^>]*\b(?:src|href)="(https?:)?//', re.IGNORECASE
)
RUNTIME_SCRIPT = re.compile(r'<script defer="defer" src="(?:\.\./)*_static/quizlib\.js\?v=[0-9a-f]+"></script>')
RUNTIME_STYLESHEET = re.compile(
    r'<link rel="stylesheet" type="text/css" href="(?:\.\./)*_static/quizlib\.css\?v=[0-9a-f]+" />'
)


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
        blocks = re.findall(
            r'<script type="application/json" class="quizlib-data">(.*?)</script>', html, flags=re.DOTALL
        )
        ids = [json.loads(b)["quiz"]["id"] for b in blocks if '"type":"quiz"' in b]
        assert ids == [quiz.id], quiz.chapter
        # the quiz runtime comes from the book's own _static folder (one file, cached across chapters)
        assert RUNTIME_SCRIPT.search(html) and RUNTIME_STYLESHEET.search(html), quiz.chapter
        # the widget view and the widget manager's CDN scripts are left out of the published page
        assert "application/vnd.jupyter.widget-view+json" not in html
        assert "require.js" not in html and "html-manager" not in html


def test_the_quiz_runtime_is_served_once_and_only_where_a_page_needs_it(built_book):
    runtime = (built_book / "_static" / "quizlib.js").read_text(encoding="utf-8")
    assert all(asset(name) in runtime for name in SCRIPTS) and "QuizLibUI.mountAll()" in runtime
    assert (built_book / "_static" / "quizlib.css").read_text(encoding="utf-8") == asset(STYLESHEET)
    for doc in _docnames():
        html = (built_book / f"{doc}.html").read_text(encoding="utf-8")
        has_block = 'class="quizlib-data"' in html
        assert bool(RUNTIME_SCRIPT.search(html)) == has_block, doc
        assert bool(RUNTIME_STYLESHEET.search(html)) == has_block, doc


# -- page weight -----------------------------------------------------------------------------------------
# A chapter page with its quiz, as a server that compresses (quizlib serve) sends it: the page, the same-origin
# stylesheets, scripts, images and fonts it loads, each gzipped. 444 KiB on the wire from quizlib serve before the
# pages linked only what they use, the icon fonts were cut to the icons shown and the drawn figure became an SVG;
# about 164 KiB after (benchmarks/page_bytes.py). What is the page's own (its HTML and images) is what a learner
# who opened another chapter downloads again at most: the runtime, styles and fonts are the same files.
WEIGHED = "chapters/04-meta-analyses.html"
BUDGET = 250 * 1024  # issue 13: at most 250 KiB on the wire with an empty cache
OWN_BUDGET = 40 * 1024  # and at most 40 KiB once another chapter was opened
_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")


def _same_origin_assets(book: Path, page: str) -> dict[str, int]:
    """What ``page`` loads from its own site (scripts, stylesheets, images, and the WOFF2 fonts its stylesheets
    name), each with its size gzipped."""
    html = (book / page).read_text(encoding="utf-8")
    refs = re.findall(r'<script\b[^>]*\bsrc="([^"]+)"', html)
    refs += re.findall(r'<link\b(?=[^>]*\brel="stylesheet")[^>]*\bhref="([^"]+)"', html)
    refs += re.findall(r'<img\b[^>]*\bsrc="([^"]+)"', html)
    paths = set()
    for ref in refs:
        url = urlsplit(urljoin(f"http://book/{page}", ref))
        if url.netloc == "book":
            paths.add(url.path)
    for sheet in [p for p in paths if p.endswith(".css")]:
        for ref in _CSS_URL.findall((book / sheet.lstrip("/")).read_text(encoding="utf-8")):
            url = urlsplit(urljoin(f"http://book{sheet}", ref))
            if url.netloc == "book" and url.path.endswith(".woff2") and "solid" in url.path:  # the icons drawn
                paths.add(url.path)
    return {path: len(gzip.compress((book / path.lstrip("/")).read_bytes())) for path in paths}


def test_pages_stay_light(built_book):
    """No page carries what learners on phones should not download: the theme's Font Awesome script, saved
    widget state, a copy of the quiz runtime. And a chapter with its quiz stays within its byte budgets."""
    runtime_pieces = [asset(name)[-300:] for name in (*SCRIPTS, STYLESHEET)]
    for page in built_book.rglob("*.html"):
        if "_static" in page.relative_to(built_book).parts:
            continue
        html = page.read_text(encoding="utf-8")
        name = str(page.relative_to(built_book))
        assert "fontawesome.js" not in html, name
        assert "application/vnd.jupyter.widget-state+json" not in html, name
        assert not any(piece in html for piece in runtime_pieces), f"{name} inlines the quiz runtime"
    assert "/_static/quizlib.js" in _same_origin_assets(built_book, WEIGHED)
    for doc in _docnames():  # chapter 4 (a quiz and two figures) is the heaviest; every page is held to it
        weighed = f"{doc}.html"
        assets = _same_origin_assets(built_book, weighed)
        page_bytes = len(gzip.compress((built_book / weighed).read_bytes()))
        total = page_bytes + sum(assets.values())
        own = page_bytes + sum(n for p, n in assets.items() if p.startswith("/_images/"))
        biggest = ", ".join(f"{p} {n:,}" for p, n in sorted(assets.items(), key=lambda x: -x[1])[:5])
        assert total <= BUDGET, (
            f"{weighed}: {page_bytes:,} bytes gzipped, with all it loads {total:,}; biggest: {biggest}"
        )
        assert own <= OWN_BUDGET, f"{weighed}: its HTML and images are {own:,} bytes gzipped"


def test_each_page_links_only_the_styles_and_scripts_it_uses(built_book):
    """The book's extensions' files (sphinx-design, togglebutton, copybutton, thebe) and the search index are
    linked only where a page uses them; the theme's icon font keeps only the icons the book shows."""
    from fontTools.ttLib import TTFont

    for doc in _docnames():
        html = (built_book / f"{doc}.html").read_text(encoding="utf-8")
        for unused in ("sphinx-thebe.css", "searchindex.js", "searchtools.js"):
            assert unused not in html, f"{doc} links {unused}"
        body = html.split('<main id="main-content"', 1)[-1]
        if "<pre" not in body:
            assert "copybutton.js" not in html and "clipboard.min.js" not in html, doc
        if 'class="sd-' not in body:
            assert "sphinx-design.min.css" not in html, doc
    assert "searchindex.js" in (built_book / "search.html").read_text(encoding="utf-8")
    font = built_book / "_static" / "vendor" / "fontawesome" / "webfonts" / "fa-solid-900.woff2"
    icons = TTFont(str(font)).getBestCmap()
    assert 0xF0C9 in icons and 0xF05A in icons, "the menu's ☰ and the notes' ⓘ are kept"
    assert len(icons) < 60 and font.stat().st_size < 10_000


def test_the_meta_analyses_page_has_its_figures_each_with_a_text_alternative(built_book):
    """The effect-size figure drawn in the notebook and the diagram of the two reviews, both SVG (sharp on any
    screen, and small: the drawn figure was a 97 KiB PNG)."""
    html = (built_book / "chapters" / "04-meta-analyses.html").read_text(encoding="utf-8")
    images = re.findall(r"<img\b[^>]*>", html)
    sources = []
    for tag in images:
        alt = re.search(r'alt="([^"]*)"', tag)
        src = re.search(r'src="([^"]+\.(?:png|svg))"', tag)
        assert alt and len(alt.group(1)) > 40, "every figure has a real text alternative"
        assert src and (built_book / "chapters" / src.group(1)).resolve().is_file()
        sources.append(src.group(1))
    drawn = [s for s in sources if s.startswith("../_images/") and not s.endswith("meta-analyses-at-a-glance.svg")]
    assert len(drawn) == 1 and drawn[0].endswith(".svg"), "the effect-size figure drawn in the notebook"
    assert (built_book / "chapters" / drawn[0]).resolve().stat().st_size < 40_000
    assert any(s.endswith("meta-analyses-at-a-glance.svg") for s in sources), "the diagram of the two reviews"


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


def _rebuild_log(src: Path, out: Path) -> str:
    jb = str(Path(sys.executable).with_name("jupyter-book"))
    proc = subprocess.run(
        [jb, "build", str(src), "--path-output", str(out), "-W", "-n", "--keep-going"],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout)


def test_a_prose_edit_re_reads_that_page_alone_and_a_title_edit_the_pages_that_show_it(tmp_path):
    """Each quiz output depends on what it is made from: a quiz on the quiz files, and what names chapters (the
    progress and certificate pages, the home page's "Your course", a quiz's link to the next chapter) also on the
    chapters' titles and order (kept in an outline file rewritten only when they change), not on every chapter."""
    from conftest import build_book, write_minibook

    src = write_minibook(tmp_path / "src")
    build_book(src, tmp_path / "out")
    exam = src / "chapters" / "exam.md"
    exam.write_text(exam.read_text() + "\nOne more sentence of teaching.\n")
    log = _rebuild_log(src, tmp_path / "out")
    assert "0 added, 1 changed, 0 removed" in log and "reading sources... [100%] chapters/exam" in log, log
    exam.write_text(exam.read_text().replace("# The exam", "# The final exam"))
    log = _rebuild_log(src, tmp_path / "out")
    # The chapter; the progress and certificate pages, which list it; the home page, whose quiz links to it.
    assert "0 added, 4 changed, 0 removed" in log, log
    for page in ("certificate", "exam", "kinds", "progress"):
        assert f"chapters/{page}" in log.split("0 added, 4 changed")[1], page
    progress = (tmp_path / "out" / "_build" / "html" / "chapters" / "progress.html").read_text(encoding="utf-8")
    assert "The final exam" in progress
