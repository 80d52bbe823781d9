"""Compressed responses: gzip for text (HTML, CSS, JavaScript, JSON, SVG, CSV), never for what is already
compressed (WOFF fonts, PNG/JPEG/GIF/WebP images, archives, PDF).

A chapter page with its quiz is about a megabyte as built, mostly the theme's CSS and JavaScript and the
quiz runtime inlined in each page; gzip takes most of it away (``benchmarks/page_bytes.py`` measures it).

Starlette's ``GZipMiddleware`` does the work and marks every response it could compress with ``Vary:
Accept-Encoding``, compressed or not, so a shared cache keeps the two forms apart. On top of it, a
compressed response's ``ETag`` is made weak: the gzip bytes are not the bytes the strong validator names
(as nginx does). Responses that carry a secret next to text a visitor can choose are safe from
compression side channels (BREACH) because the only such secret, the CSRF token, differs on every page
(see :func:`quizlib.server.auth.csrf_token`).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Already compressed, on top of Starlette's list (which has WOFF, PNG, JPEG, GIF, WebP, AVIF, zip, gzip,
# audio and video): compressing them again costs time and saves nothing.
ALREADY_COMPRESSED = DEFAULT_EXCLUDED_CONTENT_TYPES + (
    "application/font-woff",  # older names of WOFF that some systems' MIME tables still give
    "application/font-woff2",
    "application/x-font-woff",
    "application/pdf",
    "application/x-bzip2",
    "application/x-xz",
    "application/zstd",
    "application/x-7z-compressed",
)
MINIMUM_SIZE = 500  # bytes: below this the gzip header and a round of CPU cost more than they save
# zlib's level 6 (gzip's default) gives within a few per cent of level 9's size at a fraction of its CPU,
# and every response is compressed afresh.
LEVEL = 6
STATEMENTS_PATH = "api/v1/statements"
FEW_STATEMENTS_BYTES = 16 * 1024  # a request this small holds a few answers, answered with a few ids


class CompressedResponses:
    """ASGI middleware: gzip where the client accepts it and the type gains from it; weak ETags when it does."""

    def __init__(self, app: ASGIApp, *, minimum_size: int = MINIMUM_SIZE, level: int = LEVEL):
        self.gzip = GZipMiddleware(
            app, minimum_size=minimum_size, compresslevel=level, exclude_content_types=ALREADY_COMPRESSED
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _few_statements(scope):
            await self.gzip.app(scope, receive, send)
            return

        async def send_with_weak_etag(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                etag = headers.get("etag")
                if etag and not etag.startswith("W/") and headers.get("content-encoding") == "gzip":
                    headers["etag"] = "W/" + etag
            await send(message)

        await self.gzip(scope, receive, send_with_weak_etag)


def _few_statements(scope: Scope) -> bool:
    """Whether this is a POST of a few statements: the answer, their ids, is a few hundred bytes that gzip
    would leave as they are, so it skips the middleware (the most frequent request, answered as fast as can be)."""
    if scope["method"] != "POST" or not scope["path"].endswith(STATEMENTS_PATH):
        return False
    for name, value in scope["headers"]:
        if name == b"content-length":
            return value.isdigit() and int(value) <= FEW_STATEMENTS_BYTES
    return False
