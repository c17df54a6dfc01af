"""A mark that changes whenever the store may have changed, so that what the API derives
from it (the search index, the ordered items of the curated lists) is read again then.

* Every write through this process's store object (`/sparql` updates, `/store`, an
  ingest run in-process) raises `Store.writes`.
* A load or drop by another process (`tsr ingest` against a remote store) always records a
  `prov:Activity` in a provenance graph, so the mark also counts those (a sub-millisecond
  lookup on the embedded store, one small query on a remote one). An embedded store has
  one writer, so the first rule covers it.

A write to a remote store that bypasses the observatory and records no provenance (a raw
SPARQL update sent to the store itself) is not seen until the next of either.
"""

from __future__ import annotations

from fastapi import Request

from store import Store
from store.access import restricted_provenance_graph
from store.namespaces import PROV, DataIris

from ..deps import get_settings_of, get_store

StoreMark = tuple[int, int]


class StoreState:
    def __init__(self, store: Store, iris: DataIris) -> None:
        self.store = store
        self._provenance = [iris.provenance_graph, restricted_provenance_graph(iris)]

    def mark(self) -> StoreMark:
        """Read it before reading the data: a write landing during the read is counted
        after it, so the next mark differs from the one kept with the data."""
        rows = self.store.query(
            f"SELECT (COUNT(?activity) AS ?n) WHERE {{ ?activity a <{PROV}Activity> }}",
            default_graph=self._provenance, named_graphs=self._provenance)
        return self.store.writes, int(next(iter(rows))["n"].value)


def store_state(request: Request) -> StoreState:
    """The app's store state (made on first use)."""
    state: StoreState | None = getattr(request.app.state, "store_state", None)
    if state is None:
        iris = DataIris(get_settings_of(request).base_iri)
        state = request.app.state.store_state = StoreState(get_store(request), iris)
    return state
