"""Rendered pages kept until the store changes: the home and indicators pages are the same
for every reader of one kind (public, or with the read token), language and query string,
so each is rendered once per store change (their figures come from answers kept the same
way, api/confidentiality.py), then served as kept text."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from ..resources.marked_lru import MarkedLRU
from ..resources.running import Reader

KEPT_PAGES = 128  # pages kept at once (languages x reader kinds x query strings)

PageKey = tuple[str, str, bool, tuple[tuple[str, str], ...]]


class KeptPages(MarkedLRU[str]):
    """Rendered pages for one store mark, the least recently viewed out first (marked_lru.py)."""

    def __init__(self, budget: int = KEPT_PAGES) -> None:
        super().__init__(budget)


def kept_page(pages: KeptPages, reader: Reader, name: str, lang: str,
              query: Iterable[tuple[str, str]], render: Callable[[], str]) -> str:
    """The page `name` for this reader kind, language and query string (`query`, its
    items): kept text when the store has not changed since it was rendered, else
    `render()` (and kept)."""
    key: PageKey = (name, lang, reader.sees_all,
                    tuple(sorted((k, v) for k, v in query if k != "lang")))
    html = pages.get(key, reader.mark)  # the mark was read before the figures
    if html is None:
        html = render()
        pages.put(key, reader.mark, html)
    return html


def kept_pages(request: Request) -> KeptPages:
    """The app's kept pages (a service: api/services.py)."""
    pages: KeptPages = request.app.state.services.kept_pages
    return pages


Pages = Annotated[KeptPages, Depends(kept_pages)]
