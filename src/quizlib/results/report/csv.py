"""Report tables as CSV: RFC 4180, one header row, text that a spreadsheet would run as a formula made safe."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from quizlib.quiz.score import parse_number
from quizlib.results.report.records import ReportError

# -- CSV -----------------------------------------------------------------------------------------------------

# What a spreadsheet may take as the start of a formula: the ASCII lead-ins, their full-width forms, and ";",
# which a spreadsheet set to split on ";" (common in Europe) reads as the end of one cell and the start of the
# next. Cells holding ";" anywhere are also quoted, so no split can happen inside one.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", ";", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(round(value, 6))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value):
        value = "; ".join(value)
    elif not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, default=str)
    # Display names and answers are typed by learners; a spreadsheet would run "=..." as a formula.
    if value.startswith(_FORMULA_START) and parse_number(value) is None:
        value = "'" + value
    return value


BOM = "\ufeff"  # starts a file Excel should read as UTF-8 (without it, it guesses the system's code page)


def to_csv(rows: Iterable[Any], row_type: type | None = None, *, bom: bool = False) -> str:
    """Any table of this module (a list of dataclass rows) as RFC 4180 CSV text with a header row.

    Lines end in CRLF; encode the text as UTF-8 to serve or save it. Empty cells are ``None``; booleans are
    ``true``/``false``; dates and times are ISO 8601 (``2027-03-31``, ``2027-03-31T09:30:00+00:00``); tuples
    of flags are joined with ``"; "``. Text that a spreadsheet would run as a formula gets a leading
    apostrophe. Pass ``row_type`` to get the header even for an empty table; ``bom=True`` starts the text
    with a byte-order mark, so that Excel reads names such as "North team — Jan 2027" right.
    """
    rows = list(rows)
    row_type = row_type or (type(rows[0]) if rows else None)
    if row_type is None:
        return BOM if bom else ""
    if not dataclasses.is_dataclass(row_type):
        raise ReportError(f"to_csv expects dataclass rows, got {row_type.__name__}")
    names = [f.name for f in dataclasses.fields(row_type)]
    out = io.StringIO(newline="")
    if bom:
        out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    for r in rows:
        if type(r) is not row_type:
            raise ReportError(f"to_csv expects rows of one type: {type(r).__name__} among {row_type.__name__}")
        out.write(",".join(_field(_cell(getattr(r, name))) for name in names) + "\r\n")
    return out.getvalue()


def _field(text: str) -> str:
    """One RFC 4180 field, quoted if it holds a comma, a quote, a line break, or a ";" (see _FORMULA_START)."""
    if any(c in text for c in ',";\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text
