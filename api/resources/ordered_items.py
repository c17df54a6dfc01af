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

from collections.abc import Callable, Mapping, Sequence
from typing import Annotated

from fastapi import Depends, Request
from pyoxigraph import NamedNode

from store.base import Term

from ..named_queries import NamedQuery
from .marked_lru import MarkedLRU
from .running import Reader
from .search_index import Item
from .store_state import StoreMark, graphs_key

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
    """Least recently used lists first out, within `ITEM_BUDGET` items (marked_lru.py)."""

    def __init__(self, budget: int = ITEM_BUDGET) -> None:
        # an empty list counts one: its key and bookkeeping are not free
        self._lists: MarkedLRU[list[Item]] = MarkedLRU(budget, lambda items: max(1, len(items)))
        self.reads = 0  # lists read from the store: tests watch it

    def get(self, key: ListKey, mark: StoreMark, read: Callable[[], list[Item]]) -> list[Item]:
        """The list under `key`, read with `read` when not kept for the store at `mark`
        (read before the data)."""
        kept = self._lists.get(key, mark)
        if kept is not None:
            return kept
        items = read()  # outside the lock: other lists need not wait for this one
        self.reads += 1
        self._lists.put(key, mark, items)
        return items


def ordered_items(lists: OrderedItems, reader: Reader, query: NamedQuery,
                  bindings: Mapping[str, Term]) -> list[Item]:
    """The `?item`s `query` selects for this reader, in order (kept in `lists`, see above).
    Read in a query worker, under the query deadline and memory budget: a filter can make
    the list's query run for minutes (README, "Queries that stop")."""
    key = list_key(query.text, bindings, reader.graphs)
    return lists.get(key, reader.mark, lambda: [
        row["item"] for row in reader.run(query, bindings, isolated=True)])


async def ordered_items_service(request: Request) -> OrderedItems:
    """The app's kept lists (a dependency; `async`: on the event loop, no thread hop)."""
    lists: OrderedItems = request.app.state.services.ordered_items
    return lists


OrderedItemsOf = Annotated[OrderedItems, Depends(ordered_items_service)]
