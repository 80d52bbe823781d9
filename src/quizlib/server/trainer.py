"""Trainers' pages: cohorts, their learners, assignments, the join link, exports and reminders.

A trainer sees and manages only their own cohorts; a course lead, every cohort. Progress on every page is
:func:`quizlib.results.report.assignment_progress` (through :mod:`quizlib.server.figures`): the one
definition the learners' API, the course lead's reports and the notebook use too. After a change a page
redirects (303), so a reload cannot repeat it; a change that is hard to undo asks to be confirmed first.
"""

from __future__ import annotations

import dataclasses
import io
from datetime import date
from typing import Any

import segno
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from quizlib.results import report
from quizlib.results.source import review_records
from quizlib.results.store import Assignment, Cohort, Learner, NotFound, Staff
from quizlib.server import auth, figures, mail
from quizlib.server.certificates import show_code
from quizlib.server.context import ServerContext
from quizlib.server.http import BadRequest
from quizlib.server.paging import paged
from quizlib.server.staff import Redirect, confirm_page, ctx_of, page, require_staff

# -- what the pages share ----------------------------------------------------------------------------------


def cohort_for(request: Request, staff: Staff, cohort_id: str) -> Cohort:
    """The cohort named in the address, if ``staff`` may see it (its trainer, or a course lead)."""
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


def _learner_of(ctx: ServerContext, cohort: Cohort, learner_id: str) -> Learner:
    try:
        learner = ctx.store.learner(learner_id)
    except NotFound:
        raise auth.AuthError(404, "There is no such learner in this cohort. They may have been removed.") from None
    if learner.cohort_id != cohort.id or learner.merged_into is not None:
        raise auth.AuthError(404, "There is no such learner in this cohort. They may have been removed or merged.")
    return learner


def _assignment_of(ctx: ServerContext, cohort: Cohort, assignment_id: str) -> Assignment:
    try:
        assignment = ctx.store.assignment(assignment_id)
    except NotFound:
        raise auth.AuthError(404, "There is no such assignment in this cohort.") from None
    if assignment.cohort_id != cohort.id:
        raise auth.AuthError(404, "There is no such assignment in this cohort.")
    if assignment.deleted_at is not None:
        raise auth.AuthError(
            404, f"The assignment “{assignment.title}” was deleted. Assign the modules again if it is needed."
        )
    return assignment


def _cohort_url(ctx: ServerContext, cohort: Cohort, rest: str = "") -> str:
    return ctx.url(f"trainer/cohorts/{cohort.id}{rest}")


def _status(p: report.AssignmentProgress | report.ProgressRow) -> str:
    """One word for a learner's progress: the same everywhere it is shown."""
    if p.passed:
        return "passed"
    if p.finished:
        return "finished, not passed"
    if p.started:
        return "started"
    return "not started"


def _field(form: dict[str, list[str]], name: str) -> str:
    return form.get(name, [""])[-1].strip()


# -- a cohort ----------------------------------------------------------------------------------------------


@page
def cohort_page(request: Request, form=None) -> Response:
    ctx = ctx_of(request)
    staff = require_staff(request)
    cohort = cohort_for(request, staff, request.path_params["cohort_id"])
    problem, warnings = None, []
    values: dict[str, Any] = {"title": "", "chapters": [], "final": False, "pass_mark": "70", "due": ""}
    if form is not None:
        values = _assignment_values(form)
        found = _check_assignment(ctx, cohort, values, confirmed=_field(form, "confirm") == "yes")
        if isinstance(found, str):
            problem = found
        elif isinstance(found, list):
            warnings = found
        else:
            ctx.store.add_assignment(cohort.id, by=staff.id, **found)
            raise Redirect(_cohort_url(ctx, cohort, "?done=assigned"))
    return _cohort_view(request, staff, cohort, values=values, problem=problem, warnings=warnings)


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


def _cohort_view(request: Request, staff: Staff, cohort: Cohort, **extra) -> Response:
    ctx = ctx_of(request)
    assignments = ctx.store.assignments(cohort.id)
    found = figures.standing(ctx, cohort_id=cohort.id)
    by_learner: dict[str, dict[str, report.AssignmentProgress]] = {}
    for p in found.progress:
        by_learner.setdefault(p.learner, {})[p.assignment] = p
    learners = ctx.store.learners(cohort.id)
    mine = [(le, by_learner.get(le.id, {})) for le in learners]
    rows = [{"learner": le, "progress": ps} for le, ps in mine]
    summary = []
    for a in assignments:
        ps = [p[a.id] for _, p in mine if a.id in p]
        summary.append(
            {
                "assignment": a,
                "started": sum(p.started for p in ps),
                "finished": sum(p.finished for p in ps),
                "passed": sum(p.passed for p in ps),
                "overdue": [le for le, p in mine if a.id in p and p[a.id].overdue],
            }
        )
    to_remind = sum(1 for _, p in mine if any(x.overdue or not x.started for x in p.values()))
    everyone = ctx.store.all_staff() if staff.role == "lead" else []
    join = ctx.absolute(request, f"join/{cohort.code}")
    status = 400 if extra.get("problem") or extra.get("settings_problem") else 200
    return ctx.render(
        request,
        "cohort.html",
        staff=staff,
        title=f"Cohort: {cohort.name}",
        cohort=cohort,
        join=join,
        qr=Markup(_qr_svg(join, f"QR code of the join link of {cohort.name}")),
        assignments=assignments,
        learners=paged(request, rows),
        time_spent={le: time_text(t) for le, t in ctx.store.time_spent(cohort.id).items()},
        summary=summary,
        status_of=_status,
        to_remind=to_remind,
        catalogue=ctx.catalogue,
        time_zones=report.time_zone_names(),
        trainer=next((s for s in everyone if s.id == cohort.trainer_id), None),
        trainers=[s for s in everyone if s.active],
        done=request.query_params.get("done"),
        mail_ready=ctx.mail is not None,
        status=status,
        **{"values": _blank_values(), "problem": None, "warnings": [], "settings_problem": None, **extra},
    )


def _blank_values() -> dict[str, Any]:
    return {"title": "", "chapters": [], "final": False, "pass_mark": "70", "due": ""}


def _qr_svg(text: str, label: str) -> str:
    """``text`` as a QR code in SVG, made here (no request leaves the server), labelled for screen readers."""
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=4, border=4, xmldecl=False, svgns=True, title=label)
    svg = out.getvalue().decode("utf-8")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(label)}" class="qr" ', 1)


@page
def join_qr(request: Request) -> Response:
    """The join link's QR code as an SVG file, to print or put on a slide."""
    ctx = ctx_of(request)
    staff = require_staff(request)
    cohort = cohort_for(request, staff, request.path_params["cohort_id"])
    svg = _qr_svg(ctx.absolute(request, f"join/{cohort.code}"), f"QR code of the join link of {cohort.name}")
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={
            "Content-Disposition": f'attachment; filename="join-{cohort.code}.svg"',
            "Cache-Control": "no-store",
        },
    )


@page
def cohort_settings(request: Request, form) -> Response:
    """Rename a cohort or change its time zone (the day a due date ends follows it)."""
    ctx = ctx_of(request)
    staff = require_staff(request)
    cohort = cohort_for(request, staff, request.path_params["cohort_id"])
    name, zone = _field(form, "name"), _field(form, "time_zone")
    problem = cohort_problem(name, zone)
    if problem:
        return _cohort_view(request, staff, cohort, settings_problem=problem)
    ctx.store.update_cohort(cohort.id, name=name, time_zone=zone)
    raise Redirect(_cohort_url(ctx, cohort, "?done=settings"))


def cohort_problem(name: str, zone: str) -> str | None:
    if not name or len(name) > 200:
        return "Give the cohort a name of up to 200 characters, for example “Leeds, spring 2027”."
    try:
        report.time_zone(zone)
    except report.ReportError:
        return f"There is no time zone “{zone[:60]}”: choose one from the list, for example Europe/London."
    return None


# -- assignments ---------------------------------------------------------------------------------------------


def _assignment_values(form: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "title": _field(form, "title"),
        "chapters": form.get("chapters", []),
        "final": _field(form, "final") == "yes",
        "pass_mark": _field(form, "pass_mark"),
        "due": _field(form, "due"),
    }


def _check_assignment(
    ctx: ServerContext, cohort: Cohort, v: dict, *, confirmed: bool, editing: Assignment | None = None
) -> str | list[str] | dict[str, Any]:
    """The store's arguments for the assignment a form describes; or what is wrong (a message: nothing is
    stored); or warnings to confirm first (a list)."""
    known = {m.chapter for m in ctx.catalogue.modules}
    unknown = [c for c in v["chapters"] if c not in known]
    if unknown:
        return (
            f"There is no module “{unknown[0][:100]}” in this course (it may have been removed): choose from the list."
        )
    if not v["chapters"] and not v["final"]:
        return "Choose at least one module, or the final assessment."
    try:
        pass_mark = float(v["pass_mark"])
    except ValueError:
        return f"The pass mark {v['pass_mark'][:20]!r} is not a number: give a number from 0 to 100, for example 70."
    if not 0 <= pass_mark <= 100:
        return f"The pass mark {pass_mark:g} is not a percentage: give a number from 0 to 100, for example 70."
    due = None
    if v["due"]:
        try:
            due = date.fromisoformat(v["due"])
        except ValueError:
            return f"The due date {v['due'][:30]!r} is not a date: give one as year-month-day, for example 2027-03-31."
    if v["final"] and not ctx.catalogue.final_quiz_ids:
        return "This course has no final assessment: leave “Include the final assessment” unticked."
    quiz_ids = ctx.catalogue.quizzes_for(v["chapters"], v["final"])
    if not quiz_ids:
        return "The chosen modules have no quizzes to track. Choose at least one module with a quiz."
    chapters = [m.chapter for m in ctx.catalogue.modules if m.chapter in v["chapters"]]
    title = v["title"] or ", ".join(ctx.catalogue.chapter_titles.get(c, c) for c in chapters) or "Final assessment"
    if len(title) > 200:
        return "Give the assignment a title of up to 200 characters."
    warnings = []
    today = report.today(cohort.time_zone)
    if due is not None and due < today and (editing is None or editing.due_date != due):
        warnings.append(
            f"The due date {due.isoformat()} has already passed in this cohort's time zone ({cohort.time_zone}, "
            f"where it is {today.isoformat()}): every learner who has not passed will be overdue at once."
        )
    for other in ctx.store.assignments(cohort.id):
        if editing is not None and other.id == editing.id:
            continue
        shared = [q for q in quiz_ids if q in other.quiz_ids]
        if shared:
            names = ", ".join(ctx.catalogue.quiz_title(q) for q in shared)
            warnings.append(
                f"“{other.title}” already asks for {names}. Learners would see both; to change its due date or "
                "pass mark, edit that assignment instead."
            )
    if warnings and not confirmed:
        return warnings
    return {
        "title": title,
        "chapters": chapters,
        "quiz_ids": quiz_ids,
        "include_final": v["final"],
        "pass_mark": pass_mark,
        "due_date": due,
    }


@page
def assignment_page(request: Request, form=None) -> Response:
    """Edit an assignment: modules, pass mark, due date, final or not. Learners' pages follow at once."""
    ctx = ctx_of(request)
    staff = require_staff(request)
    cohort = cohort_for(request, staff, request.path_params["cohort_id"])
    assignment = _assignment_of(ctx, cohort, request.path_params["assignment_id"])
    problem, warnings = None, []
    values = {
        "title": assignment.title,
        "chapters": list(assignment.chapters),
        "final": assignment.include_final,
        "pass_mark": f"{assignment.pass_mark:g}",
        "due": assignment.due_date.isoformat() if assignment.due_date else "",
    }
    if form is not None:
        values = _assignment_values(form)
        found = _check_assignment(ctx, cohort, values, confirmed=_field(form, "confirm") == "yes", editing=assignment)
        if isinstance(found, str):
            problem = found
        elif isinstance(found, list):
            warnings = found
        else:
            ctx.store.update_assignment(assignment.id, by=staff.id, **found)
            raise Redirect(_cohort_url(ctx, cohort, "?done=changed"))
    names = {s.id: s.name for s in ctx.store.all_staff()}
    history = [
        {"change": c, "who": names.get(c.staff_id or "", "a course command"), "fields": _changed_fields(c)}
        for c in ctx.store.assignment_history(assignment.id)
    ]
    removed = [c for c in assignment.chapters if c not in {m.chapter for m in ctx.catalogue.modules}]
    return ctx.render(
        request,
        "assignment.html",
        staff=staff,
        title=f"Edit the assignment “{assignment.title}”",
        cohort=cohort,
        assignment=assignment,
        catalogue=ctx.catalogue,
        values=values,
        problem=problem,
        warnings=warnings,
        history=history,
        removed=removed,
        status=400 if problem else 200,
    )


_FIELD_NAMES = {
    "title": "title",
    "chapters": "modules",
    "quiz_ids": "quizzes",
    "include_final": "final assessment",
    "pass_mark": "pass mark",
    "due_date": "due date",
}


def _changed_fields(change) -> list[tuple[str, str, str]]:
    """(what, before, after) for each field a change touched, in words."""

    def words(key: str, value: Any) -> str:
        if value is None or value == []:
            return "none"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        if key == "pass_mark":
            return f"{value:g}%"
        return str(value)

    before, after = change.before or {}, change.after or {}
    keys = [k for k in _FIELD_NAMES if k in before or k in after]
    return [(_FIELD_NAMES[k], words(k, before.get(k)), words(k, after.get(k))) for k in keys if k != "quiz_ids"]


@page
def assignment_delete(request: Request, form=None) -> Response:
    ctx = ctx_of(request)
    staff = require_staff(request)
    cohort = cohort_for(request, staff, request.path_params["cohort_id"])
    assignment = _assignment_of(ctx, cohort, request.path_params["assignment_id"])
    if form is not None and _field(form, "confirm") == "yes":
        ctx.store.delete_assignment(assignment.id, by=staff.id)
        raise Redirect(_cohort_url(ctx, cohort, "?done=deleted"))
    return confirm_page(
        request,
        staff,
        title=f"Delete the assignment “{assignment.title}”?",
        points=[
            f"Learners of {cohort.name} no longer see it on their progress page, and nobody is overdue against it.",
            "Their answers stay, and count towards any other assignment of the same quizzes.",
            "Its history is kept; the change is recorded under your name.",
        ],
        action=_cohort_url(ctx, cohort, f"/assignments/{assignment.id}/delete"),
        button=f"Yes, delete “{assignment.title}”",
        back=_cohort_url(ctx, cohort),
    )


# -- exports -----------------------------------------------------------------------------------------------


@page
def cohort_export(request: Request) -> Response:
    """A cohort's progress (or rates) as CSV: the lead's columns, for this cohort only."""
    ctx = ctx_of(request)
    staff = require_staff(request)
    cohort = cohort_for(request, staff, request.path_params["cohort_id"])
    name = request.path_params["table"]
    found = figures.standing(ctx, cohort_id=cohort.id)
    rows = found.rows(ctx)
    tables: dict[str, tuple[list, type]] = {
        "progress": (rows, report.ProgressRow),
        "rates": (report.completion_rates(rows, by=("cohort", "module")), report.RateRow),
        "quiz-summary": (
            report.quiz_summary(found.inputs.attempts, ctx.catalogue.course),
            report.QuizSummaryRow,
        ),
    }
    if name not in tables:
        raise auth.AuthError(404, f"There is no table {name!r} for a cohort; the tables are {', '.join(tables)}.")
    table, row_type = tables[name]
    return csv_response(table, row_type, f"{name}-{_slug(cohort.name)}.csv")


def csv_response(rows: list, row_type: type, filename: str) -> Response:
    """A CSV download that Excel reads right: UTF-8 with a byte-order mark, ISO dates. Sent as it is written, a
    few hundred kilobytes at a time: a progress table of a hundred thousand rows is never one text in memory."""
    return StreamingResponse(
        (piece.encode("utf-8") for piece in report.csv_pieces(rows, row_type, bom=True)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def _slug(name: str) -> str:
    kept = "".join(c if c.isascii() and c.isalnum() else "-" for c in name.lower())
    return "-".join(p for p in kept.split("-") if p)[:60] or "cohort"


# -- a learner -----------------------------------------------------------------------------------------------


@page
def learner_page(request: Request, form=None) -> Response:
    ctx = ctx_of(request)
    staff = require_staff(request)
    cohort = cohort_for(request, staff, request.path_params["cohort_id"])
    learner = _learner_of(ctx, cohort, request.path_params["learner_id"])
    problem = None
    if form is not None:
        email = _field(form, "email")
        if email and ("@" not in email or " " in email or len(email) > 320):
            problem = "That does not look like an e-mail address. Check it, or leave the field empty to remove it."
        else:
            ctx.store.set_learner_email(learner.id, email or None)
            raise Redirect(_cohort_url(ctx, cohort, f"/learners/{learner.id}?done=email"))
    return _learner_view(request, staff, cohort, learner, problem=problem)


def _learner_view(request: Request, staff: Staff, cohort: Cohort, learner: Learner, **extra) -> Response:
    ctx = ctx_of(request)
    found = figures.standing(ctx, learner_id=learner.id)
    assignments = {a.id: a for a in ctx.store.assignments(cohort.id)}
    tries, finished = review_records(ctx.store, learner.id)
    recorded = ctx.store.attempt_durations(learner.id)
    attempts = [
        dataclasses.replace(a, duration=recorded.get(a.attempt_id))
        for a in report.review_attempts(tries, finished, ctx.catalogue.course)
    ]
    others = [le for le in ctx.store.learners(cohort.id) if le.id != learner.id]
    names = {s.id: s.name for s in ctx.store.all_staff()}
    problems = [v for k, v in extra.items() if k.endswith("problem") and v]
    return ctx.render(
        request,
        "learner.html",
        staff=staff,
        title=f"Learner: {learner.display_name}",
        cohort=cohort,
        learner=learner,
        progress=[(assignments[p.assignment], p) for p in found.of(learner.id) if p.assignment in assignments],
        status_of=_status,
        time_text=time_text,
        attempts=attempts,
        catalogue=ctx.catalogue,
        others=others,
        reminders=[
            {"reminder": r, "by": names.get(r.staff_id or "", "")} for r in ctx.store.reminders(learner_id=learner.id)
        ],
        certificates=[
            {"certificate": c, "code": show_code(c.code), "issued": c.issued_at.date().isoformat()}
            for c in ctx.store.certificates(learner.id)
        ],
        done=request.query_params.get("done"),
        status=400 if problems else 200,
        **{"problem": None, "note_problem": None, **extra},
    )


@page
def learner_note(request: Request, form) -> Response:
    ctx = ctx_of(request)
    staff = require_staff(request)
    cohort = cohort_for(request, staff, request.path_params["cohort_id"])
    learner = _learner_of(ctx, cohort, request.path_params["learner_id"])
    note = form.get("note", [""])[-1].strip()
    if len(note) > 2000:
        return _learner_view(
            request, staff, cohort, learner, note_problem="Keep the note to 2,000 characters; it is longer."
        )
    ctx.store.set_learner_note(learner.id, note or None)
    raise Redirect(_cohort_url(ctx, cohort, f"/learners/{learner.id}?done=note"))


@page
def learner_merge(request: Request, form=None) -> Response:
    """Merge a duplicate (the same person, joined twice) into this learner, once confirmed."""
    ctx = ctx_of(request)
    staff = require_staff(request)
    cohort = cohort_for(request, staff, request.path_params["cohort_id"])
    learner = _learner_of(ctx, cohort, request.path_params["learner_id"])
    chosen = _field(form, "duplicate") if form is not None else request.query_params.get("duplicate", "")
    if not chosen:
        raise BadRequest(400, "Choose the duplicate to merge into this learner, from the list on their page.")
    if chosen == learner.id:
        raise BadRequest(400, "A learner cannot be merged into themselves: choose another learner.")
    duplicate = _learner_of(ctx, cohort, chosen)
    if form is not None and _field(form, "confirm") == "yes":
        ctx.store.merge_learners(learner.id, duplicate.id)
        raise Redirect(_cohort_url(ctx, cohort, f"/learners/{learner.id}?done=merged"))
    answers = len(ctx.store.statements(learner_id=duplicate.id, verb="answered"))
    return confirm_page(
        request,
        staff,
        title=f"Merge “{duplicate.display_name}” into “{learner.display_name}”?",
        points=[
            (
                f"The {answers} answer{'' if answers == 1 else 's'} and results of “{duplicate.display_name}” become "
                f"those of “{learner.display_name}”, and “{duplicate.display_name}” leaves the list of learners."
            ),
            (
                f"The browser that joined as “{duplicate.display_name}” keeps working: what it sends from now on "
                f"counts for “{learner.display_name}”."
            ),
            "This cannot be undone.",
        ],
        action=_cohort_url(ctx, cohort, f"/learners/{learner.id}/merge"),
        button=f"Yes, merge “{duplicate.display_name}” into “{learner.display_name}”",
        back=_cohort_url(ctx, cohort, f"/learners/{learner.id}"),
        fields={"duplicate": duplicate.id},
    )


@page
def learner_remove(request: Request, form=None) -> Response:
    """Remove a learner from the cohort with every answer they sent, once confirmed."""
    ctx = ctx_of(request)
    staff = require_staff(request)
    cohort = cohort_for(request, staff, request.path_params["cohort_id"])
    learner = _learner_of(ctx, cohort, request.path_params["learner_id"])
    if form is not None and _field(form, "confirm") == "yes":
        ctx.store.delete_learner(learner.id)
        raise Redirect(_cohort_url(ctx, cohort, "?done=removed"))
    answers = len(ctx.store.statements(learner_id=learner.id, verb="answered"))
    return confirm_page(
        request,
        staff,
        title=f"Remove “{learner.display_name}” from {cohort.name}?",
        points=[
            (
                f"“{learner.display_name}” and the {answers} answer{'' if answers == 1 else 's'} they sent are deleted "
                "for good. This cannot be undone."
            ),
            "Their browser can no longer send answers; they would have to join again with the link.",
            "If they joined twice, merge the duplicate into the other instead: no answer is lost then.",
        ],
        action=_cohort_url(ctx, cohort, f"/learners/{learner.id}/remove"),
        button=f"Yes, remove “{learner.display_name}”",
        back=_cohort_url(ctx, cohort, f"/learners/{learner.id}"),
    )


# -- reminders -------------------------------------------------------------------------------------------------


def _reminder_text(
    ctx: ServerContext, request: Request, cohort: Cohort, learner: Learner, due, trainer: str, note: str
):
    """The reminder for one learner: their assignments that are overdue or not started, in plain words."""
    lines = [f"Hello {learner.display_name},", ""]
    lines.append(f"This is a reminder from {trainer}, your trainer in {cohort.name}.")
    for a, p in due:
        when = f"due on {a.due_date.isoformat()}" if a.due_date else "with no due date"
        if p.overdue:
            lines.append(f"“{a.title}” was {when}, and it is not finished yet.")
        else:
            lines.append(f"You have not started “{a.title}” yet ({when}).")
        still = [ctx.catalogue.quiz_title(q.quiz_id) for q in p.to_do]
        if still:
            lines.append("Still to do: " + "; ".join(still) + f" (pass mark {a.pass_mark:g}%).")
    lines += ["", f"You can carry on in the course: {ctx.absolute(request, '')}"]
    if note:
        lines += ["", note]
    lines += ["", "If you have already done this, thank you, and please ignore this message."]
    return "\n".join(lines)


def _reminders(ctx: ServerContext, request: Request, cohort: Cohort, staff: Staff, note: str = ""):
    """Every learner who is overdue or has not started an assignment, with the reminder for them."""
    found = figures.standing(ctx, cohort_id=cohort.id)
    assignments = {a.id: a for a in ctx.store.assignments(cohort.id)}
    last: dict[str, Any] = {}
    for r in ctx.store.reminders(cohort_id=cohort.id):
        last.setdefault(r.learner_id, r)
    out = []
    for learner in ctx.store.learners(cohort.id):
        due = [
            (assignments[p.assignment], p)
            for p in found.of(learner.id)
            if p.assignment in assignments and (p.overdue or not p.started)
        ]
        if due:
            out.append(
                {
                    "learner": learner,
                    "due": due,
                    "text": _reminder_text(ctx, request, cohort, learner, due, staff.name, note),
                    "subject": f"Reminder: {', '.join(a.title for a, _ in due)}"[:150],
                    "last": last.get(learner.id),
                }
            )
    return out


@page
def reminders_page(request: Request, form=None) -> Response:
    """Remind learners who are overdue or have not started: by e-mail where the trainer entered an address
    and the server has an SMTP server, otherwise with a message to copy."""
    ctx = ctx_of(request)
    staff = require_staff(request)
    cohort = cohort_for(request, staff, request.path_params["cohort_id"])
    note = _field(form, "note") if form is not None else ""
    if len(note) > 1000:
        raise BadRequest(400, "Keep the added message to 1,000 characters; it is longer.")
    due = _reminders(ctx, request, cohort, staff, note)
    problem, sent, refused = None, [], {}
    if form is not None and _field(form, "action") == "copied":
        learner = _learner_of(ctx, cohort, _field(form, "learner"))
        ids = [a.id for r in due if r["learner"].id == learner.id for a, _ in r["due"]]
        ctx.store.add_reminders([(learner.id, a) for a in ids or [None]], "copied", staff.id)
        raise Redirect(_cohort_url(ctx, cohort, f"/reminders?done=copied&learner={learner.id}"))
    if form is not None and _field(form, "action") == "send":
        chosen = set(form.get("learner", []))
        unknown = chosen - {r["learner"].id for r in due}
        if unknown:
            problem = "A learner chosen is no longer overdue or not started (or not in this cohort): nothing was sent. Check the list again."
        elif not chosen:
            problem = "Tick at least one learner to send a reminder to."
        elif ctx.mail is None:
            problem = "This server has no mail server configured, so it cannot send e-mail: copy each message instead."
        else:
            chosen_rows = [r for r in due if r["learner"].id in chosen]
            without = [r["learner"].display_name for r in chosen_rows if not r["learner"].email]
            if without:
                problem = f"No e-mail address is recorded for {', '.join(without)}: copy their message instead. Nothing was sent."
            else:
                messages = [
                    mail.message(ctx.mail, r["learner"].email, r["learner"].display_name, r["subject"], r["text"])
                    for r in chosen_rows
                ]
                try:
                    refused = mail.send(ctx.mail, messages)
                except mail.MailError as e:
                    problem = f"No reminder was sent: {e}. Try again later, or copy the messages instead."
                else:
                    sent = [r for r in chosen_rows if not any(r["learner"].email in to for to in refused)]
                    ctx.store.add_reminders(
                        [(r["learner"].id, a.id) for r in sent for a, _ in r["due"]], "email", staff.id
                    )
                    due = _reminders(ctx, request, cohort, staff, note)
    return ctx.render(
        request,
        "reminders.html",
        staff=staff,
        title=f"Reminders: {cohort.name}",
        cohort=cohort,
        due=due,
        note=note,
        mail_ready=ctx.mail is not None,
        problem=problem,
        sent=sent,
        refused=refused,
        done=request.query_params.get("done"),
        status=(502 if problem and problem.startswith("No reminder was sent") else 400) if problem else 200,
    )


# -- reassigning a cohort (course leads) ---------------------------------------------------------------------


@page
def cohort_trainer(request: Request, form) -> Response:
    """A course lead gives a cohort to another trainer (e.g. when its trainer leaves), once confirmed:
    learners and results stay."""
    ctx = ctx_of(request)
    staff = require_staff(request, lead=True)
    cohort = cohort_for(request, staff, request.path_params["cohort_id"])
    trainer = active_trainer(ctx, _field(form, "trainer"))
    if _field(form, "confirm") == "yes":
        ctx.store.reassign_cohort(cohort.id, trainer.id)
        raise Redirect(_cohort_url(ctx, cohort, "?done=reassigned"))
    try:
        current = ctx.store.staff(cohort.trainer_id).name
    except NotFound:
        current = "nobody"
    if trainer.id == cohort.trainer_id:
        raise BadRequest(400, f"{trainer.name} is already this cohort's trainer: choose another trainer.")
    return confirm_page(
        request,
        staff,
        title=f"Give {cohort.name} to {trainer.name}?",
        points=[
            f"{trainer.name} becomes its trainer and sees its learners, results and assignments.",
            f"{current} no longer sees it (unless they are a course lead).",
            "Its learners, their answers and the join link stay as they are.",
        ],
        action=_cohort_url(ctx, cohort, "/trainer"),
        button=f"Yes, give {cohort.name} to {trainer.name}",
        back=_cohort_url(ctx, cohort),
        fields={"trainer": trainer.id},
    )


def active_trainer(ctx: ServerContext, staff_id: str) -> Staff:
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


def routes() -> list[Route]:
    base = "/trainer/cohorts/{cohort_id}"
    return [
        Route(base, cohort_page, methods=["GET", "POST"]),
        Route(base + "/settings", cohort_settings, methods=["POST"]),
        Route(base + "/join-qr.svg", join_qr, methods=["GET"]),
        Route(base + "/export/{table}.csv", cohort_export, methods=["GET"]),
        Route(base + "/assignments/{assignment_id}", assignment_page, methods=["GET", "POST"]),
        Route(base + "/assignments/{assignment_id}/delete", assignment_delete, methods=["GET", "POST"]),
        Route(base + "/learners/{learner_id}", learner_page, methods=["GET", "POST"]),
        Route(base + "/learners/{learner_id}/note", learner_note, methods=["POST"]),
        Route(base + "/learners/{learner_id}/merge", learner_merge, methods=["GET", "POST"]),
        Route(base + "/learners/{learner_id}/remove", learner_remove, methods=["GET", "POST"]),
        Route(base + "/reminders", reminders_page, methods=["GET", "POST"]),
        Route(base + "/trainer", cohort_trainer, methods=["POST"]),
    ]
