"""Forwarding every stored statement to an external xAPI 1.0.3 LRS: batched, idempotent, retried with backoff.

The store queues each new statement in an outbox in the transaction that stores it
(:mod:`quizlib.results.store.outbox`), so the outbox survives a crash or a restart and a statement stored is
a statement that will be forwarded. A :class:`Forwarder` claims the oldest waiting statements (at most
``batch_size``, 50 by default), POSTs them to the LRS's ``statements`` resource in one request, and removes
them from the outbox once the LRS has answered 200 or 204.

What can go wrong, and what happens:

- The LRS cannot be reached, times out, answers 5xx or 429, redirects, refuses the credentials (401, 403) or
  has no statements resource at the address (404, 405): the statements stay queued and every forwarder
  sharing the database waits, doubling the wait after each failure in a row (1 s, 2 s, 4 s, ... up to
  ``max_backoff``, 5 minutes by default, with jitter; a ``Retry-After`` is honoured up to that cap). The
  course lead's page shows the error and when the next try is.
- The LRS refuses the batch for what is in it (400, 409, 413, 422): the batch is split in halves and each
  half sent again, down to single statements, so that one statement the LRS will never take does not hold
  back the others. A single statement refused this way (409: the LRS holds a different statement with the
  same id) is kept in the outbox as *refused*, with the LRS's answer, for the course lead to see.
- A send whose answer was lost (the LRS or quizlib stopped mid-request) is sent again: an LRS stores a
  statement id once, and answers a resend of the same statement with success (xAPI 1.0.3, 2.1.2), so a
  statement arrives once however often it is sent.

Several server processes may forward from one database; a claim is a lease (twice the request timeout, plus
10 s, renewed before each request of a split batch), so two processes never send the same statement at the
same time (an LRS that checks for an id and then writes could store it twice), and the statements of a
process that died come back when its lease ends.

Pure logic over the store and a small :class:`Transport` (by default :class:`HttpTransport`, the standard
library's HTTP client), so it runs the same in ``quizlib serve``'s background thread, in a benchmark, or in a
test.
"""

from __future__ import annotations

import base64
import email.utils
import http.client
import json
import random
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Protocol
from urllib.parse import unquote, urlsplit, urlunsplit

from sqlalchemy.exc import SQLAlchemyError

from quizlib.results.store import OutboxItem, Store, StoreError

XAPI_VERSION = "1.0.3"
DEFAULT_BATCH = 50
MAX_BATCH = 1000
# Answers that refuse what is in a batch, not the request itself: split the batch to find the statement.
REFUSES_CONTENT = frozenset({400, 409, 413, 422})
CHECK_EVERY = 15.0  # seconds between a forwarder's notes that it is alive (the lead's page shows them)


class ForwardConfigError(ValueError):
    """Forwarding options that cannot work, with what to change."""


# -- configuration ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    """The LRS: its statements resource, and the HTTP Basic credentials quizlib uses there."""

    statements_url: str  # e.g. https://lrs.example.org/xAPI/statements; never carries credentials
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, url: str, username: str | None = None, password: str | None = None) -> Destination:
        """The destination for the LRS's xAPI endpoint ``url`` (``https://lrs.example.org/xAPI/``; its
        ``statements`` resource is also accepted). Credentials may be in the URL (``https://user:pw@host/``).
        Raises :class:`ForwardConfigError` naming what to change."""
        url = url.strip()
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as e:
            raise ForwardConfigError(f"the LRS address {url!r} is not a URL ({e})") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ForwardConfigError(
                f"the LRS address {url!r} is not an http:// or https:// URL; give the LRS's xAPI endpoint, "
                "for example https://lrs.example.org/xAPI/"
            )
        if parts.query or parts.fragment:
            raise ForwardConfigError(f"the LRS address {url!r} has a query or fragment; give the endpoint alone")
        if parts.username is not None and username is None:
            username = unquote(parts.username)
            password = unquote(parts.password or "")
        host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        netloc = host + (f":{port}" if port is not None else "")
        path = parts.path if parts.path.endswith("/") else parts.path + "/"
        if path.endswith("/statements/"):
            path = path[: -len("statements/")]
        statements = urlunsplit((parts.scheme, netloc, path + "statements", "", ""))
        if username is not None and ":" in username:
            raise ForwardConfigError("the LRS user name cannot contain ':' (HTTP Basic authentication)")
        if password and username is None:
            raise ForwardConfigError("an LRS password was given without a user name; give both, or neither")
        return cls(statements, username or None, password if username else None)

    @property
    def endpoint(self) -> str:
        """The xAPI endpoint, as shown to people (no credentials)."""
        return self.statements_url[: -len("statements")]

    @property
    def sends_credentials_in_clear(self) -> bool:
        """Credentials over plain HTTP to another machine: anyone on the way can read them."""
        host = urlsplit(self.statements_url).hostname or ""
        local = host in ("localhost", "::1") or host.startswith("127.")
        return self.username is not None and self.statements_url.startswith("http:") and not local

    def headers(self) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "X-Experience-API-Version": XAPI_VERSION,
            "User-Agent": "quizlib-forwarder",
        }
        if self.username is not None:
            token = base64.b64encode(f"{self.username}:{self.password or ''}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {token}"
        return headers


@dataclass(frozen=True)
class Settings:
    """How a forwarder works: the defaults suit a real LRS; the tests shorten the waits."""

    batch_size: int = DEFAULT_BATCH  # statements per request, at most
    timeout: float = 30.0  # seconds to wait for the LRS's answer to one request
    first_backoff: float = 1.0  # seconds to wait after the first failure; doubled after each failure in a row
    max_backoff: float = 300.0  # the longest wait between tries
    idle_poll: float = 2.0  # seconds between looks at an empty outbox

    def __post_init__(self) -> None:
        if not 1 <= self.batch_size <= MAX_BATCH:
            raise ForwardConfigError(f"the batch size must be from 1 to {MAX_BATCH}, not {self.batch_size}")
        for name in ("timeout", "first_backoff", "max_backoff", "idle_poll"):
            if not getattr(self, name) > 0:
                raise ForwardConfigError(f"{name.replace('_', ' ')} must be more than 0 seconds")

    @property
    def lease(self) -> timedelta:
        """How long a claim holds: longer than any request can take, so no other forwarder sends meanwhile."""
        return timedelta(seconds=2 * self.timeout + 10)


def backoff(failures: int, first: float, cap: float, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait after ``failures`` failed tries in a row: ``first`` doubled each time, at most ``cap``,
    then a random point between half of it and all of it, so that processes do not retry in step."""
    full = min(cap, first * 2 ** min(max(failures, 1) - 1, 60))
    return full / 2 + rand() * full / 2


# -- talking to the LRS ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: Mapping[str, str]


class Transport(Protocol):
    def post(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> Reply:
        """POST ``body``; the answer, whatever its status. Raises OSError when there is no answer."""
        ...


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A POST must not be followed to another address (urllib would turn it into a GET): report the redirect.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class HttpTransport:
    """HTTP(S) with the standard library: certificates checked, proxies from the environment, no redirects."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(_NoRedirects)

    def post(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> Reply:
        request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
        try:
            with self.opener.open(request, timeout=timeout) as r:
                return Reply(r.status, r.read(), dict(r.headers.items()))
        except urllib.error.HTTPError as e:
            with e:
                return Reply(e.code, e.read(), dict(e.headers.items()) if e.headers else {})


# -- the forwarder ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """What one :meth:`Forwarder.step` did, and how long to wait before the next."""

    claimed: int = 0
    delivered: int = 0
    refused: int = 0
    error: str | None = None
    wait: float = 0.0


class _Trouble(Exception):
    """The LRS did not take a request for a reason that may pass: wait, then send the statements again."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def _now() -> datetime:
    return datetime.now(UTC)


def _status_text(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _detail(body: bytes) -> str:
    """What the LRS said, on one short line (its JSON ``detail``/``message``/``error`` when it gave one)."""
    text = body.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("detail", "message", "error", "errors"):
            if key in data:
                value = data[key]
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                break
    text = " ".join(text.split())
    return text[:300] + ("…" if len(text) > 300 else "")


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - _now()).total_seconds())


class Forwarder:
    """Sends the outbox of ``store`` to ``destination``. One forwarder per process; :meth:`run` in a thread.

    ``log`` receives one line when something changes (forwarding fails, works again, a statement is
    refused), not at every retry. ``now`` and ``transport`` are for tests.
    """

    def __init__(
        self,
        store: Store,
        destination: Destination,
        settings: Settings | None = None,
        *,
        transport: Transport | None = None,
        log: Callable[[str], None] | None = None,
        now: Callable[[], datetime] = _now,
    ):
        self.store = store
        self.outbox = store.outbox
        self.destination = destination
        self.settings = settings or Settings()
        self.transport: Transport = transport or HttpTransport()
        self.log = log or (lambda line: None)
        self.now = now
        self.owner = str(uuid.uuid4())  # this forwarder's name on the statements it claims
        self._headers = destination.headers()
        self._fresh = True  # the first try after start does not wait out a backoff left by an earlier run
        self._last_check = float("-inf")
        self._last_error: str | None = None

    # -- one step --------------------------------------------------------------------------------------

    def step(self) -> Step:
        """Claim one batch and send it (splitting it if the LRS refuses its content). Never raises for what the
        LRS does; database errors propagate."""
        now = self.now()
        if time.monotonic() - self._last_check >= CHECK_EVERY:  # also while waiting: the lead sees it is alive
            self.outbox.checked(self.destination.endpoint, now)
            self._last_check = time.monotonic()
        if not self._fresh:
            retry_at = self.outbox.retry_at()
            if retry_at is not None and retry_at > now:
                return Step(wait=min((retry_at - now).total_seconds(), CHECK_EVERY))
        s = self.settings
        items = self.outbox.claim(self.owner, s.batch_size, s.lease, now)
        if not items:
            self._fresh = False
            return Step(wait=self.settings.idle_poll)
        delivered = refused = 0
        pending: list[Sequence[OutboxItem]] = [items]  # batches still to send: halves of a refused one first
        first = True
        try:
            while pending:
                if not first:  # a split batch takes several requests: hold the claim on what is left for each
                    left = [i.statement_id for b in pending for i in b]
                    held = self.outbox.renew(self.owner, left, self.now() + s.lease)
                    pending = [kept for b in pending if (kept := [i for i in b if i.statement_id in held])]
                    if not pending:
                        break
                first = False
                batch = pending[0]
                status = self._post(batch)
                pending.pop(0)
                if status is None:
                    delivered += self.outbox.delivered(self.owner, [i.statement_id for i in batch], self.now())
                elif len(batch) > 1:
                    half = len(batch) // 2
                    pending[:0] = [batch[:half], batch[half:]]
                else:
                    code, reason = status
                    self.outbox.refuse(self.owner, batch[0].statement_id, code, reason, self.now())
                    refused += 1
                    self.log(
                        f"the LRS refused statement {batch[0].statement_id} ({reason}); it is kept, and shown "
                        "on the course lead's forwarding page"
                    )
        except _Trouble as trouble:
            self.outbox.release(self.owner, [i.statement_id for batch in pending for i in batch])
            return self._failed(trouble, len(items), delivered, refused)
        self._fresh = False
        if self._last_error is not None:
            self.log(f"forwarding to {self.destination.endpoint} works again")
            self._last_error = None
        return Step(claimed=len(items), delivered=delivered, refused=refused, wait=0.0)

    def _failed(self, trouble: _Trouble, claimed: int, delivered: int, refused: int) -> Step:
        s = self.settings

        def delay(failures: int) -> float:
            wait = backoff(failures, s.first_backoff, s.max_backoff)
            if trouble.retry_after is not None:
                wait = max(wait, min(trouble.retry_after, s.max_backoff))
            return wait

        now = self.now()
        retry_at = self.outbox.failed(trouble.message, now, delay)
        wait = max(0.0, (retry_at - now).total_seconds())
        self._fresh = False
        if trouble.message != self._last_error:
            self.log(f"{trouble.message}; the statements stay queued, next try in {wait:.0f} s")
            self._last_error = trouble.message
        return Step(
            claimed=claimed, delivered=delivered, refused=refused, error=trouble.message, wait=min(wait, CHECK_EVERY)
        )

    def _post(self, batch: Sequence[OutboxItem]) -> tuple[int, str] | None:
        """Send one batch. None: the LRS has every statement of it. (status, reason): it refuses its content.
        Raises :class:`_Trouble` for anything that may pass."""
        statements = []
        for item in batch:
            statement = dict(item.statement)
            statement.pop("stored", None)  # the LRS sets its own (xAPI 1.0.3, 2.4.8)
            statements.append(statement)
        body = json.dumps(statements, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        url = self.destination.statements_url
        try:
            reply = self.transport.post(url, body, self._headers, self.settings.timeout)
        except (OSError, http.client.HTTPException) as e:  # refused, reset, timed out, cut short, bad certificate
            reason = getattr(e, "reason", None) or e
            raise _Trouble(f"could not reach the LRS at {self.destination.endpoint} ({reason})") from None
        status = reply.status
        if status == 204:
            return None
        if status == 200:
            self._check_ids(reply, {i.statement_id.lower() for i in batch})
            return None
        if 200 <= status < 300:
            return None
        said = _detail(reply.body)
        answer = _status_text(status) + (f": {said}" if said else "")
        if status in REFUSES_CONTENT:
            return status, answer
        if 300 <= status < 400:
            where = next((v for k, v in reply.headers.items() if k.lower() == "location"), "another address")
            raise _Trouble(
                f"the LRS's address {self.destination.endpoint} redirects ({_status_text(status)}) to {where}: "
                "give that address to quizlib serve"
            )
        if status in (401, 403):
            raise _Trouble(
                f"the LRS at {self.destination.endpoint} refused quizlib's credentials ({answer}): check the "
                "user name and password quizlib serve was given, and that they may write statements"
            )
        if status in (404, 405):
            raise _Trouble(
                f"the LRS at {self.destination.endpoint} has no statements resource there ({answer}): check the "
                "address; it is the LRS's xAPI endpoint, often ending in /xAPI/"
            )
        raise _Trouble(f"the LRS at {self.destination.endpoint} answered {answer}", _retry_after(reply.headers))

    def _check_ids(self, reply: Reply, sent: set[str]) -> None:
        # xAPI 1.0.3: 200 with the ids of the statements. Something else answering 200 (a login page, a proxy)
        # must not count as the LRS having them.
        try:
            ids = json.loads(reply.body)
        except ValueError:
            ids = None
        if not isinstance(ids, list) or not all(isinstance(i, str) and i.lower() in sent for i in ids):
            raise _Trouble(
                f"the address {self.destination.endpoint} answered 200 but not as an xAPI LRS does (expected the "
                "list of statement ids): check that it is the LRS's xAPI endpoint"
            )

    # -- running ---------------------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Forward until ``stop`` is set (``quizlib serve`` runs this in a background thread)."""
        self.log(f"forwarding every stored statement to the LRS at {self.destination.endpoint}")
        while not stop.is_set():
            try:
                wait = self.step().wait
            except (SQLAlchemyError, StoreError, OSError):  # the database unreachable: live on, say why it waits
                if stop.is_set():
                    break
                self.log("forwarding stopped for a moment by an error:\n" + traceback.format_exc().rstrip())
                wait = min(self.settings.max_backoff, 10.0)
            if wait > 0:
                stop.wait(wait)

    def drain(self, timeout: float) -> int:
        """Forward until nothing is waiting (or ``timeout`` seconds pass); how many statements the LRS took.
        For benchmarks, tests and one-off runs."""
        deadline = time.monotonic() + timeout
        total = 0
        while time.monotonic() < deadline:
            step = self.step()
            total += step.delivered
            if step.claimed == 0 and step.error is None and self.outbox.state().pending == 0:
                return total
            if step.wait > 0:
                time.sleep(min(step.wait, max(0.0, deadline - time.monotonic())))
        return total


def stderr_log(line: str) -> None:
    """How ``quizlib serve`` reports forwarding: one line on the standard error, marked quizlib."""
    print(f"quizlib: {line}", file=sys.stderr, flush=True)
