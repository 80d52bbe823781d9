"""A small Sphinx extension for the course book.

- Keep every page free of requests to other hosts: Jupyter Book always loads sphinx-thebe, which writes a
  CDN address into each page (used only if a reader starts a live kernel, which this book does not
  offer). This drops those scripts from every page.
- Keep all page content inside landmarks for screen-reader users: the theme's course-title link is
  wrapped in a navigation landmark (templates in ``sphinx_templates/``).
"""

from __future__ import annotations

from pathlib import Path

TEMPLATES = Path(__file__).with_name("sphinx_templates")

_THEBE_MARKERS = ("sphinx-thebe.js", "THEBE_JS_URL", "unpkg.com")


def _is_thebe(script) -> bool:
    filename = getattr(script, "filename", None) or ""
    attributes = getattr(script, "attributes", {}) or {}
    text = f"{filename} {attributes.get('body', '')} {attributes.get('src', '')}"
    return any(marker in text for marker in _THEBE_MARKERS)


def _drop_thebe(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if scripts:
        context["script_files"] = [s for s in scripts if not _is_thebe(s)]


def _add_templates(app, config) -> None:
    config.templates_path = [str(TEMPLATES), *config.templates_path]


def setup(app):
    app.connect("config-inited", _add_templates)
    app.connect("html-page-context", _drop_thebe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
