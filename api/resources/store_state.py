"""A mark that changes whenever the store may have changed, so that what the API derives
from it (the search index, the ordered items of the curated lists) is read again then.

* Every write through this process's store object (`/sparql` updates, `/store`, an
  ingest run in-process) raises `Store.writes`.
* A load or drop by another process (`tsr ingest` against a remote store) always records a
  `prov:Activity` in a provenance graph, so the mark also counts those (a sub-millisecond
  query on a remote store). An embedded store is held by one writer process, this one
  (RocksDB's lock), so the first rule covers it and the query is not sent.

A write to a remote store that bypasses the observatory and records no provenance (a raw
SPARQL update sent to the store itself) is not seen until the next of either.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Request
from pyoxigraph import NamedNode

from store import Store
from store.access import restricted_provenance_graph
from store.namespaces import PROV, DataIris

StoreMark = tuple[int, int]


class StoreState:
    def __init__(self, store: Store, iris: DataIris) -> None:
        self.store = store
        self._provenance = [iris.provenance_graph, restricted_provenance_graph(iris)]
        self._others_may_write = not store.capabilities.local_change_mark

    def mark(self) -> StoreMark:
        """Read it before reading the data: a write landing during the read is counted
        after it, so the next mark differs from the one kept with the data."""
        if not self._others_may_write:
            return self.store.writes, 0
        activities = self.store.query_count(
            f"SELECT (COUNT(?activity) AS ?n) WHERE {{ ?activity a <{PROV}Activity> }}",
            default_graph=self._provenance, named_graphs=self._provenance)
        return self.store.writes, activities


def graphs_key(graphs: Sequence[NamedNode] | None) -> tuple[str, ...] | None:
    """Reader graphs as a key of what is kept for them (None: the whole store)."""
    return None if graphs is None else tuple(sorted(graph.value for graph in graphs))


def request_mark(request: Request) -> StoreMark:
    """The store's mark, read once per request (on a remote store it is a query) and before
    the request reads any data: what one request keeps or reuses is judged by one mark."""
    if not hasattr(request.state, "store_mark"):
        request.state.store_mark = store_state(request).mark()
    mark: StoreMark = request.state.store_mark
    return mark


def store_state(request: Request) -> StoreState:
    """The app's store state (a service: api/services.py)."""
    state: StoreState = request.app.state.services.store_state
    return state
