"""Which graphs one request reads: the RDF dataset of a query, cut to what the reader may see.

Without dataset parameters or FROM clauses the default graph is the union of the graphs
the reader may see, and each of them is reachable with GRAPH. Dataset parameters
(`default-graph-uri`, `named-graph-uri`) win over FROM / FROM NAMED, as the protocol says;
either way every named graph is intersected with the visible ones, so naming a restricted
graph reads nothing rather than reading it.

When the reader may see every named graph and the store's own default graph is empty, the
union default graph of the engine is that same dataset, and much cheaper than an explicit
list of graphs (Oxigraph looks a pattern up once instead of once per graph: 3x faster
point lookups over 21 graphs). The query then runs on the union, after checking in the
query's worker that no graph appeared since the list was made (a graph still loading or
just made restricted must not slip into the union).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from fastapi import Request
from pyoxigraph import NamedNode

from store import Settings, Store
from store.access import visible_graphs
from store.namespaces import DataIris

from .text import SparqlFacts

# A graph that never holds triples: what an empty default graph or named-graph set reads.
EMPTY_GRAPH = NamedNode("urn:tsr:empty")
# Listing graphs costs a scan of the store; a few seconds of staleness is fine for readers
# after another process's write, and this server's own writes are seen at once.
VISIBILITY_SECONDS = 5.0


@dataclass(frozen=True)
class QueryDataset:
    """None: the union of every graph (default graph), every graph reachable (named)."""
    default_graph: list[NamedNode] | None
    named_graphs: list[NamedNode] | None


@dataclass(frozen=True)
class ReaderView:
    """What one kind of reader sees: its graphs, and whether they are the whole store."""
    made: float
    graphs: list[NamedNode]
    # every named graph of the store when this reader sees all of them and the store's own
    # default graph is empty (the engine's union is then exactly its dataset); else None
    whole_store: frozenset[NamedNode] | None
    # the store's write count before the graphs were listed: after a write through this
    # process the view is listed again (other processes' writes wait VISIBILITY_SECONDS)
    writes: int = -1
    # the store's write count when a listing last found the same graphs: graphs appear and
    # go only by writes, so until the next one starts the answer stands (listing them was
    # a tenth of an entity GET's time)
    _confirmed_at: list[int] = field(default_factory=list, compare=False, repr=False)

    def known_whole_store(self, store: Store) -> bool | None:
        """`is_whole_store` when it needs no listing (safe on the event loop), else None."""
        if self.whole_store is None:
            return False
        writes = store.writes
        if self._confirmed_at == [writes] and store.quiet_since(writes):
            return True
        return None

    def is_whole_store(self, store: Store) -> bool:
        """Still the whole store? One cheap listing of graph names (no counting), skipped
        when no write has started since the last listing said yes."""
        if self.whole_store is None:
            return False
        writes = store.writes
        if self._confirmed_at == [writes] and store.quiet_since(writes):
            return True
        same = frozenset(store.every_graph_name() or ()) == self.whole_store
        if same and store.quiet_since(writes):
            self._confirmed_at[:] = [writes]
        return same


def _reader_view(store: Store, iris: DataIris, include_restricted: bool) -> ReaderView:
    now, writes = time.monotonic(), store.writes
    every = store.every_graph_name()
    graphs = visible_graphs(store, iris, include_restricted=include_restricted)
    whole = None
    if every is not None and set(every) == set(graphs) and not bool(
            store.query("ASK { ?s ?p ?o }", default_graph=[])):
        whole = frozenset(every)
    return ReaderView(now, graphs, whole, writes)


class VisibleGraphs:
    """Per-app cache of `store.access.visible_graphs`, for public readers and token holders.

    The one rule of when the graphs are listed again: a view is kept until a write through
    this process ends (the store's write count moves: `ReaderView.writes`), or for
    VISIBILITY_SECONDS (another process's write), or until a reader learns that the store
    changed since its view was made (`listed_again`: an index built after it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cached: dict[bool, ReaderView] = {}

    def view_of(self, store: Store, settings: Settings, include_restricted: bool) -> ReaderView:
        """The view of `store` of a reader who sees restricted sources or not, cached (it
        may list the graphs: in a worker thread, not on the event loop)."""
        entry = self._cached.get(include_restricted)
        if entry is not None and self._fresh(entry, store):
            return entry
        view = _reader_view(store, DataIris(settings.base_iri), include_restricted)
        with self._lock:
            self._cached[include_restricted] = view
        return view

    def cached(self, include_restricted: bool, store: Store) -> ReaderView | None:
        """The reader's view of `store` if it is cached and fresh (no store access), else
        None."""
        entry = self._cached.get(include_restricted)
        if self._fresh(entry, store):
            return entry
        return None

    @staticmethod
    def _fresh(entry: ReaderView | None, store: Store) -> bool:
        return (entry is not None and entry.writes == store.writes
                and time.monotonic() - entry.made < VISIBILITY_SECONDS)

    def listed_again(self, store: Store, settings: Settings, include_restricted: bool
                     ) -> ReaderView:
        """`view_of`, listed anew: the store changed since the kept views were made (each
        kind of reader's is dropped)."""
        with self._lock:
            self._cached.clear()
        return self.view_of(store, settings, include_restricted)


def visibility(request: Request) -> VisibleGraphs:
    """The app's cache of the graphs each kind of reader sees (a service: api/services.py)."""
    cache: VisibleGraphs = request.app.state.services.visible_graphs
    return cache


def request_dataset(facts: SparqlFacts, default_graph_uris: list[str],
                    named_graph_uris: list[str], visible: list[NamedNode], *,
                    whole_store: bool = False) -> QueryDataset:
    """The dataset to run the query on (`whole_store`: `visible` is every graph there is).

    >>> public = [NamedNode("http://g/public")]
    >>> request_dataset(SparqlFacts(), ["http://g/secret"], [], public).default_graph
    [<NamedNode value=urn:tsr:empty>]
    """
    if default_graph_uris or named_graph_uris:
        default_uris, named_uris = default_graph_uris, named_graph_uris
    elif facts.names_dataset:
        default_uris, named_uris = facts.from_graphs, facts.from_named_graphs
    elif whole_store:
        return QueryDataset(None, None)
    else:
        every = visible or [EMPTY_GRAPH]
        return QueryDataset(every, every)
    seen = {graph.value for graph in visible}

    def keep(uris: list[str]) -> list[NamedNode]:
        return [NamedNode(uri) for uri in dict.fromkeys(uris) if uri in seen] or [EMPTY_GRAPH]

    return QueryDataset(keep(default_uris), keep(named_uris))
