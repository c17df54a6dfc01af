"""The entities `/reconcile` matches against, per reader graphs, read once per store state
(a batch from OpenRefine is tens of requests: each read every actor before)."""

from __future__ import annotations

from pyoxigraph import NamedNode

from store.reconciliation.scoring import ActorRecord, load_actors

from .marked_lru import MarkedLRU
from .store_state import StoreState, graphs_key

# One entry per kind of reader (public, token holder) is the usual case; a few more cost
# little beside the store.
READER_VIEWS = 4


class ReconcileEntities:
    def __init__(self, state: StoreState) -> None:
        self._state = state
        self._kept: MarkedLRU[dict[str, ActorRecord]] = MarkedLRU(READER_VIEWS)

    def of(self, graphs: list[NamedNode]) -> dict[str, ActorRecord]:
        """The entities in `graphs` (a reader's graphs), by IRI."""
        mark = self._state.mark()  # before reading, so a write meanwhile is not kept
        key = graphs_key(graphs)
        kept = self._kept.get(key, mark)
        if kept is None:
            kept = load_actors(self._state.store, graphs)
            self._kept.put(key, mark, kept)
        return kept
