"""The ordered items of a curated list, kept between requests while the store is unchanged.

A list query must read every match to sort them and to count the total (a separate COUNT
measured as costly as the ordered query itself), so a page of `/api/actors` cost as much
as the whole list: 0.2 to 2 s on a million triples. The items in order are all a page
needs besides their description, and they only change when the store does: they are kept
per query text, bound parameters and reader graphs, and dropped as soon as the store's
mark moves (see store_state.py). The next pages, the same filter from another reader of
the same kind, and the `prev`/`next` links then cost a slice, with the exact total.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence

from fastapi import Request
from pyoxigraph import NamedNode

from store.base import Term

from ..deps import app_singleton
from ..named_queries import NamedQuery
from .running import request_graphs, run_query
from .search_index import Item
from .store_state import StoreMark, StoreState, graphs_key, store_state

# Items kept over all lists (each about a hundred bytes): the longest list of the million-
# triple benchmark store has 26,400 items.
ITEM_BUDGET = 250_000
ListKey = tuple[str, tuple[tuple[str, str], ...], tuple[str, ...] | None]


def list_key(text: str, bindings: Mapping[str, Term],
             graphs: Sequence[NamedNode] | None) -> ListKey:
    """What a list depends on (graphs None: the whole store)."""
    bound = tuple(sorted((name, str(term)) for name, term in bindings.items()))
    return text, bound, graphs_key(graphs)


class OrderedItems:
    """Least recently used lists first out, within `ITEM_BUDGET` items."""

    def __init__(self, state: StoreState, budget: int = ITEM_BUDGET) -> None:
        self._state = state
        self._budget = budget
        self._lock = threading.Lock()
        self._lists: OrderedDict[ListKey, list[Item]] = OrderedDict()
        self._held = 0
        self._mark: StoreMark | None = None
        self.reads = 0  # lists read from the store: tests watch it

    def get(self, key: ListKey, read: Callable[[], list[Item]]) -> list[Item]:
        """The list under `key`, read with `read` when not kept for the current store."""
        mark = self._state.mark()
        with self._lock:
            if mark != self._mark:
                self._lists.clear()
                self._held, self._mark = 0, mark
            kept = self._lists.get(key)
            if kept is not None:
                self._lists.move_to_end(key)
                return kept
        items = read()  # outside the lock: other lists need not wait for this one
        with self._lock:
            self.reads += 1
            if mark == self._mark and key not in self._lists and len(items) <= self._budget:
                self._lists[key] = items
                self._held += len(items)
                while self._held > self._budget:
                    _, dropped = self._lists.popitem(last=False)
                    self._held -= len(dropped)
        return items


def ordered_items(request: Request, query: NamedQuery, bindings: Mapping[str, Term]) -> list[Item]:
    """The `?item`s `query` selects for this request's reader, in order (kept, see above)."""
    lists = app_singleton(request, "ordered_items", lambda: OrderedItems(store_state(request)))
    key = list_key(query.text, bindings, request_graphs(request))
    return lists.get(key, lambda: [row["item"] for row in run_query(request, query, bindings)])
