"""Long lists a page at a time: which page the address asks for, and the links to the others."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from quizlib.server.http import BadRequest

PAGE_SIZE = 50


@dataclass(frozen=True)
class Page:
    items: Sequence[Any]
    number: int  # from 1
    size: int
    total: int  # items on every page
    param: str  # the query parameter that names the page
    query: tuple[tuple[str, str], ...]  # the rest of the address's query, kept in every link

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        """The number of the first item shown (from 1; 0 when there are none)."""
        return (self.number - 1) * self.size + 1 if self.total else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.total else 0

    def link(self, number: int) -> str:
        """The query string of page ``number`` (with the page's anchor, so the reader lands on the list)."""
        pairs = [(k, v) for k, v in self.query if k != self.param]
        if number > 1:
            pairs.append((self.param, str(number)))
        return "?" + urlencode(pairs) if pairs else "?"


def page_number(request: Request, param: str = "page") -> int:
    """The page the address asks for (1 if none); 400 if it is not a whole number from 1."""
    text = request.query_params.get(param, "1").strip() or "1"
    if not text.isdigit() or int(text) < 1:
        raise BadRequest(400, f"The page number ({param}={text[:20]}) must be a whole number from 1, for example 2.")
    return int(text)


def paged(
    request: Request, items: Sequence[Any], *, param: str = "page", size: int = PAGE_SIZE, total: int | None = None
) -> Page:
    """Page ``param`` of ``items`` (all of them, or, with ``total``, only that page's, already chosen)."""
    number = page_number(request, param)
    count = len(items) if total is None else total
    pages = max(1, -(-count // size))
    number = min(number, pages)  # past the end: the last page, not an empty one
    chosen = items[(number - 1) * size : number * size] if total is None else items
    return Page(chosen, number, size, count, param, tuple(request.query_params.multi_items()))
