"""The Starlette application: the built book at ``/``, the learners' API, the join page and staff pages."""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path
from typing import cast

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from quizlib.fronts.html import PRACTICE_DIR
from quizlib.results.store import Store
from quizlib.server import accounts, api, attempts, certificates, forwarding, lead, pages, trainer
from quizlib.server.auth import AuthError
from quizlib.server.catalogue import Catalogue
from quizlib.server.compression import CompressedResponses
from quizlib.server.context import ServerContext
from quizlib.server.headers import BookFiles, SecurityHeaders
from quizlib.server.http import BadRequest, error
from quizlib.server.mail import MailSettings

log = logging.getLogger("quizlib.server")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(request.app.state.ctx.url("api/"))


def _problem(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None, extra: dict | None = None
) -> Response:
    if _wants_json(request):
        return error(status, message, headers, **(extra or {}))
    ctx: ServerContext = request.app.state.ctx
    titles = {
        400: "That did not work",
        401: "Please sign in",
        403: "Not allowed",
        404: "Not found",
        405: "Not allowed",
        413: "Too large",
        415: "Not understood",
        429: "Please wait",
    }
    response = ctx.render(
        request, "message.html", title=titles.get(status, "That did not work"), message=message, status=status
    )
    response.headers.update(headers or {})
    return response


async def _auth_error(request: Request, exc: Exception) -> Response:
    error = cast(AuthError, exc)  # registered for AuthError only
    return _problem(request, error.status, error.message)


async def _bad_request(request: Request, exc: Exception) -> Response:
    error = cast(BadRequest, exc)  # registered for BadRequest only
    return _problem(request, error.status, error.message, error.headers, error.extra)


async def _http_error(request: Request, exc) -> Response:
    status = getattr(exc, "status_code", 500)
    messages = {
        404: "There is nothing at this address. Check the link, or start from the course's home page.",
        405: "This address does not accept that kind of request.",
    }
    return _problem(request, status, messages.get(status, str(getattr(exc, "detail", "")) or "That did not work."))


async def _client_gone(request: Request, exc: Exception) -> Response:
    # A browser that closed the page, or a phone that lost its signal, halfway through sending: nothing to
    # answer and nothing wrong with the server. One quiet line, never a traceback.
    log.info("client disconnected before sending the whole request: %s %s", request.method, request.url.path)
    return Response(status_code=400)


async def join_page(request: Request) -> Response:
    ctx: ServerContext = request.app.state.ctx
    code = request.path_params["code"]
    cohort = await api.cohort_to_join(ctx, request, code)
    if cohort is None:
        return ctx.render(
            request,
            "message.html",
            title="No such cohort",
            status=404,
            message="No cohort has this join code. Check the link with your trainer.",
        )
    return ctx.render(
        request,
        "join.html",
        title=f"Join {cohort.name}",
        cohort=cohort,
        code=code,
        start=ctx.url("") if ctx.book is not None else None,
    )


async def resume_page(request: Request) -> Response:
    """Carry on here: the learner types (or the link brings) the code shown on their other device."""
    ctx: ServerContext = request.app.state.ctx
    return ctx.render(
        request,
        "resume.html",
        title="Carry on from another device",
        code=request.path_params.get("code", "")[:64],
        start=ctx.url("") if ctx.book is not None else None,
    )


STAFF_SCRIPT = resources.files("quizlib.fronts").joinpath("assets", "quizlib-staff.js")


async def staff_script(request: Request) -> Response:
    """The staff pages' own script (copy and share buttons): a file, so no page needs an inline script."""
    return Response(
        STAFF_SCRIPT.read_bytes(),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600"},
    )


class ServedBook(BookFiles):
    """The built book (with its pages' security policies), without the practice copies of summative quizzes
    (``_static/quizlib-practice/``): they carry the keys for a book read without a server, and here the server
    scores those quizzes itself."""

    def lookup_path(self, path: str):
        full_path, stat_result = super().lookup_path(path)
        if stat_result is not None and PRACTICE_DIR in Path(full_path).parts:
            return "", None
        return full_path, stat_result


def create_app(
    store: Store,
    catalogue: Catalogue,
    book: Path | None = None,
    *,
    public_url: str | None = None,
    book_title: str = "Course",
    mail: MailSettings | None = None,
) -> Starlette:
    """The course server over ``store`` (already upgraded), scoring against ``catalogue``'s course.

    ``book`` is the built HTML book to serve at ``/`` (None serves only the API and pages); ``mail`` the SMTP
    server trainers' reminders go through (None: they copy them instead).
    """
    ctx = ServerContext(
        store=store, catalogue=catalogue, book=book, public_url=public_url, book_title=book_title, mail=mail
    )
    routes = [
        Route("/api/v1/config", api.config, methods=["GET"]),
        Route("/api/v1/join", api.join, methods=["POST"]),
        Route("/api/v1/statements", api.statements, methods=["POST"]),
        Route("/api/v1/me", api.me, methods=["GET"]),
        *attempts.routes(),
        *certificates.routes(),
        Route("/join/{code}", join_page, methods=["GET"]),
        Route("/api/v1/resume-code", api.resume_code, methods=["POST"]),
        Route("/api/v1/resume", api.resume, methods=["POST"]),
        Route("/resume", resume_page, methods=["GET"]),
        Route("/resume/{code}", resume_page, methods=["GET"]),
        Route("/signin", pages.signin, methods=["GET", "POST"]),
        Route("/signout", pages.signout, methods=["POST"]),
        Route("/account/password", pages.password, methods=["GET", "POST"]),
        Route("/trainer/", pages.trainer_home, methods=["GET", "POST"]),
        *trainer.routes(),
        Route("/staff/quizlib-staff.js", staff_script, methods=["GET"]),
        *accounts.routes(),
        Route("/lead/learners", pages.learners_page, methods=["GET"]),
        Route("/lead/learners/{learner_id}/export.json", pages.learner_export, methods=["GET"]),
        Route("/lead/learners/{learner_id}/delete", pages.learner_delete, methods=["GET", "POST"]),
        *lead.routes(),
        *forwarding.routes(),
    ]
    if book is not None:
        if not (Path(book) / "index.html").exists():
            raise FileNotFoundError(f"no index.html in {book}: build the book first (jupyter-book build .)")
        routes.append(Mount("/", app=ServedBook(directory=str(book), html=True), name="book"))
    https = bool(public_url and public_url.startswith("https:"))
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders, https=https), Middleware(CompressedResponses)],
        exception_handlers={
            ClientDisconnect: _client_gone,
            AuthError: _auth_error,
            BadRequest: _bad_request,
            404: _http_error,
            405: _http_error,
        },
    )
    app.state.ctx = ctx
    return app
