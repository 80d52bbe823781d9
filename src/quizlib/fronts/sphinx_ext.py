"""A small Sphinx extension for the course book.

- Keep every page free of requests to other hosts: Jupyter Book always loads sphinx-thebe, which writes a
  CDN address into each page (used only if a reader starts a live kernel, which this book does not
  offer). This drops those scripts from every page.
- Keep pages light for learners on phones and slow networks: the ipywidgets state that nbclient saves
  (hundreds of KiB a chapter) is dropped, since the published pages show quizlib's own HTML quiz and no
  widget; and the theme's 1.5 MB Font Awesome script is left out (``sphinx_templates/static/``), since
  the theme's stylesheet already draws the same icons from its bundled web fonts.
- Keep the menu working at every size: pydata-sphinx-theme 0.17 gives sphinx-book-theme pages a navbar of
  its own (``navbar_persistent`` defaults to a search button), whose hidden ☰ and "On this page" buttons
  come first in the page and so take the click handlers meant for the book theme's visible ones: on a phone
  ☰ opened nothing and on a desktop it did not hide the sidebar (pydata/pydata-sphinx-theme#2451). The
  book theme's pages have no such navbar (its search is in the sidebar), so it is left out again.
- Keep all page content inside landmarks for screen-reader users: the theme's course-title link is
  wrapped in a navigation landmark (templates in ``sphinx_templates/``).
- Serve the quiz runtime once for the whole book: a notebook's quiz output carries the runtime inline (it
  must stand alone), which would put 64 KB into every page with a quiz. The book's pages carry only the
  quiz's data; the runtime is written to ``_static/quizlib.js`` and ``_static/quizlib.css`` and linked, with
  Sphinx's ``?v=`` checksum, from the pages that have a quiz or progress block, so a browser fetches it once.
- Keep the answers of assessments out of the pages: a summative quiz's block carries no question. Its
  practice copy (keys included, encoded) is written to ``_static/quizlib-practice/<quiz id>.js`` and fetched
  only by a page read without the course server; ``quizlib serve`` never serves that folder.
- Let keyboard users reach a chapter's quiz at once: a "Skip to the quiz" link under the chapter's title, on
  every page with a quiz, to the quiz's block (which takes focus).
- Keep pages light (``quizlib.fronts.lighten``): each page links only the stylesheets and scripts its content
  uses, and the theme's icon fonts and stylesheet keep only the icons the book shows.
- Keep the book readable offline (``quizlib.fronts.offline``): a service worker in the book's root, made from
  the built files, and a script on every page that registers it.
- Keep published quizzes current: executed notebooks are cached, so a quiz output can be older than the
  quiz files and scripts it was made from. Each marked quizlib output is made afresh when a page is read,
  and the page is re-read whenever one of those files changes (see ``quizlib.fronts.notebook.render``).
"""

from __future__ import annotations

import glob
import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from docutils import nodes

if TYPE_CHECKING:
    from quizlib.quiz.model import Course

TEMPLATES = Path(__file__).with_name("sphinx_templates")
RUNTIME_JS = "quizlib.js"
RUNTIME_CSS = "quizlib.css"

_UNWANTED_SCRIPTS = ("sphinx-thebe.js", "THEBE_JS_URL", "unpkg.com")
_WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _unwanted(script) -> bool:
    filename = str(getattr(script, "filename", None) or "")
    attributes = getattr(script, "attributes", {}) or {}
    if attributes.get("type") == _WIDGET_STATE:
        return True
    text = f"{filename} {attributes.get('body', '')} {attributes.get('src', '')}"
    return any(marker in text for marker in _UNWANTED_SCRIPTS)


def _drop_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if scripts:
        context["script_files"] = [s for s in scripts if not _unwanted(s)]


def _write_runtime(app) -> None:
    """The quiz runtime as two files of ``_static``, written before Sphinx copies its static files and
    writes the pages (which need the files to compute their ``?v=`` checksums)."""
    if app.builder.format != "html":
        return
    from quizlib import course as course_folder
    from quizlib.fronts import html

    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    (static / RUNTIME_JS).write_text(html.script(), encoding="utf-8")
    (static / RUNTIME_CSS).write_text(html.asset(html.STYLESHEET), encoding="utf-8")
    from quizlib.fronts import offline

    _write_if_changed(static / offline.REGISTER, html.asset(offline.REGISTER))
    course = course_folder.quizzes(Path(app.srcdir))
    practice = static / html.PRACTICE_DIR
    wanted = {f"{quiz_id}.js": quiz_id for quiz_id in html.summative_quizzes(course)}
    if practice.exists():
        for old in practice.glob("*.js"):
            if old.name not in wanted:
                old.unlink()
    for name, quiz_id in wanted.items():
        practice.mkdir(exist_ok=True)
        _write_if_changed(practice / name, _practice_script(Path(app.doctreedir), course, quiz_id))


def _practice_script(kept_in: Path, course: Course, quiz_id: str) -> str:
    """``html.practice_script``, kept beside the doctrees by what it is made from: encoding it takes about half a
    second, which every rebuild would otherwise spend on an unchanged assessment."""
    from quizlib.fronts import html

    made_from = json.dumps(html.quiz_data(course, quiz_id), sort_keys=True, ensure_ascii=False).encode("utf-8")
    key = hashlib.sha256(made_from + Path(html.__file__).read_bytes()).hexdigest()[:20]
    folder = kept_in / "quizlib-practice"
    kept = folder / f"{quiz_id}.{key}.js"
    if kept.is_file():
        return kept.read_text(encoding="utf-8")
    text = html.practice_script(course, quiz_id)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{glob.escape(quiz_id)}.*.js"):
        old.unlink()
    kept.write_text(text, encoding="utf-8")
    return text


def _write_if_changed(path: Path, text: str) -> None:
    """Write only what changed: an unchanged file keeps its time, and the offline copy's version its value."""
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _finish(app, exception) -> None:
    """Once every page is written: the icon fonts cut down to the icons used, then the offline copy's list."""
    if exception is not None or app.builder.format != "html":
        return
    from quizlib.fronts import lighten, offline

    theme_dirs = [Path(d) for d in reversed(app.builder.theme.get_theme_dirs())] if app.builder.theme else []
    lighten.subset_icon_fonts(Path(app.outdir), Path(app.doctreedir), theme_dirs)
    offline.write_worker(Path(app.outdir))


def _link_runtime(app, pagename, templatename, context, doctree) -> None:
    from quizlib.fronts import html

    body = context.get("body", "")
    if html.has_block(body):  # only pages with a quiz or progress block
        app.add_css_file(RUNTIME_CSS)
        app.add_js_file(RUNTIME_JS, loading_method="defer")
        context["body"] = _with_skip_link(body)


_QUIZ_ANCHOR = re.compile(r'data-quizlib="quiz" id="(ql-quiz-[\w-]+)"')


def _with_skip_link(body: str) -> str:
    """``body`` with "Skip to the quiz" under its title, if it has a quiz (the first, if several)."""
    found = _QUIZ_ANCHOR.search(body)
    end_of_title = body.find("</h1>")
    if not found or end_of_title < 0 or end_of_title > found.start():
        return body
    at = end_of_title + len("</h1>")
    link = f'\n<p class="ql-skip"><a href="#{found[1]}">Skip to the quiz</a></p>'
    return body[:at] + link + body[at:]


def _refresh_quiz_outputs(app, doctree) -> None:
    from quizlib.fronts import notebook as book

    root = Path(app.srcdir)
    calls: set[str] = set()
    pages = _quiz_pages(app.env)
    pages.discard(app.env.docname)
    for node in list(doctree.findall(nodes.raw)):
        text = node.astext()
        if "<!-- quizlib:" in text:
            node.replace(node.children[0], nodes.Text(book.render(root, text, standalone=False)))
            calls.update(m[1] for m in book.MARK.finditer(text))
            pages.add(app.env.docname)
    # Only what these outputs are made from: a prose edit to one chapter re-reads that page alone.
    for path in book.sources(root, calls, _outline(app)):
        app.env.note_dependency(str(path))


def _outline(app) -> Path:
    return Path(app.doctreedir) / "quizlib-outline.json"


def _write_outline(app) -> None:
    from quizlib.fronts import notebook as book

    book.write_outline(Path(app.srcdir), _outline(app))


def _quiz_pages(env) -> set[str]:
    """The documents with a quizlib output, kept in the environment between builds."""
    if not hasattr(env, "quizlib_pages"):
        env.quizlib_pages = set()
    return env.quizlib_pages


def _runtime_outdated(app, env, added, changed, removed) -> list[str]:
    """When the quiz runtime changes, the pages that link it are written again, so their ``?v=`` checksum
    names the new files (a page's own sources are its quizzes, not the runtime)."""
    from quizlib.fronts import html

    checksum = hashlib.sha256((html.script() + html.asset(html.STYLESHEET)).encode("utf-8")).hexdigest()
    previous = getattr(env, "quizlib_runtime", None)
    env.quizlib_runtime = checksum
    return sorted(_quiz_pages(env) - set(removed)) if previous not in (None, checksum) else []


def _purge(app, env, docname) -> None:
    _quiz_pages(env).discard(docname)


def _merge(app, env, docnames, other) -> None:
    _quiz_pages(env).update(_quiz_pages(other))


def _prune_assets(app, pagename, templatename, context, doctree) -> None:
    from quizlib.fronts import lighten

    lighten.prune_assets(app, pagename, templatename, context, doctree)


def _add_templates(app, config) -> None:
    config.templates_path = [str(TEMPLATES), *config.templates_path]


def _no_theme_navbar(app, config) -> None:
    """No pydata-sphinx-theme navbar in a sphinx-book-theme page (see the module's docstring): its menu
    buttons would be the ones the theme's scripts wire up."""
    if config.html_theme == "sphinx_book_theme":
        options = dict(config.html_theme_options or {})
        options.setdefault("navbar_persistent", [])
        config.html_theme_options = options


def _keep_compiled_templates(app) -> None:
    """Keep the theme's templates compiled beside the doctrees: compiling them costs about a third of a second
    on every build, which a one-page rebuild would otherwise spend again (Jinja checks each template's source
    against what it compiled)."""
    environment = getattr(getattr(app.builder, "templates", None), "environment", None)
    if environment is None or environment.bytecode_cache is not None:
        return
    from jinja2 import FileSystemBytecodeCache

    folder = Path(app.doctreedir) / "quizlib-templates"
    folder.mkdir(parents=True, exist_ok=True)
    environment.bytecode_cache = FileSystemBytecodeCache(str(folder))


def setup(app):
    app.connect("config-inited", _add_templates)
    app.connect("builder-inited", _keep_compiled_templates)
    app.connect("config-inited", _no_theme_navbar)
    app.connect("builder-inited", _write_runtime)
    app.connect("builder-inited", _write_outline)
    app.connect("doctree-read", _refresh_quiz_outputs)
    app.connect("env-get-outdated", _runtime_outdated)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("html-page-context", _link_runtime)
    app.connect("html-page-context", _drop_scripts, priority=900)
    app.connect("html-page-context", _prune_assets, priority=900)
    app.connect("build-finished", _finish)
    app.add_js_file("quizlib-offline.js", loading_method="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
