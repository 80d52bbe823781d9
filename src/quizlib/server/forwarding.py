"""The course lead's page on forwarding to an external LRS (``/lead/forwarding``).

It reads the state every server process shares in the database (:mod:`quizlib.results.store.outbox`), so it
shows the same whichever process answers: how many statements wait, when the LRS last took some, the last
error and the next try, and the statements the LRS refused, which a lead can queue again
(``POST /lead/forwarding/retry``) once the cause is fixed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from quizlib.server.staff import Redirect, ctx_of, page, require_staff

# A forwarder notes every 15 s that it is alive; after this long without a note, none is running.
ALIVE = timedelta(minutes=2)


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else ""


def _ago(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return ""
    seconds = int((now - moment).total_seconds())
    if seconds < 60:
        return "less than a minute ago" if seconds >= 0 else "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


@page
def forwarding_page(request: Request) -> Response:
    ctx = ctx_of(request)
    staff = require_staff(request, lead=True)
    now = datetime.now(UTC)
    state = ctx.store.outbox.state()
    running = state.checked_at is not None and now - state.checked_at < ALIVE
    return ctx.render(
        request,
        "lead_forwarding.html",
        staff=staff,
        title="Forwarding to the LRS",
        state=state,
        running=running,
        waiting_now=state.retry_at is not None and state.retry_at > now,
        refused=ctx.store.outbox.refused(limit=100),
        when=_when,
        ago=lambda moment: _ago(moment, now),
        done=request.query_params.get("done"),
        count=request.query_params.get("n", ""),
    )


@page
def retry_refused(request: Request, form) -> Response:
    ctx = ctx_of(request)
    require_staff(request, lead=True)
    n = ctx.store.outbox.retry_refused()
    ctx.store.outbox.retry_now()
    raise Redirect(ctx.url(f"lead/forwarding?done=retried&n={n}"))


def routes() -> list[Route]:
    return [
        Route("/lead/forwarding", forwarding_page, methods=["GET"]),
        Route("/lead/forwarding/retry", retry_refused, methods=["POST"]),
    ]
