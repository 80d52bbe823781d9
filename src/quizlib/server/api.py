"""The learners' API under ``/api/v1/``: config, join, statements, me. JSON in, JSON out, 4xx with reasons."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from quizlib import __version__
from quizlib.results import xapi
from quizlib.results.ingest import Rejected, conflict
from quizlib.results.store import Cohort, NotFound, OverLimit, StatementConflict, UsageLimit, code_for_people
from quizlib.server import auth, figures, http
from quizlib.server.auth import current_learner
from quizlib.server.context import ServerContext
from quizlib.server.http import BadRequest, error, read_json

API = "api/v1/"


def _no_store(data, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers={"Cache-Control": "no-store"})


async def config(request: Request) -> JSONResponse:
    """What the browser's sync script probes (same origin) to learn that a quizlib server is there."""
    ctx: ServerContext = request.app.state.ctx
    return _no_store(
        {
            "server": "quizlib",
            "version": __version__,
            "api": API,
            "home_page": ctx.home_page(request),
            "max_batch": ctx.max_batch,
        }
    )


async def join(request: Request) -> JSONResponse:
    """``{"code", "display_name"}`` -> a new learner in that cohort and their private token (201)."""
    ctx: ServerContext = request.app.state.ctx
    data = await read_json(request, 4096)
    if not isinstance(data, dict):
        raise BadRequest(400, "expected an object with code and display_name")
    code, name = data.get("code"), data.get("display_name")
    if not isinstance(code, str) or not code.strip():
        raise BadRequest(400, "code: expected the join code from your trainer's link")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest(400, "display_name: expected the name your trainer will see (it need not be your real name)")
    if len(name.strip()) > 100:
        raise BadRequest(400, "display_name: expected at most 100 characters")
    cohort = await cohort_to_join(ctx, request, code)
    if cohort is None:
        raise BadRequest(404, "no cohort has this join code: check the link with your trainer")
    learner, token = await run_in_threadpool(ctx.store.add_learner, cohort.id, name)
    return _no_store(
        {
            "learner_id": learner.id,
            "token": token,
            "display_name": learner.display_name,
            # The code too: should the server ever refuse this device's token, the page offers to join again.
            "cohort": {"id": cohort.id, "name": cohort.name, "code": cohort.code},
            "home_page": ctx.home_page(request),
        },
        201,
    )


async def resume_code(request: Request) -> JSONResponse:
    """A code (and link) with which the asking learner carries on on another device: short-lived, single-use."""
    ctx: ServerContext = request.app.state.ctx
    learner = await run_in_threadpool(current_learner, ctx.store, request)
    code, expires = await run_in_threadpool(ctx.store.add_resume_code, learner.id)
    shown = code_for_people(code)
    return _no_store(
        {"code": shown, "link": ctx.absolute(request, f"resume/{shown}"), "expires_at": expires.isoformat()}, 201
    )


async def resume(request: Request) -> JSONResponse:
    """``{"code"}`` (a resume code) -> this device's token for the code's learner (201), as joining answers.
    An unknown (or spent) code counts against the client's address: after 20 in a quarter hour it is paused."""
    ctx: ServerContext = request.app.state.ctx
    data = await read_json(request, 4096)
    code = data.get("code") if isinstance(data, dict) else None
    if not isinstance(code, str) or not code.strip() or len(code) > 64:
        raise BadRequest(400, "code: expected the code shown on your other device, under My progress")
    address = ctx.client_address(request)
    paused = await run_in_threadpool(ctx.resume_throttle.locked_until, address)
    if paused is not None:
        raise http.paused(paused, "Too many unknown codes from your network. Wait {wait}, then try again.")
    found = await run_in_threadpool(ctx.store.redeem_resume_code, code)
    if found is None:
        await run_in_threadpool(ctx.resume_throttle.failed, address)
        raise BadRequest(
            404,
            "code: this code is not known, already used or too old (a code works once, for "
            "30 minutes). Ask your other device for a new one: My progress, then Use another device.",
        )
    device, token = found
    cohort = await run_in_threadpool(ctx.store.cohort, device.cohort_id)
    return _no_store(
        {
            "learner_id": device.id,
            "token": token,
            "display_name": device.display_name,
            "cohort": {"id": cohort.id, "name": cohort.name, "code": cohort.code},
            "home_page": ctx.home_page(request),
        },
        201,
    )


async def cohort_to_join(ctx: ServerContext, request: Request, code: str) -> Cohort | None:
    """The cohort with join code ``code``, or None (an unknown code, which counts against the client's address
    and against that code from that address). Raises 429 while the address is paused, whatever the code (a
    guesser learns nothing then), or while this unknown code is paused for it. A known code is let through
    otherwise: a classroom behind one address joins even after one student mistyped many times."""
    address = ctx.client_address(request)
    code_key = f"{address} {code.strip().lower()[:64]}"
    paused = await run_in_threadpool(ctx.join_throttle.locked_until, address)
    if paused is None:
        cohort = await run_in_threadpool(ctx.store.cohort_by_code, code) if len(code) <= 64 else None
        if cohort is not None:
            return cohort
        code_paused = await run_in_threadpool(ctx.join_code_throttle.locked_until, code_key)
        if code_paused is None:
            code_paused = await run_in_threadpool(ctx.join_code_throttle.failed, code_key)
            paused = await run_in_threadpool(ctx.join_throttle.failed, address)
        if paused is None and code_paused is None:
            return None
        if paused is None:
            assert code_paused is not None
            raise http.paused(
                code_paused,
                "This join code is not known, and it has been tried many times from your network. Check the "
                "link with your trainer: it ends in the code. Joining with this code is paused for {wait}; the "
                "right link works at once.",
            )
    raise http.paused(
        paused,
        "Too many attempts to join with unknown codes from your network. Wait {wait}, then open the link from "
        "your trainer again.",
    )


async def statements(request: Request) -> JSONResponse:
    """Store one statement or a list, all or none; answer with their ids (xAPI's response).

    The statements are stored by the store's group writer, in one transaction with those of any other
    requests that arrive meanwhile, and answered once that transaction is committed."""
    ctx: ServerContext = request.app.state.ctx
    learner = auth.remembered_learner(ctx.store, request)
    if learner is None:
        learner = await run_in_threadpool(auth.current_learner, ctx.store, request)
    payload = await read_json(request)
    now = datetime.now(UTC)
    limit = UsageLimit(
        learner_id=learner.id,
        sending=len(payload) if isinstance(payload, list) else 1,
        since=now - timedelta(minutes=1),
        per_minute=ctx.learner_per_minute,
        storage=ctx.learner_storage,
    )
    ingestor = ctx.ingestor(request)
    try:
        if _quick(payload):  # a few answers: checked and scored here, without a hand-off to a thread
            scored = ingestor.score(learner, payload)
        else:
            scored = await run_in_threadpool(ingestor.score, learner, payload)
        new = await asyncio.wrap_future(ctx.store.add_statements_together(scored.records, limit=limit))
    except Rejected as e:
        return error(e.status, e.message, errors=e.errors)
    except StatementConflict as e:
        refused = conflict(e)
        return error(refused.status, refused.message, errors=refused.errors)
    except OverLimit as e:
        raise _over_limit(ctx, e) from None
    except NotFound:
        raise auth.AuthError(
            401, "unknown learner token: join your cohort again with the link from your trainer"
        ) from None
    scored.accepted(new)
    return _no_store(scored.ids)


def _quick(payload) -> bool:
    """Whether scoring ``payload`` is quick enough for the event loop: up to 10 statements, no finished quiz
    (which reads the attempt's answers from the database)."""
    items = payload if isinstance(payload, list) else [payload]
    if len(items) > 10:
        return False
    for item in items:
        verb = item.get("verb") if isinstance(item, dict) else None
        if not isinstance(verb, dict) or verb.get("id") != xapi.VERBS["answered"]:
            return False
    return True


def _over_limit(ctx: ServerContext, e: OverLimit) -> BadRequest:
    """429 for a learner who has stored as much as the server keeps for one, or sent too much this minute.

    Counted from the stored statements themselves (by the server's clock), so every process agrees. A full
    store says ``"retry": false`` (waiting will not help: the browser sets the answers aside and shows
    them); too many this minute says when to try again.
    """
    if e.full:
        return BadRequest(
            429,
            f"this learner already has {e.total:,} answers stored, the most the course server keeps for one "
            "learner; nothing more is stored. Your trainer can ask a course lead about it.",
            extra={"retry": False},
        )
    return BadRequest(
        429,
        f"too many answers at once: {e.recent:,} were stored in the last minute and the limit is "
        f"{ctx.learner_per_minute:,} a minute. They are kept in your browser and sent again shortly.",
        headers={"Retry-After": "60"},
        extra={"retry": True},
    )


def _me(ctx: ServerContext, learner) -> dict:
    if learner.merged_into is not None:  # a duplicate merged into another learner: that learner's progress
        learner = ctx.store.learner(learner.merged_into)
    cohort = ctx.store.cohort(learner.cohort_id)
    found = figures.standing(ctx, learner_id=learner.id)
    by_id = {a.id: a for a in ctx.store.assignments(learner.cohort_id)}
    out = []
    for p in found.of(learner.id):
        a = by_id[p.assignment]
        out.append(
            {
                "registration": a.id,
                "title": a.title,
                "due": a.due_date.isoformat() if a.due_date else None,
                "due_ends_at": xapi.timestamp(p.due_ends_at) if p.due_ends_at else None,
                "overdue": p.overdue,
                "days_overdue": p.days_overdue,
                "pass_mark": a.pass_mark,
                "include_final": a.include_final,
                "chapters": [{"chapter": c, "title": ctx.catalogue.chapter_titles.get(c, c)} for c in a.chapters],
                "quizzes": [
                    {
                        "id": q.quiz_id,
                        "title": ctx.catalogue.quiz_title(q.quiz_id),
                        "chapter": ctx.catalogue.course.quizzes[q.quiz_id].chapter,
                        "pass_mark": q.pass_mark,
                        "attempts": q.attempts,
                        "started": q.started,
                        "finished": q.finished,
                        "best_percentage": q.best_percentage,
                        "passed": q.passed,
                    }
                    for q in p.quizzes
                ],
                "progress": {
                    "passed": p.quizzes_passed,
                    "total": len(p.quizzes),
                    "started": p.started,
                    "finished": p.finished,
                    "passed_all": p.passed,
                },
            }
        )
    return {
        "learner": {"id": learner.id, "display_name": learner.display_name},
        "cohort": {"id": cohort.id, "name": cohort.name, "time_zone": cohort.time_zone},
        "assignments": out,
    }


async def me(request: Request) -> JSONResponse:
    """The learner's cohort, assignments with due dates, and progress as the server has it."""
    ctx: ServerContext = request.app.state.ctx
    learner = await run_in_threadpool(current_learner, ctx.store, request)
    return _no_store(await run_in_threadpool(_me, ctx, learner))
