"""Course leads' report pages across cohorts, drawn with :mod:`quizlib.results.report` and ``charts``.

``/lead/`` shows completion and pass rates by module and cohort, overdue learners, headline figures and score
distributions per quiz; ``/lead/quizzes/<quiz>`` the item analysis of one quiz; ``/lead/export/<table>.csv``
any of those tables as CSV (UTF-8 with a byte-order mark, for Excel). Every page and file takes the same
filters in its address, so a view can be bookmarked and shared: ``cohort`` (a cohort's id), ``module`` (a
chapter, e.g. ``chapters/02-sensitivity``), ``from`` and ``to`` (days, in each cohort's time zone: only
attempts in that period count, and "overdue" is judged at its end). Figures are computed from the database
on each request, so every server process agrees; progress is the one definition every page shares. They come
from one tally per learner and quiz (:mod:`quizlib.results.report.overview`), with or without a period, and a
CSV file is sent as it is written.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from quizlib.results import charts, report
from quizlib.results.report.overview import Overview, QuizTally, tally_distribution, tally_summary
from quizlib.results.report.overview import overview as tally_overview
from quizlib.results.source import ReportSource, Scope, enrolments, quiz_tallies
from quizlib.server import auth
from quizlib.server.context import ServerContext
from quizlib.server.http import BadRequest
from quizlib.server.paging import paged
from quizlib.server.staff import ctx_of, page, require_staff
from quizlib.server.trainer import csv_response


@dataclass(frozen=True)
class Filter:
    """What a report is limited to, as the address gives it."""

    cohort: str | None = None
    module: str | None = None
    since: date | None = None
    until: date | None = None

    def query(self, **extra: str) -> str:
        """The filter as a query string ("" for none), for links that keep it."""
        pairs = [
            (k, v)
            for k, v in (
                ("cohort", self.cohort),
                ("module", self.module),
                ("from", self.since.isoformat() if self.since else None),
                ("to", self.until.isoformat() if self.until else None),
                *extra.items(),
            )
            if v
        ]
        return "?" + urlencode(pairs) if pairs else ""

    @property
    def any(self) -> bool:
        return any((self.cohort, self.module, self.since, self.until))


def read_filter(ctx: ServerContext, request: Request) -> Filter:
    """The filter in the address; 400 naming what to change if a value is not one the report knows."""
    q = request.query_params
    cohort = q.get("cohort") or None
    if cohort is not None and cohort not in {c.id for c in ctx.store.cohorts()}:
        raise BadRequest(400, "There is no such cohort: choose one from the list, or all cohorts.")
    module = q.get("module") or None
    if module is not None and module not in _module_titles(ctx):
        raise BadRequest(
            400,
            f"There is no module “{module[:80]}” in this course (it may have been removed): choose one from the list.",
        )
    since, until = _date(q.get("from"), "From"), _date(q.get("to"), "To")
    if since and until and since > until:
        raise BadRequest(400, f"The period starts ({since}) after it ends ({until}): swap the two dates.")
    return Filter(cohort, module, since, until)


def _date(text: str | None, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadRequest(
            400,
            f"The date {text[:30]!r} in “{field}” is not a date: give one as year-month-day, for example 2027-01-31.",
        ) from None


def _module_titles(ctx: ServerContext) -> dict[str, str]:
    """Every module of the course (chapters with quizzes, the final assessment's too) by its title."""
    return {m.id: ctx.catalogue.chapter_titles.get(m.id, m.title) for m in report.course_modules(ctx.catalogue.course)}


@dataclass(frozen=True)
class Figures:
    """A report's figures, from one tally per learner and quiz (:func:`quizlib.results.source.quiz_tallies`, of
    the period's attempts if there is one): no record per attempt, no row per learner, assignment and module but
    those asked for."""

    tallies: dict[tuple[str, str], QuizTally]
    overview: Overview
    cohort_names: dict[str, str]
    module_titles: dict[str, str]


def _figures(ctx: ServerContext, f: Filter, *, rows: bool = False) -> Figures:
    """The figures for a filter (a cohort, a module, a period, or none); ``rows``: every progress row too (for
    the progress CSV)."""
    course = ctx.catalogue.course
    source = ReportSource(ctx.store)
    cohorts = source.cohorts()
    titles = _module_titles(ctx)
    quiz_ids = tuple(q.id for q in course.quizzes.values() if q.chapter == f.module) if f.module else None
    engine = ctx.store.engine
    tallies = quiz_tallies(engine, cohort_id=f.cohort, quiz_ids=quiz_ids, since=f.since, until=f.until)
    found = tally_overview(
        tallies,
        enrolments(engine, cohort_id=f.cohort),
        source.assignments(scope=Scope(cohort_ids=(f.cohort,) if f.cohort else None)),
        course,
        cohorts=cohorts,
        now=datetime.now(UTC),
        since=f.since,
        until=f.until,
        module_titles=titles,
        module=f.module,
        rows=rows,
    )
    return Figures(tallies, found, {c.id: c.name for c in cohorts}, titles)


def _label(f: Figures) -> Callable[[report.RateRow], str]:
    def label(row: report.RateRow) -> str:
        parts = []
        if row.cohort != report.ALL:
            parts.append(f.cohort_names.get(row.cohort, row.cohort))
        if row.module != report.ALL:
            parts.append(f.module_titles.get(row.module, row.module_title))
        return " · ".join(parts) or "All"

    return label


def _tables(
    ctx: ServerContext, flt: Filter, quiz_id: str | None = None, figures: Callable[[], Figures] | None = None
) -> dict[str, Callable[[], tuple[list, type]]]:
    """Every table a lead can download, by the name in its CSV address. Each is computed only when asked for,
    and the figures (``figures``, if made already) only if a table needs them: one quiz's items need none."""
    course = ctx.catalogue.course
    f = figures or functools.cache(lambda: _figures(ctx, flt))

    def progress() -> list[report.ProgressRow]:
        rows = _figures(ctx, flt, rows=True).overview.progress
        assert rows is not None
        return rows

    tables: dict[str, Callable[[], tuple[list, type]]] = {
        "rates": lambda: (f().overview.rates, report.RateRow),
        "rates-by-module": lambda: (f().overview.by_module, report.RateRow),
        "rates-by-cohort": lambda: (f().overview.by_cohort, report.RateRow),
        "progress": lambda: (progress(), report.ProgressRow),
        "overdue": lambda: (f().overview.overdue, report.ProgressRow),
        "quiz-summary": lambda: (tally_summary(f().tallies, course), report.QuizSummaryRow),
        "score-distribution": lambda: (tally_distribution(f().tallies), report.ScoreBin),
    }
    if quiz_id is not None:
        analysis = functools.cache(lambda: _item_analysis(ctx, quiz_id, _item_scope(ctx, flt)))
        tables["items"] = lambda: (analysis().items, report.ItemRow)
        tables["responses"] = lambda: (analysis().responses, report.ResponseRow)
    return tables


def _item_analysis(ctx: ServerContext, quiz_id: str, scope: Scope) -> report.ItemAnalysis:
    """One quiz's item analysis over first attempts: from the sums the store keeps when unfiltered, computed
    afresh from the answers in a cohort or period (:meth:`ReportSource.item_analysis`)."""
    return ReportSource(ctx.store).item_analysis(ctx.catalogue.course, quiz_id=quiz_id, scope=scope)


def _item_scope(ctx: ServerContext, f: Filter) -> Scope:
    cohorts = ReportSource(ctx.store).cohorts()
    period = report.Period(f.since, f.until, {c.id: c.time_zone for c in cohorts}) if f.since or f.until else None
    return Scope(cohort_ids=(f.cohort,) if f.cohort else None, period=period)


def _pct(value: float | None) -> str:
    return report.percent(value, missing="")


def _filter_form(ctx: ServerContext, f: Filter) -> dict[str, Any]:
    return {
        "filter": f,
        "cohorts": ctx.store.cohorts(),
        "modules": list(_module_titles(ctx).items()),
    }


@page
def overview(request: Request) -> Response:
    ctx = ctx_of(request)
    staff = require_staff(request, lead=True)
    flt = read_filter(ctx, request)
    figures = _figures(ctx, flt)
    tables = _tables(ctx, flt, figures=lambda: figures)
    label = _label(figures)
    by_module = tables["rates-by-module"]()[0]
    by_cohort = tables["rates-by-cohort"]()[0]
    distributions = []
    bins = tables["score-distribution"]()[0]
    for quiz_id in ctx.catalogue.course.quizzes:
        mine = [b for b in bins if b.quiz_id == quiz_id]
        if mine:
            title = ctx.catalogue.quiz_title(quiz_id)
            distributions.append(
                {
                    "quiz_id": quiz_id,
                    "title": title,
                    "svg": Markup(charts.histogram(mine, title=f"First attempts: {title}")),
                }
            )
    quizzes = [
        q
        for q in ctx.catalogue.course.quizzes.values()
        if (q.questions or q.draw) and (not flt.module or q.chapter == flt.module)
    ]
    return ctx.render(
        request,
        "lead.html",
        staff=staff,
        title="Reports across cohorts",
        label=label,
        pct=_pct,
        rates=paged(request, tables["rates"]()[0], param="rates_page"),
        overdue=paged(request, tables["overdue"]()[0], param="overdue_page"),
        by_module=by_module,
        by_cohort=by_cohort,
        summary=tables["quiz-summary"]()[0],
        module_chart=Markup(charts.rate_bars(by_module, title="Completion and pass rates by module", label=label))
        if by_module
        else None,
        cohort_chart=Markup(charts.rate_bars(by_cohort, title="Completion and pass rates by cohort", label=label))
        if by_cohort and not flt.cohort
        else None,
        distributions=distributions,
        quizzes=quizzes,
        all=report.ALL,
        **_filter_form(ctx, flt),
    )


@page
def quiz_items(request: Request) -> Response:
    ctx = ctx_of(request)
    staff = require_staff(request, lead=True)
    quiz_id = request.path_params["quiz_id"]
    if quiz_id not in ctx.catalogue.course.quizzes:
        raise auth.AuthError(404, f"There is no quiz {quiz_id!r} in this course.")
    flt = read_filter(ctx, request)
    analysis = _item_analysis(ctx, quiz_id, _item_scope(ctx, flt))
    items = analysis.items
    title = ctx.catalogue.quiz_title(quiz_id)
    return ctx.render(
        request,
        "lead_quiz.html",
        staff=staff,
        title=f"Item analysis: {title}",
        quiz_id=quiz_id,
        items=items,
        responses=paged(request, analysis.responses, param="responses_page", size=100),
        flags=report.FLAGS,
        pct=_pct,
        scatter=Markup(charts.item_scatter(items, title=f"Facility and discrimination: {title}")) if items else None,
        **_filter_form(ctx, flt),
    )


@page
def export_csv(request: Request) -> Response:
    ctx = ctx_of(request)
    require_staff(request, lead=True)
    name = request.path_params["table"]
    quiz_id = request.query_params.get("quiz")
    if quiz_id is not None and quiz_id not in ctx.catalogue.course.quizzes:
        raise auth.AuthError(404, f"There is no quiz {quiz_id!r} in this course.")
    flt = read_filter(ctx, request)
    tables = _tables(ctx, flt, quiz_id)
    if name not in tables:
        hint = " (items and responses need ?quiz=<quiz id>)" if name in ("items", "responses") else ""
        raise auth.AuthError(404, f"There is no table {name!r}{hint}; the tables are {', '.join(tables)}.")
    rows, row_type = tables[name]()
    filename = f"{name}-{quiz_id}.csv" if quiz_id else f"{name}.csv"
    return csv_response(rows, row_type, filename)


def routes() -> list[Any]:
    return [
        Route("/lead/", overview, methods=["GET"]),
        Route("/lead/quizzes/{quiz_id}", quiz_items, methods=["GET"]),
        Route("/lead/export/{table}.csv", export_csv, methods=["GET"]),
    ]
