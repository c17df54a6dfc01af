"""The store as the files of one command see it: `tsr validate A B` must check B against A
the way `tsr ingest A B` does (there, A's staged graph is in the store when B is read), so
the files read before are kept in a scratch store and queried with the store.

Only the ingest's read queries go through here (identifiers, types, SPARQL constraints,
single-valued properties): all are `SELECT … GRAPH ?g { … }` over named graphs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from pyoxigraph import NamedNode, Quad, Triple

from .temporary_store import TemporaryStore

# Quads of the files read before, held before they go to the scratch store in one call.
_BATCH = 100_000


class StoreView(Protocol):
    """What the ingest's checks read of a store."""

    def query(self, sparql: str, *args: Any, **kwargs: Any) -> Any: ...


class BatchView:
    def __init__(self, store: StoreView | None) -> None:
        self.store = store
        self._earlier = TemporaryStore("tsr-batch-")
        self._pending: list[Quad] = []

    def add(self, triples: Iterable[Triple], graph: NamedNode) -> None:
        """Triples of a file read before the next ones, as its graph would hold them."""
        self._pending.extend(Quad(t.subject, t.predicate, t.object, graph) for t in triples)
        if len(self._pending) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        self._earlier.store().bulk_extend(self._pending)
        self._pending = []

    def query(self, sparql: str, *args: Any, **kwargs: Any) -> list[Any]:
        rows = list(self.store.query(sparql, *args, **kwargs)) if self.store is not None else []
        self._flush()
        if self._earlier.made:
            rows += list(self._earlier.store().query(sparql))  # type: ignore[arg-type]
        return rows

    def close(self) -> None:
        self._pending = []
        self._earlier.close()
