"""Security headers on every response: the staff pages, the learners' API, the book's pages and files.

Every response gets ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin`` (join codes in
addresses stay on this server), ``X-Frame-Options: DENY`` (no other site may frame a page: the book's pages
keep a learner's token in ``localStorage`` on the staff pages' origin) and a Content-Security-Policy; and
``Strict-Transport-Security`` when the request came over HTTPS (directly, or through a proxy the server
trusts, which uvicorn reads from ``X-Forwarded-Proto``) or the public address is HTTPS.

The policies allow no inline script but what is named: a staff page's scripts carry a nonce made for that
response (:func:`page_policy`); a book page's inline scripts (the theme's) are allowed by their SHA-256
hashes, read from the file itself (:class:`BookFiles`), so a rebuilt book needs no configuration. Styles
may be inline (the theme sets some in attributes); nothing may load from another site.
"""

from __future__ import annotations

import base64
import hashlib
import html as htmllib
import os
import re
import secrets
from functools import lru_cache
from pathlib import Path

from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from quizlib.fronts.offline import WORKER

HSTS = "max-age=31536000"  # a year; without includeSubDomains, which is the operator's choice to make
# The book's service worker (quizlib.fronts.offline) fetches the book's own files, and nothing else.
WORKER_POLICY = "default-src 'none'; connect-src 'self'"
# Anything that is not a page: nothing to run, nothing to frame.
NOT_A_PAGE = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
_COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}

# What every response gets unless it sets its own, as ASGI raw headers: _COMMON, and a policy for what is
# not a page.
_DEFAULTS = tuple(
    (name.encode("latin-1"), value.encode("latin-1"))
    for name, value in {**_COMMON, "content-security-policy": NOT_A_PAGE}.items()
)


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


def page_policy(nonce: str) -> str:
    """The policy of a server-rendered page whose ``<script>`` and ``<style>`` elements carry ``nonce``."""
    return (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )


def book_policy(script_hashes: tuple[str, ...], handler_hashes: tuple[str, ...] = ()) -> str:
    """The policy of a book page whose inline scripts have these SHA-256 hashes (base64), and whose event
    handler attributes (the theme's ``onclick="window.print()"``) have these."""
    hashes = "".join(f" 'sha256-{h}'" for h in script_hashes)
    if handler_hashes:
        hashes += " 'unsafe-hashes'" + "".join(f" 'sha256-{h}'" for h in handler_hashes)
    return (
        f"default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self'; object-src 'none'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'self'"
    )


# An inline script that runs: no src, and a JavaScript type (or none). Data blocks (application/json) don't.
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_RUNS = re.compile(r"""\btype\s*=\s*["']?(?!text/javascript|module|application/javascript)""", re.IGNORECASE)


_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def inline_script_hashes(html: str) -> tuple[str, ...]:
    """SHA-256 hashes (base64) of the inline scripts a page runs, as CSP's ``'sha256-...'`` wants them."""
    out = []
    for m in _SCRIPT.finditer(html):
        attributes, body = m.group(1), m.group(2)
        if re.search(r"\bsrc\s*=", attributes, re.IGNORECASE) or _RUNS.search(attributes):
            continue
        out.append(_sha256(body))
    return tuple(dict.fromkeys(out))


def handler_hashes(html: str) -> tuple[str, ...]:
    """SHA-256 hashes of the event handler attributes in a page's tags (``onclick="..."``), HTML-unescaped
    as the browser hashes them."""
    found = []
    for tag in re.finditer(r"<[a-zA-Z][^>]*>", _SCRIPT.sub("", html)):
        for m in _HANDLER.finditer(tag.group(0)):
            found.append(_sha256(htmllib.unescape(m.group(1) if m.group(1) is not None else m.group(2))))
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=512)
def _book_page_policy(path: str, mtime_ns: int, size: int, book_handlers: tuple[str, ...]) -> str:
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    return book_policy(inline_script_hashes(text), tuple(dict.fromkeys(handler_hashes(text) + book_handlers)))


class BookFiles(StaticFiles):
    """The built book, each HTML page with a policy that allows exactly its own inline scripts, and the event
    handler attributes found anywhere in the book: the search page reads other pages' HTML, and Chromium
    checks their handlers against the search page's policy as it does."""

    def __init__(self, *, directory: str, html: bool = False):
        super().__init__(directory=directory, html=html)
        found: list[str] = []
        for page in sorted(Path(directory).rglob("*.html")):
            found += handler_hashes(page.read_text(encoding="utf-8", errors="replace"))
        self.handlers = tuple(dict.fromkeys(found))

    def file_response(self, full_path, stat_result, scope, status_code=200):
        response = super().file_response(full_path, stat_result, scope, status_code)
        if os.path.basename(full_path) == WORKER:
            response.headers["content-security-policy"] = WORKER_POLICY
            response.headers["cache-control"] = "no-cache"
        elif str(full_path).endswith(".html"):
            response.headers["content-security-policy"] = _book_page_policy(
                os.fspath(full_path), stat_result.st_mtime_ns, stat_result.st_size, self.handlers
            )
        return response


class SecurityHeaders:
    """Adds the headers above to every response that does not set its own."""

    def __init__(self, app: ASGIApp, https: bool = False):
        self.app = app
        self.https = https  # the public address is HTTPS: every response says so

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        over_https = self.https or scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # On the raw list (names are lower-case bytes in ASGI): this runs for every response.
                raw = list(message.get("headers", ()))
                present = {name.lower() for name, _ in raw}
                raw += [(name, value) for name, value in _DEFAULTS if name not in present]
                if over_https:
                    raw = [(n, v) for n, v in raw if n.lower() != b"strict-transport-security"]
                    raw.append((b"strict-transport-security", HSTS.encode("latin-1")))
                message["headers"] = raw
            await send(message)

        await self.app(scope, receive, send_with_headers)
