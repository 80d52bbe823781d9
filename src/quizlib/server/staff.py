"""What every staff page shares: who is signed in, redirects, the thread pool, the session cookie, and the page
that asks to confirm a change.

Every handler starts by asking :func:`require_staff` who is there: anonymous visitors are sent to sign in,
staff who must change their password are sent to do so, and a trainer asking for a course lead's page gets
403. :func:`page` runs a handler in the thread pool (the store is synchronous), checks the CSRF token of
every POST and turns :class:`Redirect` into a 303.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from quizlib.results.store import Staff
from quizlib.server import auth
from quizlib.server.context import ServerContext
from quizlib.server.http import read_form_lists


class Redirect(Exception):
    def __init__(self, location: str):
        self.location = location


def ctx_of(request: Request) -> ServerContext:
    return request.app.state.ctx


def require_staff(request: Request, *, lead: bool = False, allow_password_change: bool = False) -> Staff:
    ctx = ctx_of(request)
    staff = auth.current_staff(ctx.store, ctx.secret, request)
    if staff is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise Redirect(ctx.url("signin") + "?next=" + quote(target, safe=""))
    if staff.must_change_password and not allow_password_change:
        raise Redirect(ctx.url("account/password"))
    if lead and staff.role != "lead":
        raise auth.AuthError(403, "Only a course lead can open this page.")
    return staff


def page(handler):
    """Run a page handler in the thread pool (the store is synchronous) and turn redirects into 303s."""

    @wraps(handler)
    async def wrapper(request: Request) -> Response:
        form = None
        if request.method == "POST":
            form = await read_form_lists(request)
            flat = {k: v[-1] for k, v in form.items()}
            auth.check_csrf(ctx_of(request).secret, request, flat)
        try:
            return (
                await run_in_threadpool(handler, request, form)
                if form is not None
                else await run_in_threadpool(handler, request)
            )
        except Redirect as r:
            return RedirectResponse(r.location, status_code=303)

    return wrapper


def safe_next(ctx: ServerContext, target: str | None) -> str:
    # Only a path on this server: never an open redirect to another site.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return ctx.url("trainer/")


def start_session(ctx: ServerContext, request: Request, response: Response, staff: Staff) -> Response:
    """Sign ``staff`` in on ``response``: a new session kept on the server, and the signed cookie that names
    it (after a sign-in or a password change). Call it in the thread pool (it writes to the store)."""
    session_id = ctx.store.start_session(staff.id, auth.SESSION_SECONDS)
    response.set_cookie(
        auth.SESSION_COOKIE,
        auth.session_cookie(ctx.secret, staff, session_id),
        max_age=auth.SESSION_SECONDS,
        httponly=True,
        samesite="lax",
        path=ctx.base_path,
        secure=ctx.over_https(request),
    )
    return response


def confirm_page(
    request: Request,
    staff: Staff,
    *,
    title: str,
    points: list[str],
    action: str,
    button: str,
    back: str,
    fields: dict[str, str] | None = None,
) -> Response:
    """A page that asks to confirm a change, saying what will happen; nothing has changed yet."""
    return ctx_of(request).render(
        request,
        "confirm.html",
        staff=staff,
        title=title,
        points=points,
        action=action,
        button=button,
        back=back,
        fields=fields or {},
    )
