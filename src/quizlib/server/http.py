"""Small HTTP helpers: bounded bodies, JSON errors, URL-encoded forms."""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse

from quizlib.server import throttle

MAX_BODY = 256 * 1024  # bytes; a batch of 200 answers is far smaller


class BadRequest(Exception):
    """A request the server cannot read or will not serve; ``status`` is a 4xx and ``message`` says what to
    change. ``headers`` go with the answer (``Retry-After`` with a 429)."""

    def __init__(
        self, status: int, message: str, headers: dict[str, str] | None = None, extra: dict[str, Any] | None = None
    ):
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.extra = extra or {}  # more fields for a JSON answer (``retry`` with a 429)
        super().__init__(message)


def paused(until: datetime, message: str) -> BadRequest:
    """A 429 for a client paused until ``until``: ``message`` with ``{wait}`` replaced by the whole minutes left
    ("1 minute", "15 minutes"), and a Retry-After header in seconds."""
    minutes = throttle.minutes_left(until)
    wait = f"{minutes} minute{'' if minutes == 1 else 's'}"
    return BadRequest(429, message.format(wait=wait), headers={"Retry-After": str(throttle.seconds_left(until))})


def error(status: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    return JSONResponse(
        {"error": message, "status": status, **extra},
        status_code=status,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The request body, refusing (413) one longer than ``limit`` before reading it all."""
    length = request.headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise BadRequest(400, "the Content-Length header is not a number")
        if int(length) > limit:
            raise BadRequest(
                413, f"the body is {int(length)} bytes; the limit is {limit} bytes: send fewer statements at a time"
            )
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadRequest(413, f"the body is over the limit of {limit} bytes: send fewer statements at a time")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request, limit: int = MAX_BODY) -> Any:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise BadRequest(415, f"expected Content-Type: application/json, found {content_type or 'none'}")
    return decode_json(await read_body(request, limit))


def decode_json(body: bytes) -> Any:
    """A request body's JSON value, as the server reads every body: UTF-8, no NaN or infinity, no text that
    cannot be stored; raises :class:`BadRequest` (400) saying what is wrong."""
    try:
        value = json.loads(body.decode("utf-8"), parse_constant=_no_constant, parse_float=_finite)
    except UnicodeDecodeError:
        raise BadRequest(400, "the body is not UTF-8 text") from None
    except ValueError as e:
        raise BadRequest(400, f"the body is not valid JSON: {e}") from None
    except RecursionError:
        raise BadRequest(400, "the body is not valid JSON for quizlib: it is nested too deeply") from None
    # Such text can only come from an escape (valid JSON has no raw control character in a string, and UTF-8
    # cannot carry a surrogate): without one, the walk through every value is not needed.
    problem = _bad_text(value) if _ESCAPED_NUL_OR_SURROGATE.search(body) else None
    if problem:
        raise BadRequest(400, f"the body is not valid JSON for quizlib: {problem}")
    return value


_ESCAPED_NUL_OR_SURROGATE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def _bad_text(value: Any) -> str | None:
    """Why text in ``value`` cannot be stored (PostgreSQL refuses NUL and unpaired surrogates), or None."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                return "text may not contain the NUL character (\\u0000)"
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "text may not contain unpaired surrogates (such as \\ud800)"
    return None


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    # 1e400 is valid JSON but no float can hold it; it would be stored as Infinity, which is not JSON.
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"the number {text[:20]} is too large")
    return value


async def read_form(request: Request, limit: int = 64 * 1024) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` form; a field given twice keeps its last value."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise BadRequest(415, "expected a form (application/x-www-form-urlencoded)")
    body = await read_body(request, limit)
    return {k: v[-1] for k, v in _form_fields(body).items()}


async def read_form_lists(request: Request, limit: int = 64 * 1024) -> dict[str, list[str]]:
    """Like :func:`read_form`, keeping every value of a repeated field (checkboxes)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise BadRequest(415, "expected a form (application/x-www-form-urlencoded)")
    return _form_fields(await read_body(request, limit))


def _form_fields(body: bytes) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise BadRequest(400, "the form is not UTF-8 text") from None
    for k, v in pairs:
        if "\x00" in k or "\x00" in v:
            raise BadRequest(400, "the form may not contain the NUL character")
        out.setdefault(k, []).append(v)
    return out
