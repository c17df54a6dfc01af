"""Which graphs one request reads: the RDF dataset of a query, cut to what the reader may see.

Without dataset parameters or FROM clauses the default graph is the union of the graphs
the reader may see, and each of them is reachable with GRAPH. Dataset parameters
(`default-graph-uri`, `named-graph-uri`) win over FROM / FROM NAMED, as the protocol says;
either way every named graph is intersected with the visible ones, so naming a restricted
graph reads nothing rather than reading it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from fastapi import Request
from pyoxigraph import NamedNode

from store.access import visible_graphs
from store.namespaces import DataIris

from ..deps import get_settings_of, get_store, may_see_restricted
from .text import SparqlFacts

# A graph that never holds triples: what an empty default graph or named-graph set reads.
EMPTY_GRAPH = NamedNode("urn:tsr:empty")
# Listing graphs costs a scan of the store; a few seconds of staleness is fine for readers,
# and this server's own writes clear the cache at once.
VISIBILITY_SECONDS = 5.0


@dataclass(frozen=True)
class QueryDataset:
    default_graph: list[NamedNode]
    named_graphs: list[NamedNode]


class VisibleGraphs:
    """Per-app cache of `store.access.visible_graphs`, for public readers and token holders."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cached: dict[bool, tuple[float, list[NamedNode]]] = {}

    def get(self, request: Request) -> list[NamedNode]:
        include_restricted = may_see_restricted(request)
        now = time.monotonic()
        entry = self._cached.get(include_restricted)
        if entry is not None and now - entry[0] < VISIBILITY_SECONDS:
            return entry[1]
        settings = get_settings_of(request)
        graphs = visible_graphs(get_store(request), DataIris(settings.base_iri),
                                include_restricted=include_restricted)
        with self._lock:
            self._cached[include_restricted] = (now, graphs)
        return graphs

    def forget(self) -> None:
        with self._lock:
            self._cached.clear()


def visibility(request: Request) -> VisibleGraphs:
    state = request.app.state
    cache = getattr(state, "visible_graphs", None)
    if cache is None:
        cache = state.visible_graphs = VisibleGraphs()
    return cache


def request_dataset(facts: SparqlFacts, default_graph_uris: list[str],
                    named_graph_uris: list[str], visible: list[NamedNode]) -> QueryDataset:
    """The dataset to run the query on.

    >>> public = [NamedNode("http://g/public")]
    >>> request_dataset(SparqlFacts(), ["http://g/secret"], [], public).default_graph
    [<NamedNode value=urn:tsr:empty>]
    """
    if default_graph_uris or named_graph_uris:
        default_uris, named_uris = default_graph_uris, named_graph_uris
    elif facts.names_dataset:
        default_uris, named_uris = facts.from_graphs, facts.from_named_graphs
    else:
        every = visible or [EMPTY_GRAPH]
        return QueryDataset(every, every)
    seen = {graph.value for graph in visible}

    def keep(uris: list[str]) -> list[NamedNode]:
        return [NamedNode(uri) for uri in dict.fromkeys(uris) if uri in seen] or [EMPTY_GRAPH]

    return QueryDataset(keep(default_uris), keep(named_uris))
