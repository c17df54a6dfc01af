"""Rendered pages kept until the store changes: the home and indicators pages are the same
for every reader of one kind (public, or with the read token), language and query string,
so each is rendered once per store change (their figures come from answers kept the same
way, api/confidentiality.py), then served as kept text."""

from __future__ import annotations

import threading
from collections.abc import Callable

from starlette.requests import Request

from ..deps import app_singleton, may_see_restricted
from ..resources.store_state import StoreMark, request_mark

KEPT_PAGES = 128  # pages kept at once (languages x reader kinds x query strings)

PageKey = tuple[str, str, bool, tuple[tuple[str, str], ...]]


class KeptPages:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[PageKey, tuple[StoreMark, str]] = {}

    def get(self, key: PageKey, mark: StoreMark) -> str | None:
        kept = self._kept.get(key)
        return kept[1] if kept is not None and kept[0] == mark else None

    def put(self, key: PageKey, mark: StoreMark, html: str) -> None:
        with self._lock:
            if len(self._kept) >= KEPT_PAGES:
                self._kept.clear()
            self._kept[key] = (mark, html)


def kept_page(request: Request, name: str, lang: str, render: Callable[[], str]) -> str:
    """The page `name` for this reader kind, language and query string: kept text when the
    store has not changed since it was rendered, else `render()` (and kept)."""
    pages = app_singleton(request, "kept_pages", KeptPages)
    query = tuple(sorted((k, v) for k, v in request.query_params.multi_items() if k != "lang"))
    key: PageKey = (name, lang, may_see_restricted(request), query)
    mark = request_mark(request)  # before the figures are read
    html = pages.get(key, mark)
    if html is None:
        html = render()
        pages.put(key, mark, html)
    return html
