"""A small Sphinx extension for the course book: keep every page free of requests to other hosts.

Jupyter Book always loads sphinx-thebe, which writes a CDN address into each page (used only if a reader
starts a live kernel, which this book does not offer). This drops those scripts from every page.
"""

from __future__ import annotations

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


def setup(app):
    app.connect("html-page-context", _drop_thebe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
