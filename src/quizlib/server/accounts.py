"""Course leads' staff-account pages: create an account, reset a password, deactivate and reactivate.

A reset gives a one-time password, shown once, to be changed at the next sign-in, and ends that person's
sessions. A deactivated account cannot sign in and its sessions end at once; its cohorts stay, and a lead
gives them to another trainer from each cohort's page (``trainer.cohort_trainer``). A reset and a
deactivation each ask to be confirmed first, on a page that names the person and says what will happen. A
lead cannot reset or deactivate their own account here, so at least one active course lead always remains.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from quizlib.results.store import DuplicateName, NotFound, Staff, passwords
from quizlib.server import auth, throttle
from quizlib.server.staff import Redirect, confirm_page, ctx_of, page, require_staff


@page
def staff_page(request: Request, form=None) -> Response:
    ctx = ctx_of(request)
    staff = require_staff(request, lead=True)
    problem = created = None
    if form is not None:
        name = form.get("name", [""])[-1].strip()
        role = form.get("role", ["trainer"])[-1]
        if role not in ("trainer", "lead"):
            problem = "Choose the role: trainer or course lead."
        elif not name or len(name) > 100:
            problem = (
                "Give the new account a name of up to 100 characters, for example the trainer's first name and surname."
            )
        else:
            one_time = passwords.one_time_password()
            try:
                account = ctx.store.add_staff(name, role, passwords.hash_password(one_time), must_change_password=True)
                created = {"account": account, "password": one_time}
            except DuplicateName as e:
                problem = str(e)
    return _staff_listing(request, staff, problem=problem, created=created)


def _staff_listing(
    request: Request,
    staff: Staff,
    *,
    problem: str | None = None,
    created: dict | None = None,
    reset: dict | None = None,
    action_problem: str | None = None,
) -> Response:
    """The staff page: every account with its cohorts and what a lead can do to it."""
    ctx = ctx_of(request)
    cohorts: dict[str, list] = {}
    for c in ctx.store.cohorts():
        cohorts.setdefault(c.trainer_id, []).append(c)
    accounts = ctx.store.all_staff()
    done, named = request.query_params.get("done"), request.query_params.get("account")
    about = next((a for a in accounts if a.id == named), None)
    status = 400 if problem or action_problem else 200
    return ctx.render(
        request,
        "staff.html",
        staff=staff,
        title="Staff accounts",
        accounts=accounts,
        cohorts=cohorts,
        problem=problem,
        created=created,
        reset=reset,
        action_problem=action_problem,
        done=done if about is not None else None,
        about=about,
        status=status,
    )


def _account(request: Request) -> Staff:
    """The staff account named in the address."""
    try:
        return ctx_of(request).store.staff(request.path_params["staff_id"])
    except NotFound:
        raise auth.AuthError(
            404, "There is no such staff account. Go back to the staff accounts and choose one."
        ) from None


def _confirmed(form) -> bool:
    return form is not None and form.get("confirm", [""])[-1] == "yes"


@page
def staff_password_reset(request: Request, form=None) -> Response:
    """A new one-time password for someone who lost theirs: shown once, to be changed at first sign-in; every
    session of theirs ends, and failed sign-ins counted against their name are forgotten."""
    ctx = ctx_of(request)
    staff = require_staff(request, lead=True)
    account = _account(request)
    if account.id == staff.id:
        return _staff_listing(
            request,
            staff,
            action_problem="To change your own password, use “Change password”: it asks for your current one.",
        )
    if not _confirmed(form):
        return confirm_page(
            request,
            staff,
            back=ctx.url("lead/staff"),
            title=f"Reset the password of {account.name}?",
            points=[
                f"{account.name} is signed out at once, everywhere they are signed in.",
                (
                    "Their password stops working. You get a one-time password, shown only once, to give them; "
                    "they must choose a new password when they next sign in."
                ),
                "If their name was paused after failed sign-ins, the pause ends.",
            ],
            action=ctx.url(f"lead/staff/{account.id}/password"),
            button=f"Yes, reset the password of {account.name}",
        )
    one_time = passwords.one_time_password()
    account = ctx.store.set_password(account.id, passwords.hash_password(one_time), must_change_password=True)
    ctx.sign_in_throttle.clear(throttle.name_key(account.name))
    return _staff_listing(request, staff, reset={"account": account, "password": one_time})


@page
def staff_deactivate(request: Request, form=None) -> Response:
    ctx = ctx_of(request)
    staff = require_staff(request, lead=True)
    account = _account(request)
    if account.id == staff.id:
        # The lead asking stays active, so another one always remains to undo any deactivation.
        return _staff_listing(
            request,
            staff,
            action_problem="You cannot deactivate your own account. Ask another "
            "course lead if it should be deactivated.",
        )
    if not account.active:
        raise Redirect(ctx.url(f"lead/staff?done=deactivated&account={account.id}"))
    if not _confirmed(form):
        cohorts = ctx.store.cohorts(account.id)
        stay = (
            f"Their {len(cohorts)} cohort{'' if len(cohorts) == 1 else 's'} ({', '.join(c.name for c in cohorts)}) "
            "stay, with every learner and result: give each one to another trainer from its page."
            if cohorts
            else "They have no cohorts."
        )
        return confirm_page(
            request,
            staff,
            back=ctx.url("lead/staff"),
            title=f"Deactivate the account of {account.name}?",
            points=[
                f"{account.name} is signed out at once, everywhere, and cannot sign in again.",
                stay,
                "You can reactivate the account later; their password then works again.",
            ],
            action=ctx.url(f"lead/staff/{account.id}/deactivate"),
            button=f"Yes, deactivate {account.name}",
        )
    ctx.store.set_active(account.id, False)
    raise Redirect(ctx.url(f"lead/staff?done=deactivated&account={account.id}"))


@page
def staff_reactivate(request: Request, form) -> Response:
    ctx = ctx_of(request)
    require_staff(request, lead=True)
    account = _account(request)
    ctx.store.set_active(account.id, True)
    raise Redirect(ctx.url(f"lead/staff?done=reactivated&account={account.id}"))


def routes() -> list[Route]:
    return [
        Route("/lead/staff", staff_page, methods=["GET", "POST"]),
        Route("/lead/staff/{staff_id}/password", staff_password_reset, methods=["GET", "POST"]),
        Route("/lead/staff/{staff_id}/deactivate", staff_deactivate, methods=["GET", "POST"]),
        Route("/lead/staff/{staff_id}/reactivate", staff_reactivate, methods=["POST"]),
    ]
