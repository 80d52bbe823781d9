"""Report tables as CSV: RFC 4180, one header row, text that a spreadsheet would run as a formula made safe."""

from __future__ import annotations

import dataclasses
import json
import operator
import re
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from quizlib.quiz.score import parse_number
from quizlib.results.report.records import ReportError

# -- CSV -----------------------------------------------------------------------------------------------------

# What a spreadsheet may take as the start of a formula: the ASCII lead-ins, their full-width forms, and ";",
# which a spreadsheet set to split on ";" (common in Europe) reads as the end of one cell and the start of the
# next. Cells holding ";" anywhere are also quoted, so no split can happen inside one.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", ";", "\uff1d", "\uff0b", "\uff0d", "\uff20")


_QUOTED = re.compile('[,";\r\n]')  # a field holding any of these is quoted (";": see _FORMULA_START)


def _field(value: Any) -> str:
    """One value as an RFC 4180 field, by the rules :func:`to_csv` gives. Text, the most frequent, is tried first:
    a large table has a million cells."""
    if type(value) is str:
        text = value
    elif value is None:
        return ""
    elif isinstance(value, bool):
        return "true" if value else "false"
    elif isinstance(value, float):
        return repr(round(value, 6))
    elif isinstance(value, int):
        return str(value)
    elif isinstance(value, date):  # datetimes too
        return value.isoformat()
    elif isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value):
        text = "; ".join(value)
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    # Display names and answers are typed by learners; a spreadsheet would run "=..." as a formula.
    if text.startswith(_FORMULA_START) and parse_number(text) is None:
        text = "'" + text
    if _QUOTED.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


BOM = "\ufeff"  # starts a file Excel should read as UTF-8 (without it, it guesses the system's code page)
ROWS_A_PIECE = 1000  # rows in each piece of :func:`csv_pieces`: a few hundred kilobytes


def to_csv(rows: Iterable[Any], row_type: type | None = None, *, bom: bool = False) -> str:
    """Any table of this module (a list of dataclass rows) as RFC 4180 CSV text with a header row.

    Lines end in CRLF; encode the text as UTF-8 to serve or save it. Empty cells are ``None``; booleans are
    ``true``/``false``; dates and times are ISO 8601 (``2027-03-31``, ``2027-03-31T09:30:00+00:00``); tuples
    of flags are joined with ``"; "``. Text that a spreadsheet would run as a formula gets a leading
    apostrophe. Pass ``row_type`` to get the header even for an empty table; ``bom=True`` starts the text
    with a byte-order mark, so that Excel reads names such as "North team — Jan 2027" right.
    """
    return "".join(csv_pieces(rows, row_type, bom=bom))


def csv_pieces(rows: Iterable[Any], row_type: type | None = None, *, bom: bool = False) -> Iterator[str]:
    """:func:`to_csv`'s text in pieces of :data:`ROWS_A_PIECE` rows, to send as it is written: a large table is
    never one text in memory. The rows are checked as :func:`to_csv` checks them, before the first piece."""
    rows = list(rows)
    row_type = row_type or (type(rows[0]) if rows else None)
    if row_type is None:
        return iter([BOM] if bom else [])
    if not dataclasses.is_dataclass(row_type):
        raise ReportError(f"to_csv expects dataclass rows, got {row_type.__name__}")
    for r in rows:
        if type(r) is not row_type:
            raise ReportError(f"to_csv expects rows of one type: {type(r).__name__} among {row_type.__name__}")
    names = [f.name for f in dataclasses.fields(row_type)]
    return _pieces(rows, names, (BOM if bom else "") + ",".join(names) + "\r\n")


def _pieces(rows: list[Any], names: list[str], header: str) -> Iterator[str]:
    values = operator.attrgetter(*names) if len(names) > 1 else lambda r: (getattr(r, names[0]),)
    # Sorted rows share most values with the row above: the very same objects (its cohort, module, assignment, due
    # date, flags). Such a value keeps the field made for it there.
    columns = range(len(names))
    above: list[Any] = [_NOTHING] * len(names)
    fields = [""] * len(names)
    for start in range(0, max(len(rows), 1), ROWS_A_PIECE):
        lines = []
        for r in rows[start : start + ROWS_A_PIECE]:
            row = values(r)
            for i in columns:
                if row[i] is not above[i]:
                    above[i] = row[i]
                    fields[i] = _field(row[i])
            lines.append(",".join(fields) + "\r\n")
        yield header + "".join(lines) if start == 0 else "".join(lines)


_NOTHING = object()  # no value: the row above the first
