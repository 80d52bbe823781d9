"""Staff pages: sign-in, password, trainers' list of cohorts, course leads' learners (a cohort and its
learners: ``trainer.py``; staff accounts: ``accounts.py``; reports: ``lead.py``).

Every handler starts by asking :func:`quizlib.server.staff.require_staff` who is there (see ``staff.py``);
a trainer asking for another trainer's cohort gets 403. After a change, a page redirects (303) so a reload
cannot repeat it.
"""

from __future__ import annotations

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from quizlib.results import report
from quizlib.results.store import NotFound, passwords
from quizlib.server import auth, throttle
from quizlib.server.http import BadRequest, read_form
from quizlib.server.paging import PAGE_SIZE, Page, page_number
from quizlib.server.staff import Redirect, ctx_of, page, require_staff, safe_next, start_session
from quizlib.server.trainer import active_trainer, cohort_problem

# -- signing in ------------------------------------------------------------------------------------------


async def signin(request: Request) -> Response:
    ctx = ctx_of(request)
    next_ = request.query_params.get("next", "")
    if request.method == "GET":
        return ctx.render(request, "signin.html", title="Sign in", next=next_, problem=None, name="")
    form = await read_form(request)
    auth.check_csrf(ctx.secret, request, form)
    name, password = form.get("name", "").strip(), form.get("password", "")
    key = throttle.name_key(name)

    def refused(problem: str, status: int, **headers) -> Response:
        response = ctx.render(
            request,
            "signin.html",
            title="Sign in",
            next=form.get("next", ""),
            name=name,
            status=status,
            problem=problem,
        )
        response.headers.update(headers)
        return response

    # Counted before the password is checked, so that guesses sent at once cannot beat the count.
    attempt, locked = await run_in_threadpool(ctx.sign_in_throttle.begin, key)
    if attempt is None:
        assert locked is not None
        return _locked_out(refused, locked)
    if ctx.waiting_to_check >= ctx.password_queue:
        await run_in_threadpool(ctx.sign_in_throttle.forget_attempt, attempt)
        return refused(
            "Many people are signing in at this moment. Wait a minute, then try again.", 429, **{"Retry-After": "60"}
        )
    staff = await run_in_threadpool(ctx.store.staff_by_name, name) if name and len(name) <= 100 else None
    # At most a few passwords are checked at once (each check takes 64 MiB); the rest wait here, in the event
    # loop, not in a thread each.
    ctx.waiting_to_check += 1
    try:
        if staff is None:
            ok = await anyio.to_thread.run_sync(passwords.verify_unknown, password, limiter=ctx.password_checks)
        else:
            ok = await anyio.to_thread.run_sync(
                passwords.verify_password, staff.password_hash, password, limiter=ctx.password_checks
            )
    finally:
        ctx.waiting_to_check -= 1
    if staff is None or not ok:
        # Unknown names count too, the same way: the answer never tells which names exist. The attempt was
        # counted as a failure already; it pauses the name if it was the last one allowed.
        locked = await run_in_threadpool(ctx.sign_in_throttle.locked_until, key)
        if locked is not None:
            return _locked_out(refused, locked)
        return refused(
            "That name and password do not match an account. Check both and try again. After "
            f"{throttle.SIGN_IN.failures} failed attempts, signing in with a name pauses for "
            f"{_minutes(throttle.SIGN_IN.lock)} minutes.",
            401,
        )
    if not staff.active:
        return refused("This account is deactivated. Ask a course lead to reactivate it if you need it again.", 403)
    await run_in_threadpool(ctx.sign_in_throttle.clear, key)
    if passwords.needs_rehash(staff.password_hash):
        await run_in_threadpool(ctx.store.update_password_hash, staff.id, passwords.hash_password(password))
    target = ctx.url("account/password") if staff.must_change_password else safe_next(ctx, form.get("next"))
    return await run_in_threadpool(start_session, ctx, request, RedirectResponse(target, status_code=303), staff)


def _locked_out(refused, until) -> Response:
    minutes = throttle.minutes_left(until)
    return refused(
        f"Too many failed sign-ins with this name. Signing in with it is paused: try again in {minutes} "
        f"minute{'' if minutes == 1 else 's'}. If you have forgotten your password, ask a course lead to "
        "reset it.",
        429,
        **{"Retry-After": str(throttle.seconds_left(until))},
    )


def _minutes(span) -> int:
    return int(span.total_seconds() // 60)


async def signout(request: Request) -> Response:
    ctx = ctx_of(request)
    form = await read_form(request)
    auth.check_csrf(ctx.secret, request, form)
    # Ended on the server: a copy of the cookie (another tab, a stolen one) opens nothing afterwards.
    ended = auth.session_id(ctx.secret, request)
    if ended is not None:
        await run_in_threadpool(ctx.store.end_session, ended)
    response = RedirectResponse(ctx.url("signin"), status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path=ctx.base_path, secure=ctx.over_https(request), httponly=True)
    return response


@page
def password(request: Request, form=None) -> Response:
    ctx = ctx_of(request)
    staff = require_staff(request, allow_password_change=True)
    if form is None:
        return ctx.render(request, "password.html", staff=staff, title="Change your password", problem=None)
    current, new, confirm = (form.get(k, [""])[-1] for k in ("current", "new", "confirm"))
    problem = None
    if not passwords.verify_password(staff.password_hash, current):
        problem = "Your current password is not right. Type the password you signed in with."
    elif new == current:
        problem = "Choose a new password that differs from the current one."
    else:
        problem = passwords.password_problem(new, confirm, staff.name)
    if problem:
        return ctx.render(
            request, "password.html", staff=staff, title="Change your password", problem=problem, status=400
        )
    staff = ctx.store.set_password(staff.id, passwords.hash_password(new))
    # The old cookie ended with the old password; sign the new session straight away.
    return start_session(ctx, request, RedirectResponse(ctx.url("trainer/?done=password"), status_code=303), staff)


# -- trainers ------------------------------------------------------------------------------------------


@page
def trainer_home(request: Request, form=None) -> Response:
    ctx = ctx_of(request)
    staff = require_staff(request)
    problem = None
    if form is not None:
        name = form.get("name", [""])[-1].strip()
        zone = form.get("time_zone", [report.DEFAULT_TIME_ZONE])[-1].strip()
        trainer_id = staff.id
        if staff.role == "lead" and form.get("trainer", [""])[-1]:
            trainer_id = active_trainer(ctx, form["trainer"][-1]).id
        problem = cohort_problem(name, zone)
        if problem is None:
            cohort = ctx.store.add_cohort(name, trainer_id, zone)
            raise Redirect(ctx.url(f"trainer/cohorts/{cohort.id}?done=created"))
    cohorts = ctx.store.cohorts(None if staff.role == "lead" else staff.id)
    everyone = {s.id: s for s in ctx.store.all_staff()}
    rows = [
        {
            "cohort": c,
            "trainer": everyone.get(c.trainer_id),
            "learners": len(ctx.store.learners(c.id)),
            "join": ctx.absolute(request, f"join/{c.code}"),
        }
        for c in cohorts
    ]
    trainers = [s for s in everyone.values() if s.active] if staff.role == "lead" else []
    return ctx.render(
        request,
        "trainer_home.html",
        staff=staff,
        title="Cohorts",
        rows=rows,
        trainers=trainers,
        time_zones=report.time_zone_names(),
        problem=problem,
        done=request.query_params.get("done"),
        status=400 if problem else 200,
    )


# -- course leads: staff and learners ------------------------------------------------------------------


@page
def learners_page(request: Request) -> Response:
    """Every learner, a page at a time, found by name and cohort (for data-protection requests)."""
    ctx = ctx_of(request)
    staff = require_staff(request, lead=True)
    cohorts = {c.id: c for c in ctx.store.cohorts()}
    search = request.query_params.get("q", "").strip()[:100]
    cohort_id = request.query_params.get("cohort") or None
    if cohort_id is not None and cohort_id not in cohorts:
        raise BadRequest(400, "There is no such cohort: choose one from the list, or all cohorts.")
    number = page_number(request)
    learners, total = ctx.store.learners_page(
        cohort_id=cohort_id, search=search, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    if not learners and total:  # past the last page: show the last one
        number = -(-total // PAGE_SIZE)
        learners, total = ctx.store.learners_page(
            cohort_id=cohort_id, search=search, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE
        )
    return ctx.render(
        request,
        "learners.html",
        staff=staff,
        title="Learners",
        learners=Page(learners, number, PAGE_SIZE, total, "page", tuple(request.query_params.multi_items())),
        cohorts=cohorts,
        search=search,
        cohort_id=cohort_id or "",
        done=request.query_params.get("done"),
    )


@page
def learner_export(request: Request) -> Response:
    """One learner's data as JSON, streamed: read a page of statements at a time, whatever their number."""
    ctx = ctx_of(request)
    require_staff(request, lead=True)
    learner_id = request.path_params["learner_id"]
    try:
        pieces = ctx.store.export_learner_json(learner_id)
    except NotFound:
        raise auth.AuthError(404, "There is no such learner. Their data may have been deleted already.") from None
    return StreamingResponse(
        (piece.encode("utf-8") for piece in pieces),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="learner-{learner_id}.json"',
            "Cache-Control": "no-store",
        },
    )


@page
def learner_delete(request: Request, form=None) -> Response:
    ctx = ctx_of(request)
    staff = require_staff(request, lead=True)
    try:
        learner = ctx.store.learner(request.path_params["learner_id"])
    except NotFound:
        raise auth.AuthError(404, "There is no such learner. Their data may have been deleted already.") from None
    if form is None:
        return ctx.render(
            request,
            "delete.html",
            staff=staff,
            title=f"Delete {learner.display_name}'s data",
            learner=learner,
            lrs=ctx.store.outbox.state().endpoint,
            problem=None,
        )
    if form.get("confirm", [""])[-1] != "yes":
        return ctx.render(
            request,
            "delete.html",
            staff=staff,
            title=f"Delete {learner.display_name}'s data",
            learner=learner,
            lrs=ctx.store.outbox.state().endpoint,
            status=400,
            problem="Tick the box to confirm that this learner's data should be deleted for good.",
        )
    ctx.store.delete_learner(learner.id)
    raise Redirect(ctx.url("lead/learners?done=deleted"))
