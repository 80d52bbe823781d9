"""Certificates of completion: issued by the server to a learner who passed what they ask for, and confirmed by
anyone at ``/verify/<code>``.

A certificate is earned for a *scope*: ``"course"`` (every quiz of the course marked ``required``, each at its
own pass mark) or one of the learner's assignments (its quizzes at its pass mark). Passed or not is decided by
:func:`quizlib.results.report.assignment_progress`, the one definition of progress, over the attempts the
server scored: nothing the browser says counts. The server keeps each certificate it issues (its random code,
the name on it, what it certifies, the date and the scores), so a printed one can be checked and none can be
made up.

- ``GET  /api/v1/certificates``                  the learner's scopes: passed or not, what is left, certificates
- ``POST /api/v1/certificates`` ``{"scope", "name"}``   issue the certificate of a passed scope (201), or give
                                                  back the one already issued (200); 409 while not passed
- ``GET  /verify`` and ``/verify/<code>``         a page anyone may open: what the certificate with this code
                                                  says, or that no certificate has it
"""

from __future__ import annotations

from datetime import datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from quizlib.quiz.numbers import round_half_up
from quizlib.results import report
from quizlib.results.source import ReportSource, Scope
from quizlib.results.store import Certificate, Learner, certificate_code
from quizlib.server import figures, http
from quizlib.server.auth import current_learner
from quizlib.server.context import ServerContext
from quizlib.server.http import BadRequest, read_json

COURSE = "course"


def _no_store(data, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers={"Cache-Control": "no-store"})


def show_code(code: str) -> str:
    """A code as people read it: upper case, in groups of four ("K7QM-9XTP-2B")."""
    up = code.upper()
    return "-".join(up[i : i + 4] for i in range(0, len(up), 4))


def _kept(ctx: ServerContext, learner: Learner) -> Learner:
    """A merged duplicate speaks for the learner it was merged into."""
    return ctx.store.learner(learner.merged_into) if learner.merged_into is not None else learner


def _scopes(ctx: ServerContext, learner: Learner) -> list[tuple[str, str, report.AssignmentProgress]]:
    """(scope, title, progress) of the whole course and of each of the learner's assignments, in that order."""
    course = ctx.catalogue.course
    required = tuple(q.id for q in course.quizzes.values() if q.required)
    inputs = ReportSource(ctx.store).progress_inputs(Scope(learner_id=learner.id))
    whole = report.assignment_progress(
        inputs.enrolments,
        [report.Assignment(COURSE, learner.cohort_id, required)],
        inputs.attempts,
        course,
        started=inputs.started,
        cohorts=inputs.cohorts,
    )
    out = [(COURSE, ctx.book_title, p) for p in whole if p.learner == learner.id]
    titles = {a.id: a.title for a in ctx.store.assignments(learner.cohort_id)}
    for p in figures.standing(ctx, learner_id=learner.id).of(learner.id):
        if p.assignment in titles:
            out.append((p.assignment, titles[p.assignment], p))
    return out


def _mean_best(progress: report.AssignmentProgress) -> float:
    scores = [q.best_percentage or 0.0 for q in progress.quizzes]
    return round_half_up(sum(scores) / len(scores), 2) if scores else 0.0


def _certificate_json(ctx: ServerContext, request: Request, c: Certificate) -> dict:
    return {
        "code": show_code(c.code),
        "scope": c.scope,
        "title": c.title,
        "course_title": c.course_title,
        "learner_name": c.learner_name,
        "issued_at": c.issued_at.isoformat(),
        "percentage": c.percentage,
        "quizzes": c.quizzes,
        "verify_url": ctx.absolute(request, f"verify/{show_code(c.code)}"),
    }


def _overview(ctx: ServerContext, request: Request, learner: Learner) -> dict:
    learner = _kept(ctx, learner)
    issued = {c.scope: c for c in ctx.store.certificates(learner.id)}
    titles = ctx.catalogue.quiz_title
    scopes = []
    for scope, title, p in _scopes(ctx, learner):
        scopes.append(
            {
                "scope": scope,
                "title": title,
                "passed": p.passed,
                "percentage": _mean_best(p) if p.passed else None,
                "to_pass": [{"id": q.quiz_id, "title": titles(q.quiz_id), "pass_mark": q.pass_mark} for q in p.to_do],
                "certificate": _certificate_json(ctx, request, issued[scope]) if scope in issued else None,
            }
        )
    # A certificate of an assignment deleted since stays the learner's, and still verifies.
    listed = {s["scope"] for s in scopes}
    for scope, c in issued.items():
        if scope not in listed:
            scopes.append(
                {
                    "scope": scope,
                    "title": c.title,
                    "passed": True,
                    "percentage": c.percentage,
                    "to_pass": [],
                    "certificate": _certificate_json(ctx, request, c),
                }
            )
    return {"learner": {"id": learner.id, "display_name": learner.display_name}, "scopes": scopes}


async def overview(request: Request) -> JSONResponse:
    """What the learner can have a certificate for, what is still to pass, and the certificates issued."""
    ctx: ServerContext = request.app.state.ctx
    learner = await run_in_threadpool(current_learner, ctx.store, request)
    return _no_store(await run_in_threadpool(_overview, ctx, request, learner))


def _issue(ctx: ServerContext, request: Request, learner: Learner, scope: str, name: str) -> tuple[dict, bool]:
    learner = _kept(ctx, learner)
    existing = ctx.store.certificate_for(learner.id, scope)
    if existing is not None:
        return _certificate_json(ctx, request, existing), False
    found = {s: (title, p) for s, title, p in _scopes(ctx, learner)}
    if scope not in found:
        raise BadRequest(404, 'scope: expected "course" or the id of one of your assignments')
    title, progress = found[scope]
    if not progress.passed:
        left = ", ".join(ctx.catalogue.quiz_title(q.quiz_id) for q in progress.to_do)
        raise BadRequest(409, f"not passed yet: the course server has no pass recorded for {left}")
    quizzes = [
        {
            "id": q.quiz_id,
            "title": ctx.catalogue.quiz_title(q.quiz_id),
            "percentage": q.best_percentage,
            "pass_mark": q.pass_mark,
        }
        for q in progress.quizzes
    ]
    certificate, new = ctx.store.add_certificate(
        learner.id,
        scope,
        title=title,
        course_title=ctx.book_title,
        learner_name=name or learner.display_name,
        percentage=_mean_best(progress),
        quizzes=quizzes,
    )
    return _certificate_json(ctx, request, certificate), new


async def issue(request: Request) -> JSONResponse:
    """``{"scope": "course" | assignment id, "name": "as it should read on the certificate"}`` -> the
    certificate (201 when issued now, 200 when it was issued before: the name is then the one it has)."""
    ctx: ServerContext = request.app.state.ctx
    learner = await run_in_threadpool(current_learner, ctx.store, request)
    data = await read_json(request, 4096)
    if not isinstance(data, dict):
        raise BadRequest(400, "expected an object with scope and, if you wish, name")
    scope, name = data.get("scope"), data.get("name", "")
    if not isinstance(scope, str) or not scope or len(scope) > 36:
        raise BadRequest(400, 'scope: expected "course" or the id of one of your assignments')
    if not isinstance(name, str) or len(" ".join(name.split())) > 100:
        raise BadRequest(400, "name: expected the name for the certificate, at most 100 characters")
    body, new = await run_in_threadpool(_issue, ctx, request, learner, scope, " ".join(name.split()))
    return _no_store(body, 201 if new else 200)


# -- checking a certificate ------------------------------------------------------------------------------


async def verify_form(request: Request) -> Response:
    """A page to type a code into; ``?code=`` goes to that code's page."""
    ctx: ServerContext = request.app.state.ctx
    code = request.query_params.get("code", "")
    if code.strip():
        return RedirectResponse(ctx.url("verify/" + show_code(certificate_code(code) or "x")), status_code=303)
    return ctx.render(request, "verify.html", title="Check a certificate", certificate=None, code="", shown=None)


async def verify(request: Request) -> Response:
    """What the certificate with this code says; 404 (and a count against the client's address, so codes
    cannot be guessed by the thousand) when none has it."""
    ctx: ServerContext = request.app.state.ctx
    typed = request.path_params["code"][:64]
    address = ctx.client_address(request)
    paused = await run_in_threadpool(ctx.verify_throttle.locked_until, address)
    if paused is not None:
        raise http.paused(
            paused,
            "Too many certificate codes that do not exist were tried from your network. Wait {wait}, then type "
            "the code again, exactly as printed.",
        )
    certificate = await run_in_threadpool(ctx.store.certificate, typed)
    if certificate is None:
        await run_in_threadpool(ctx.verify_throttle.failed, address)
        return ctx.render(
            request,
            "verify.html",
            title="No certificate has this code",
            status=404,
            certificate=None,
            code=typed,
            shown=None,
        )
    return ctx.render(
        request,
        "verify.html",
        title="This certificate is genuine",
        certificate=certificate,
        code=typed,
        shown=show_code(certificate.code),
        issued=_day(certificate.issued_at),
    )


def _day(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


def routes() -> list[Route]:
    return [
        Route("/api/v1/certificates", overview, methods=["GET"]),
        Route("/api/v1/certificates", issue, methods=["POST"]),
        Route("/verify", verify_form, methods=["GET"]),
        Route("/verify/{code}", verify, methods=["GET"]),
    ]
