"""Staff pages: sign-in, password, trainers' cohorts and assignments, course leads' learners (staff accounts:
``accounts.py``; reports: ``lead.py``).

Every handler starts by asking :func:`quizlib.server.staff.require_staff` who is there (see ``staff.py``);
a trainer asking for another trainer's cohort gets 403. After a change, a page redirects (303) so a reload
cannot repeat it.
"""

from __future__ import annotations

import json
from datetime import date

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from quizlib.results.store import NotFound, Staff, passwords
from quizlib.server import auth, progress, throttle
from quizlib.server.context import ServerContext
from quizlib.server.http import BadRequest, read_form
from quizlib.server.staff import Redirect, ctx_of, page, require_staff, safe_next, start_session

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

    locked = await run_in_threadpool(ctx.sign_in_throttle.locked_until, key)
    if locked is not None:
        return _locked_out(refused, locked)
    staff = await run_in_threadpool(ctx.store.staff_by_name, name) if name else None
    if staff is None:
        ok = await run_in_threadpool(passwords.verify_unknown, password)
    else:
        ok = await run_in_threadpool(passwords.verify_password, staff.password_hash, password)
    if staff is None or not ok:
        # Unknown names count too, the same way: the answer never tells which names exist.
        locked = await run_in_threadpool(ctx.sign_in_throttle.failed, key)
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
    return start_session(ctx, RedirectResponse(target, status_code=303), staff)


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
    response = RedirectResponse(ctx.url("signin"), status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path=ctx.base_path)
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
    return start_session(ctx, RedirectResponse(ctx.url("trainer/?done=password"), status_code=303), staff)


# -- trainers --------------------------------------------------------------------------------------------


def _cohort_for(request: Request, staff: Staff, cohort_id: str):
    ctx = ctx_of(request)
    try:
        cohort = ctx.store.cohort(cohort_id)
    except NotFound:
        raise auth.AuthError(
            404, "There is no such cohort. It may have been removed; go back to your cohorts."
        ) from None
    if not auth.may_see_cohort(staff, cohort.trainer_id):
        raise auth.AuthError(403, "This cohort belongs to another trainer. Ask a course lead if you need to see it.")
    return cohort


@page
def trainer_home(request: Request, form=None) -> Response:
    ctx = ctx_of(request)
    staff = require_staff(request)
    problem = None
    if form is not None:
        name = form.get("name", [""])[-1].strip()
        trainer_id = staff.id
        if staff.role == "lead" and form.get("trainer", [""])[-1]:
            trainer_id = _active_trainer(ctx, form["trainer"][-1]).id
        if not name or len(name) > 200:
            problem = "Give the cohort a name of up to 200 characters, for example “Leeds, spring 2027”."
        else:
            cohort = ctx.store.add_cohort(name, trainer_id)
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
        problem=problem,
        done=request.query_params.get("done"),
        status=400 if problem else 200,
    )


def time_text(seconds: float | None) -> str:
    """Time spent in words a trainer reads at a glance: "45 s", "4 min 12 s", "1 h 3 min"; "" if unknown."""
    if seconds is None:
        return ""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def _learner_rows(ctx: ServerContext, cohort_id: str, assignments, today: date):
    learners = ctx.store.learners(cohort_id)
    spent = ctx.store.time_spent(cohort_id)
    by_learner: dict[str, list] = {}
    for s in ctx.store.activity(cohort_id=cohort_id):
        by_learner.setdefault(s.learner_id, []).append(s)
    rows = []
    for learner in learners:
        mine = progress.attempts(by_learner.get(learner.id, []))
        rows.append(
            {
                "learner": learner,
                "attempts": mine,
                "progress": [progress.assignment_progress(a, mine, today) for a in assignments],
                "time": time_text(spent.get(learner.id)),
            }
        )
    return rows


@page
def cohort_page(request: Request, form=None) -> Response:
    ctx = ctx_of(request)
    staff = require_staff(request)
    cohort = _cohort_for(request, staff, request.path_params["cohort_id"])
    problem = None
    values = {"title": "", "chapters": [], "final": False, "pass_mark": "70", "due": ""}
    if form is not None:
        values = {
            "title": form.get("title", [""])[-1].strip(),
            "chapters": form.get("chapters", []),
            "final": form.get("final", [""])[-1] == "yes",
            "pass_mark": form.get("pass_mark", [""])[-1].strip(),
            "due": form.get("due", [""])[-1].strip(),
        }
        problem = _assign(ctx, cohort.id, values)
        if problem is None:
            raise Redirect(ctx.url(f"trainer/cohorts/{cohort.id}?done=assigned"))
    assignments = ctx.store.assignments(cohort.id)
    today = date.today()
    rows = _learner_rows(ctx, cohort.id, assignments, today)
    summary = []
    for i, a in enumerate(assignments):
        ps = [r["progress"][i] for r in rows]
        summary.append(
            {
                "assignment": a,
                "started": sum(p.started for p in ps),
                "finished": sum(p.finished for p in ps),
                "passed": sum(p.passed for p in ps),
                "overdue": [r["learner"] for r, p in zip(rows, ps) if p.overdue],
            }
        )
    everyone = ctx.store.all_staff() if staff.role == "lead" else []
    return ctx.render(
        request,
        "cohort.html",
        staff=staff,
        title=f"Cohort: {cohort.name}",
        cohort=cohort,
        join=ctx.absolute(request, f"join/{cohort.code}"),
        assignments=assignments,
        rows=rows,
        summary=summary,
        catalogue=ctx.catalogue,
        values=values,
        problem=problem,
        trainer=next((s for s in everyone if s.id == cohort.trainer_id), None),
        trainers=[s for s in everyone if s.active],
        done=request.query_params.get("done"),
        status=400 if problem else 200,
    )


def _assign(ctx: ServerContext, cohort_id: str, v: dict) -> str | None:
    known = {m.chapter for m in ctx.catalogue.modules}
    unknown = [c for c in v["chapters"] if c not in known]
    if unknown:
        return f"There is no module {unknown[0]!r}: choose from the list."
    if not v["chapters"] and not v["final"]:
        return "Choose at least one module, or the final assessment."
    try:
        pass_mark = float(v["pass_mark"])
    except ValueError:
        return "Give the pass mark as a number from 0 to 100, for example 70."
    if not 0 <= pass_mark <= 100:
        return "Give the pass mark as a number from 0 to 100, for example 70."
    due = None
    if v["due"]:
        try:
            due = date.fromisoformat(v["due"])
        except ValueError:
            return "Give the due date as a date, for example 2027-03-31."
    quiz_ids = ctx.catalogue.quizzes_for(v["chapters"], v["final"])
    if not quiz_ids:
        return "The chosen modules have no quizzes to track. Choose at least one module with a quiz."
    chapters = [m.chapter for m in ctx.catalogue.modules if m.chapter in v["chapters"]]
    title = v["title"] or ", ".join(ctx.catalogue.chapter_titles.get(c, c) for c in chapters) or "Final assessment"
    ctx.store.add_assignment(
        cohort_id,
        title=title[:200],
        chapters=chapters,
        quiz_ids=quiz_ids,
        include_final=v["final"],
        pass_mark=pass_mark,
        due_date=due,
    )
    return None


@page
def learner_page(request: Request, form=None) -> Response:
    ctx = ctx_of(request)
    staff = require_staff(request)
    cohort = _cohort_for(request, staff, request.path_params["cohort_id"])
    try:
        learner = ctx.store.learner(request.path_params["learner_id"])
    except NotFound:
        raise auth.AuthError(404, "There is no such learner in this cohort.") from None
    if learner.cohort_id != cohort.id:
        raise auth.AuthError(404, "There is no such learner in this cohort.")
    problem = None
    if form is not None:
        email = form.get("email", [""])[-1].strip()
        if email and ("@" not in email or " " in email or len(email) > 320):
            problem = "That does not look like an e-mail address. Check it, or leave the field empty to remove it."
        else:
            ctx.store.set_learner_email(learner.id, email or None)
            raise Redirect(ctx.url(f"trainer/cohorts/{cohort.id}/learners/{learner.id}?done=email"))
    mine = progress.attempts(ctx.store.activity(learner_id=learner.id))
    assignments = ctx.store.assignments(cohort.id)
    today = date.today()
    return ctx.render(
        request,
        "learner.html",
        staff=staff,
        title=f"Learner: {learner.display_name}",
        cohort=cohort,
        learner=learner,
        attempts=mine,
        durations={k: time_text(v) for k, v in ctx.store.attempt_durations(learner.id).items()},
        catalogue=ctx.catalogue,
        progress=[progress.assignment_progress(a, mine, today) for a in assignments],
        problem=problem,
        done=request.query_params.get("done"),
        status=400 if problem else 200,
    )


# -- course leads: staff and learners ------------------------------------------------------------------


@page
def cohort_trainer(request: Request, form) -> Response:
    """A course lead gives a cohort to another trainer (e.g. when its trainer leaves): learners and results stay."""
    ctx = ctx_of(request)
    staff = require_staff(request, lead=True)
    cohort = _cohort_for(request, staff, request.path_params["cohort_id"])
    trainer = _active_trainer(ctx, form.get("trainer", [""])[-1])
    ctx.store.reassign_cohort(cohort.id, trainer.id)
    raise Redirect(ctx.url(f"trainer/cohorts/{cohort.id}?done=reassigned"))


def _active_trainer(ctx: ServerContext, staff_id: str) -> Staff:
    try:
        trainer = ctx.store.staff(staff_id)
    except NotFound:
        raise BadRequest(400, "No such trainer: choose one from the list.") from None
    if not trainer.active:
        raise BadRequest(
            400,
            f"The account of {trainer.name} is deactivated: choose an active trainer, or reactivate "
            "the account first on the staff accounts page.",
        )
    return trainer


@page
def learners_page(request: Request) -> Response:
    ctx = ctx_of(request)
    staff = require_staff(request, lead=True)
    cohorts = {c.id: c for c in ctx.store.cohorts()}
    return ctx.render(
        request,
        "learners.html",
        staff=staff,
        title="Learners",
        learners=ctx.store.learners(),
        cohorts=cohorts,
        done=request.query_params.get("done"),
    )


@page
def learner_export(request: Request) -> Response:
    ctx = ctx_of(request)
    require_staff(request, lead=True)
    try:
        data = ctx.store.export_learner(request.path_params["learner_id"])
    except NotFound:
        raise auth.AuthError(404, "There is no such learner. Their data may have been deleted already.") from None
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="learner-{data["learner"]["id"]}.json"',
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
            problem=None,
        )
    if form.get("confirm", [""])[-1] != "yes":
        return ctx.render(
            request,
            "delete.html",
            staff=staff,
            title=f"Delete {learner.display_name}'s data",
            learner=learner,
            status=400,
            problem="Tick the box to confirm that this learner's data should be deleted for good.",
        )
    ctx.store.delete_learner(learner.id)
    raise Redirect(ctx.url("lead/learners?done=deleted"))
