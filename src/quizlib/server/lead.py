"""Course leads' report pages across cohorts, drawn with :mod:`quizlib.report` and :mod:`quizlib.charts`.

``/lead/`` shows completion and pass rates by module and cohort, headline figures and score distributions
per quiz; ``/lead/quizzes/<quiz>`` the item analysis of one quiz; ``/lead/export/<table>.csv`` any of those
tables as CSV. Figures are computed from the database on each request, so every server process agrees.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from quizlib.results import charts, report
from quizlib.results.source import ReportSource
from quizlib.server import auth
from quizlib.server.context import ServerContext
from quizlib.server.staff import ctx_of, page, require_staff


@dataclass(frozen=True)
class Figures:
    progress: list
    attempts: list
    cohort_names: dict[str, str]
    module_titles: dict[str, str]


def _figures(ctx: ServerContext) -> Figures:
    store, course = ctx.store, ctx.catalogue.course
    source = ReportSource(store)
    attempts = source.attempt_scores()
    progress = report.learner_progress(
        source.enrolments(), source.assignments(), attempts, course, started=source.started(), cohorts=source.cohorts()
    )
    names = {c.id: c.name for c in store.cohorts()}
    modules = {m.id: ctx.catalogue.chapter_titles.get(m.id, m.title) for m in report.course_modules(course)}
    return Figures(progress, attempts, names, modules)


def _label(f: Figures) -> Callable[[report.RateRow], str]:
    def label(row: report.RateRow) -> str:
        parts = []
        if row.cohort != report.ALL:
            parts.append(f.cohort_names.get(row.cohort, row.cohort))
        if row.module != report.ALL:
            parts.append(f.module_titles.get(row.module, row.module))
        return " · ".join(parts) or "All"

    return label


def _tables(
    ctx: ServerContext, f: Callable[[], Figures], quiz_id: str | None = None
) -> dict[str, Callable[[], tuple[list, type]]]:
    """Every table a lead can download, by the name in its CSV address. Each is computed only when asked
    for, and the figures (``f``) only if a table needs them: one quiz's items need none of them."""
    course = ctx.catalogue.course
    tables: dict[str, Callable[[], tuple[list, type]]] = {
        "rates": lambda: (report.completion_rates(f().progress, by=("cohort", "module")), report.RateRow),
        "rates-by-module": lambda: (report.completion_rates(f().progress, by=("module",)), report.RateRow),
        "rates-by-cohort": lambda: (report.completion_rates(f().progress, by=("cohort",)), report.RateRow),
        "progress": lambda: (f().progress, report.ProgressRow),
        "quiz-summary": lambda: (report.quiz_summary(f().attempts, course), report.QuizSummaryRow),
        "score-distribution": lambda: (report.score_distribution(f().attempts, which="first"), report.ScoreBin),
    }
    if quiz_id is not None:
        analysis = functools.cache(lambda: _item_analysis(ctx, quiz_id))
        tables["items"] = lambda: (analysis().items, report.ItemRow)
        tables["responses"] = lambda: (analysis().responses, report.ResponseRow)
    return tables


def _item_analysis(ctx: ServerContext, quiz_id: str) -> report.ItemAnalysis:
    """One quiz's item analysis, streamed from the store: first attempts only, filtered by the database."""
    store = ctx.store
    source = ReportSource(store)
    return report.analyse_items(
        source.iter_question_scores(quiz_id=quiz_id, first_only=True),
        ctx.catalogue.course,
        attempts=source.iter_attempt_scores(quiz_id=quiz_id, first_only=True),
    )


def _pct(value: float | None) -> str:
    return report.percent(value, missing="")


@page
def overview(request: Request) -> Response:
    ctx = ctx_of(request)
    staff = require_staff(request, lead=True)
    f = _figures(ctx)
    tables = _tables(ctx, lambda: f)
    label = _label(f)
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
    return ctx.render(
        request,
        "lead.html",
        staff=staff,
        title="Reports across cohorts",
        label=label,
        pct=_pct,
        rates=tables["rates"]()[0],
        by_module=by_module,
        by_cohort=by_cohort,
        summary=tables["quiz-summary"]()[0],
        module_chart=Markup(charts.rate_bars(by_module, title="Completion and pass rates by module", label=label))
        if by_module
        else None,
        cohort_chart=Markup(charts.rate_bars(by_cohort, title="Completion and pass rates by cohort", label=label))
        if by_cohort
        else None,
        distributions=distributions,
        quizzes=list(ctx.catalogue.course.quizzes.values()),
        all=report.ALL,
    )


@page
def quiz_items(request: Request) -> Response:
    ctx = ctx_of(request)
    staff = require_staff(request, lead=True)
    quiz_id = request.path_params["quiz_id"]
    if quiz_id not in ctx.catalogue.course.quizzes:
        raise auth.AuthError(404, f"There is no quiz {quiz_id!r} in this course.")
    analysis = _item_analysis(ctx, quiz_id)
    items = analysis.items
    title = ctx.catalogue.quiz_title(quiz_id)
    return ctx.render(
        request,
        "lead_quiz.html",
        staff=staff,
        title=f"Item analysis: {title}",
        quiz_id=quiz_id,
        items=items,
        responses=analysis.responses,
        flags=report.FLAGS,
        pct=_pct,
        scatter=Markup(charts.item_scatter(items, title=f"Facility and discrimination: {title}")) if items else None,
    )


@page
def export_csv(request: Request) -> Response:
    ctx = ctx_of(request)
    require_staff(request, lead=True)
    name = request.path_params["table"]
    quiz_id = request.query_params.get("quiz")
    if quiz_id is not None and quiz_id not in ctx.catalogue.course.quizzes:
        raise auth.AuthError(404, f"There is no quiz {quiz_id!r} in this course.")
    tables = _tables(ctx, functools.cache(lambda: _figures(ctx)), quiz_id)
    if name not in tables:
        hint = " (items and responses need ?quiz=<quiz id>)" if name in ("items", "responses") else ""
        raise auth.AuthError(404, f"There is no table {name!r}{hint}; the tables are {', '.join(tables)}.")
    rows, row_type = tables[name]()
    filename = f"{name}-{quiz_id}.csv" if quiz_id else f"{name}.csv"
    return Response(
        report.to_csv(rows, row_type).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def routes() -> list[Any]:
    return [
        Route("/lead/", overview, methods=["GET"]),
        Route("/lead/quizzes/{quiz_id}", quiz_items, methods=["GET"]),
        Route("/lead/export/{table}.csv", export_csv, methods=["GET"]),
    ]
