"""What every request handler needs, made once per process at start (nothing here changes afterwards)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import anyio
import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from quizlib.results.ingest import MAX_BATCH, Ingestor
from quizlib.results.store import Staff, Store, passwords
from quizlib.server import auth, headers
from quizlib.server.catalogue import Catalogue
from quizlib.server.mail import MailSettings
from quizlib.server.throttle import JOIN, JOIN_CODE, RESUME, SIGN_IN, VERIFY, Throttle


@dataclass
class ServerContext:
    store: Store
    catalogue: Catalogue
    book: Path | None
    public_url: str | None = None  # e.g. https://course.example.org/ when behind a proxy
    book_title: str = "Course"
    max_batch: int = MAX_BATCH
    mail: MailSettings | None = None  # the SMTP server reminders go through (None: trainers copy them)
    # Per learner: statements stored in any minute, and in all. A quiz answered by hand makes a few a minute;
    # a browser back online sends its backlog in batches; the whole course, every quiz retaken many times,
    # is some thousands.
    learner_per_minute: int = 600
    learner_storage: int = 20_000
    secret: bytes = b""
    templates: jinja2.Environment = field(init=False)
    sign_in_throttle: Throttle = field(init=False)  # failed sign-ins per name
    join_throttle: Throttle = field(init=False)  # joins with unknown codes per client address
    join_code_throttle: Throttle = field(init=False)  # ... per client address and code
    verify_throttle: Throttle = field(init=False)  # certificate codes that do not exist, per client address
    resume_throttle: Throttle = field(init=False)  # resume codes not known (or spent), per client address
    # Sign-ins checking a password at once (each argon2id check takes 64 MiB), and waiting to: more wait no
    # longer but are told to try again shortly.
    password_checks: anyio.CapacityLimiter = field(init=False)
    password_queue: int = 50
    waiting_to_check: int = 0
    _ingestors: dict[tuple | None, Ingestor] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.secret = self.store.session_secret()
        self.sign_in_throttle = Throttle(self.store, SIGN_IN)
        self.join_throttle = Throttle(self.store, JOIN)
        self.join_code_throttle = Throttle(self.store, JOIN_CODE)
        self.verify_throttle = Throttle(self.store, VERIFY)
        self.resume_throttle = Throttle(self.store, RESUME)
        self.password_checks = anyio.CapacityLimiter(passwords.CONCURRENT)
        self.templates = jinja2.Environment(
            loader=jinja2.PackageLoader("quizlib.server", "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        if self.public_url and not self.public_url.endswith("/"):
            self.public_url += "/"

    @property
    def base_path(self) -> str:
        """The path the server is mounted at ("/" unless the public URL has one)."""
        if not self.public_url:
            return "/"
        return urlsplit(self.public_url).path or "/"

    def home_page(self, request: Request) -> str:
        """The server's own address, the homePage of learners' xAPI accounts."""
        return self.public_url or str(request.base_url)

    def url(self, path: str = "") -> str:
        return self.base_path + path.lstrip("/")

    def absolute(self, request: Request, path: str) -> str:
        return self.home_page(request) + path.lstrip("/")

    @staticmethod
    def client_address(request: Request) -> str:
        """The client's address (uvicorn takes it from X-Forwarded-For when the proxy is trusted)."""
        return request.client.host if request.client else "unknown"

    def over_https(self, request: Request) -> bool:
        """Whether the browser reached the server over HTTPS: the public address says so, or the request came
        over HTTPS directly or through a trusted proxy (uvicorn reads its X-Forwarded-Proto)."""
        return bool(self.public_url and self.public_url.startswith("https:")) or request.url.scheme == "https"

    def ingestor(self, request: Request) -> Ingestor:
        """The ingestor for the address the request came to (the learners' accounts name it), made once for
        each: this runs for every answer stored."""
        scope = request.scope
        key = None if self.public_url else (scope.get("scheme"), _host(scope), scope.get("root_path", ""))
        found = self._ingestors.get(key)
        if found is None:
            if len(self._ingestors) >= 64:  # addresses a client chose: never an unbounded number
                self._ingestors.clear()
            found = self._ingestors[key] = Ingestor(
                self.catalogue.course, self.store, self.home_page(request), own_clock=True
            )
        return found

    def render(
        self, request: Request, template: str, *, staff: Staff | None = None, status: int = 200, **values
    ) -> HTMLResponse:
        """A page from ``templates/``, with the CSRF token its forms need (and the cookie that backs it)."""
        cookie = request.cookies.get(auth.CSRF_COOKIE)
        fresh = cookie is None
        nonce = auth.new_nonce() if cookie is None else cookie
        script_nonce = headers.new_nonce()  # this response's scripts and styles carry it (headers.page_policy)
        html = self.templates.get_template(template).render(
            staff=staff,
            csrf=auth.csrf_token(self.secret, nonce),
            csp_nonce=script_nonce,
            u=self.url,
            book_title=self.book_title,
            has_book=self.book is not None,
            **values,
        )
        response = HTMLResponse(
            html,
            status_code=status,
            headers={
                "Cache-Control": "no-store",
                "Content-Security-Policy": headers.page_policy(script_nonce),
                # X-Frame-Options, nosniff and Referrer-Policy: on every response (headers.SecurityHeaders)
            },
        )
        if fresh:
            response.set_cookie(
                auth.CSRF_COOKIE,
                nonce,
                httponly=True,
                samesite="strict",
                path=self.base_path,
                secure=self.over_https(request),
            )
        return response


def _host(scope) -> bytes | tuple | None:
    """What ``request.base_url`` takes the host from: the Host header, else the server's address."""
    for name, value in scope.get("headers", ()):
        if name == b"host":
            return value
    return scope.get("server")
