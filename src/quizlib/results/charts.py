"""Self-contained SVG charts of the report tables: no script, no stylesheet, no font or request from outside.

Each function returns one ``<svg>`` element as text, to inline in an HTML page or display in a notebook.
Every chart is an accessible image: ``role="img"`` labelled by its ``<title>`` and a ``<desc>`` that states the
data in words, and every bar or point carries its value as visible text as well as a hover ``<title>``.
Colours come from the Okabe-Ito palette, which stays distinct under the common colour-vision deficiencies,
and each has at least 3:1 contrast against the white background (WCAG 1.4.11); text is near-black. Series
differ in shape or position too, so colour is never the only cue.

Styling is by attributes only: a ``<style>`` element inside inline SVG would restyle the whole host page.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape

from quizlib.results.report import (
    ALL,
    DISCRIMINATION_WEAK,
    FACILITY_HIGH,
    FACILITY_LOW,
    ItemRow,
    RateRow,
    ScoreBin,
    percent,
)

BLUE = "#0072B2"  # Okabe-Ito blue, 5.2:1 on white
VERMILLION = "#D55E00"  # Okabe-Ito vermillion, 3.9:1 on white
TEXT = "#1A1A1A"
MUTED = "#595959"  # axis lines and reference text, 7:1 on white
GRID = "#D9D9D9"  # decorative grid only: nothing is read from it alone
BACKGROUND = "#FFFFFF"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _q(value: object) -> str:
    """Text escaped for an attribute or element; characters XML forbids (typed names may hold them) dropped."""
    return escape(_NOT_XML.sub("", str(value)), {'"': "&quot;"})


def _chart_id(*parts: object) -> str:
    # Deterministic and distinct per chart, so several charts can sit on one page without clashing ids.
    return "qlc-" + hashlib.sha1(repr(parts).encode()).hexdigest()[:10]


def _pct(value: float | None) -> str:
    return percent(value, missing="n/a")


TITLE_LINE = 20  # px between the lines of a chart's title


def _svg(width: int, height: int, title: str, desc: str, body: list[str], key: tuple) -> str:
    """A chart: its title on as many lines as it needs (never cut short), then the body, moved down by the
    lines after the first so that a body laid out for a one-line title never meets a longer one."""
    cid = _chart_id(title, desc, key)
    # About 10 px a character of the bold 16 px title, generously: every line fits the width.
    lines = _wrap(title, max(8, (width - 24) // 10))
    extra = TITLE_LINE * (len(lines) - 1)
    height += extra
    heading = "".join(
        f'<tspan x="{width / 2:g}" dy="{0 if i == 0 else TITLE_LINE}">{_q(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return "\n".join(
        [
            (
                f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{cid}-title {cid}-desc" '
                f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" style="max-width:100%;height:auto" '
                f'font-family="{_q(FONT)}" font-size="13" fill="{TEXT}">'
            ),
            f'<title id="{cid}-title">{_q(title)}</title>',
            f'<desc id="{cid}-desc">{_q(desc)}</desc>',
            f'<rect width="{width}" height="{height}" fill="{BACKGROUND}"/>',
            f'<text x="{width / 2:g}" y="22" text-anchor="middle" font-size="16" font-weight="bold">{heading}</text>',
            f'<g transform="translate(0 {extra})">' if extra else "<g>",
            *body,
            "</g>",
            "</svg>",
        ]
    )


def _wrap(text: str, limit: int) -> list[str]:
    """``text`` in lines of at most ``limit`` characters, broken between words (a longer word is split):
    every character is kept."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        while len(word) > limit:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:limit])
            word = word[limit:]
        if line and len(line) + 1 + len(word) > limit:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line or not lines:
        lines.append(line)
    return lines


def _empty(width: int, height: int, title: str, message: str) -> str:
    body = [f'<text x="{width / 2:g}" y="{height / 2:g}" text-anchor="middle" fill="{MUTED}">{_q(message)}</text>']
    return _svg(width, height, title, message, body, ("empty",))


# -- score distribution ------------------------------------------------------------------------------------


def histogram(
    bins: Sequence[ScoreBin],
    *,
    title: str = "Score distribution",
    x_label: str = "Score (%)",
    y_label: str = "Attempts",
    width: int = 640,
    height: int = 360,
) -> str:
    """A histogram of one quiz's scores from :func:`quizlib.report.score_distribution` rows (one quiz's bins)."""
    bins = list(bins)
    if not bins or sum(b.count for b in bins) == 0:
        return _empty(width, height, title, "No finished attempts yet.")
    left, right, top, bottom = 64, 16, 44, 64
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(b.count for b in bins)
    step = _nice_step(peak)
    y_max = step * (peak // step + 1)  # headroom above the tallest bar for its value
    bar_w = plot_w / len(bins)
    total = sum(b.count for b in bins)
    body = _y_axis(left, top, plot_w, plot_h, y_max, step, y_label)
    for i, b in enumerate(bins):
        h = plot_h * b.count / y_max
        x = left + i * bar_w
        y = top + plot_h - h
        span = f"{b.lower:g}–{b.upper:g}%"
        body.append(
            f'<rect x="{x + 2:.1f}" y="{y:.1f}" width="{bar_w - 4:.1f}" height="{h:.1f}" fill="{BLUE}">'
            f"<title>{_q(span)}: {b.count}</title></rect>"
        )
        body.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle">{b.count}</text>')
        body.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 16:.1f}" text-anchor="middle" font-size="11">'
            f"{b.lower:g}–{b.upper:g}</text>"
        )
    body.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 14}" text-anchor="middle">{_q(x_label)}</text>')
    counts = "; ".join(f"{b.lower:g} to {b.upper:g}%: {b.count}" for b in bins)
    desc = f"Histogram of {total} {y_label.lower()} by {x_label.lower()}. {counts}."
    return _svg(width, height, title, desc, body, tuple((b.lower, b.count) for b in bins))


def _nice_step(peak: float) -> int:
    """A tick step of 1, 2 or 5 times a power of ten giving at most six ticks above zero."""
    magnitude = 1
    while True:
        for multiple in (1, 2, 5):
            if peak / (multiple * magnitude) <= 6:
                return multiple * magnitude
        magnitude *= 10


def _y_axis(left: float, top: float, plot_w: float, plot_h: float, y_max: int, step: int, label: str) -> list[str]:
    body = []
    for tick in range(0, y_max + 1, step):
        y = top + plot_h - plot_h * tick / y_max
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{tick}</text>')
    body.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="{MUTED}"/>')
    body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="{MUTED}"/>')
    body.append(
        f'<text transform="translate(16 {top + plot_h / 2:.1f}) rotate(-90)" text-anchor="middle">{_q(label)}</text>'
    )
    return body


# -- completion and pass rates -----------------------------------------------------------------------------


def _rate_label(row: RateRow) -> str:
    module = row.module_title
    if row.cohort == ALL:
        return module
    if row.module == ALL:
        return row.cohort_name
    return f"{row.cohort_name} · {module}"


def rate_bars(
    rows: Sequence[RateRow],
    *,
    title: str = "Completion and pass rates",
    label: Callable[[RateRow], str] = _rate_label,
    width: int = 720,
) -> str:
    """Horizontal bars of completion and pass rates, two per row of :func:`quizlib.report.completion_rates`.

    Each group is labelled by ``label(row)`` (by default the cohort, the module, or both); each bar shows its
    percentage and the counts behind it.
    """
    rows = [r for r in rows if r.learners]
    if not rows:
        return _empty(width, 160, title, "No learners have modules assigned yet.")
    names = [label(r) for r in rows]
    # Room for the longest label at about 8 px a character (13 px system sans, generous), within limits; a
    # longer one wraps onto more lines (never cut short), and its group grows to hold them.
    left = min(max(8 * max(len(n) for n in names) + 16, 96), width // 3)
    fits = (left - 16) // 8
    wrapped = [_wrap(n, fits) for n in names]
    groups = [max(44, 16 * len(w) + 12) for w in wrapped]
    right, top = 160, 64
    plot_w = width - left - right
    height = top + sum(groups) + 40
    body = [
        f'<rect x="{left}" y="36" width="12" height="12" fill="{BLUE}"/>',
        f'<text x="{left + 18}" y="46">completed</text>',
        f'<rect x="{left + 110}" y="36" width="12" height="12" fill="{VERMILLION}"/>',
        f'<text x="{left + 128}" y="46">passed</text>',
    ]
    for pct in (0, 25, 50, 75, 100):
        x = left + plot_w * pct / 100
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 4}" y2="{height - 36}" stroke="{GRID}"/>')
        body.append(f'<text x="{x:.1f}" y="{height - 20}" text-anchor="middle" font-size="11">{pct}%</text>')
    body.append(f'<line x1="{left}" x2="{left}" y1="{top - 4}" y2="{height - 36}" stroke="{MUTED}"/>')
    lines = []
    y = top
    for r, name, label_lines, group in zip(rows, names, wrapped, groups):
        spans = "".join(
            f'<tspan x="{left - 8}" dy="{0 if i == 0 else 16}">{_q(line)}</tspan>' for i, line in enumerate(label_lines)
        )
        first = y + 22 if len(label_lines) == 1 else y + 14
        body.append(f'<text x="{left - 8}" y="{first}" text-anchor="end">{spans}</text>')
        for j, (what, share, count, colour) in enumerate(
            (("completed", r.completion_rate, r.finished, BLUE), ("passed", r.pass_rate, r.passed, VERMILLION))
        ):
            w = plot_w * (share or 0)
            by = y + 4 + j * 18
            text = f"{_pct(share)} {what} ({count} of {r.learners})"
            body.append(
                f'<rect x="{left}" y="{by}" width="{w:.1f}" height="16" fill="{colour}"><title>{_q(name)}: {_q(text)}</title></rect>'
            )
            body.append(f'<text x="{left + w + 6:.1f}" y="{by + 12}" font-size="12">{_q(text)}</text>')
        lines.append(
            f"{name}: {_pct(r.completion_rate)} completed ({r.finished} of {r.learners}), "
            f"{_pct(r.pass_rate)} passed ({r.passed})"
        )
        y += group
    desc = "Bar chart of completion and pass rates of learners. " + "; ".join(lines) + "."
    return _svg(width, height, title, desc, body, tuple((r.cohort, r.module, r.finished, r.passed) for r in rows))


# -- item analysis -----------------------------------------------------------------------------------------


def item_scatter(
    items: Sequence[ItemRow],
    *,
    title: str = "Facility and discrimination",
    width: int = 640,
    height: int = 460,
) -> str:
    """Each question as a point: facility (x, 0 to 100%) against discrimination index (y, -100 to 100).

    Dashed lines mark the review thresholds of :mod:`quizlib.report`. Questions flagged for review are
    vermillion triangles labelled with their id; questions with too few responses to judge are hollow
    circles; the others filled blue circles. Questions without a discrimination index (no variance) cannot
    be placed and are named in the description instead.
    """
    items = list(items)
    placed = [
        (i, i.facility, i.discrimination) for i in items if i.facility is not None and i.discrimination is not None
    ]
    if not placed:
        return _empty(width, height, title, "No question has enough first attempts to plot yet.")
    left, right, top, bottom = 64, 24, 60, 56
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(facility: float) -> float:
        return left + plot_w * facility

    def py(discrimination: float) -> float:
        return top + plot_h * (100 - discrimination) / 200

    body = []
    for d in (-100, -50, 0, 50, 100):
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{py(d):.1f}" y2="{py(d):.1f}" stroke="{GRID}"/>')
        body.append(f'<text x="{left - 6}" y="{py(d) + 4:.1f}" text-anchor="end" font-size="11">{d}</text>')
    for f in (0, 0.25, 0.5, 0.75, 1):
        body.append(f'<text x="{px(f):.1f}" y="{top + plot_h + 16}" text-anchor="middle" font-size="11">{f:.0%}</text>')
    body.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="{MUTED}"/>')
    body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="{MUTED}"/>')
    dash = f'stroke="{MUTED}" stroke-dasharray="5 4"'
    for f in (FACILITY_LOW, FACILITY_HIGH):
        body.append(f'<line x1="{px(f):.1f}" x2="{px(f):.1f}" y1="{top}" y2="{top + plot_h}" {dash}/>')
    body.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{py(DISCRIMINATION_WEAK):.1f}" y2="{py(DISCRIMINATION_WEAK):.1f}" {dash}/>'
    )
    body.append(
        f'<text x="{left + plot_w - 4}" y="{py(DISCRIMINATION_WEAK) + 14:.1f}" text-anchor="end" font-size="11" '
        f'fill="{MUTED}">below {DISCRIMINATION_WEAK:g}: weak</text>'
    )
    body.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 14}" text-anchor="middle">Facility index (share of marks on first attempts)</text>'
    )
    body.append(
        f'<text transform="translate(16 {top + plot_h / 2:.1f}) rotate(-90)" text-anchor="middle">Discrimination index</text>'
    )
    # The legend sits between the title and the plot, where no point can hide it.
    ly = 42
    body += [
        f'<circle cx="{left + 6}" cy="{ly - 4}" r="5" fill="{BLUE}"/>',
        f'<text x="{left + 16}" y="{ly}" font-size="12">no flag</text>',
        f'<path d="{_triangle(left + 96, ly - 4)}" fill="{VERMILLION}"/>',
        f'<text x="{left + 106}" y="{ly}" font-size="12">flagged for review</text>',
        f'<circle cx="{left + 236}" cy="{ly - 4}" r="4.5" fill="{BACKGROUND}" stroke="{BLUE}" stroke-width="1.5"/>',
        f'<text x="{left + 246}" y="{ly}" font-size="12">too few responses to judge</text>',
    ]
    lines = []
    for item, facility, discrimination in placed:
        x, y = px(facility), py(discrimination)
        tip = f"{item.quiz_id} {item.question_id}: facility {_pct(facility)}, discrimination {discrimination:.0f}, n {item.n}"
        if "few-responses" in item.flags:
            tip += " (too few responses to judge)"
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{BACKGROUND}" stroke="{BLUE}" stroke-width="1.5">'
                f"<title>{_q(tip)}</title></circle>"
            )
        elif item.flags:
            tip += " (review: " + ", ".join(item.flags) + ")"
            body.append(f'<path d="{_triangle(x, y)}" fill="{VERMILLION}"><title>{_q(tip)}</title></path>')
            anchor = "end" if x > left + plot_w * 0.75 else "start"
            dx = -9 if anchor == "end" else 9
            body.append(
                f'<text x="{x + dx:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}" font-size="11">{_q(item.question_id)}</text>'
            )
        else:
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{BLUE}"><title>{_q(tip)}</title></circle>')
        lines.append(tip)
    unplaced = [f"{i.quiz_id} {i.question_id}" for i in items if i.facility is None or i.discrimination is None]
    desc = (
        f"Scatter plot of {len(placed)} questions, facility index against discrimination index. "
        + "; ".join(lines)
        + "."
    )
    if unplaced:
        desc += f" Not plotted (no discrimination index): {', '.join(unplaced)}."
    return _svg(
        width,
        height,
        title,
        desc,
        body,
        tuple((i.quiz_id, i.question_id, i.facility, i.discrimination) for i, _, _ in placed),
    )


def _triangle(x: float, y: float) -> str:
    return f"M{x:.1f},{y - 6:.1f} L{x + 6:.1f},{y + 5:.1f} L{x - 6:.1f},{y + 5:.1f} Z"
