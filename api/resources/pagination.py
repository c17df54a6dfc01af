"""Page numbers, page links (`first`, `prev`, `next`, `last`) and the `Link` header."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from fastapi import Query, Request

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
Row = TypeVar("Row")


@dataclass(frozen=True)
class PageRequest:
    number: int
    size: int

    @property
    def start(self) -> int:
        return (self.number - 1) * self.size


def page_request(
    page: int = Query(1, ge=1, le=1_000_000, description="Page number, from 1."),
    per_page: int = Query(DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE,
                          description=f"Items per page (at most {MAX_PER_PAGE})."),
) -> PageRequest:
    return PageRequest(page, per_page)


def page_of(rows: Sequence[Row], page: PageRequest) -> tuple[list[Row], int]:
    """The rows of the page and the total count, from rows already in a list."""
    return list(rows[page.start:page.start + page.size]), len(rows)


def page_links(request: Request, page: PageRequest, total: int) -> dict[str, str]:
    """URLs of the neighbour pages, keeping every other query parameter."""
    last = max(1, -(-total // page.size))

    def url(number: int) -> str:
        return str(request.url.include_query_params(page=number, per_page=page.size))

    links = {"first": url(1), "last": url(last)}
    if page.number > 1:
        links["prev"] = url(min(page.number - 1, last))
    if page.number < last:
        links["next"] = url(page.number + 1)
    return links


def link_header(links: dict[str, str]) -> str:
    return ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())


