"""One resource's neighbourhood, as the detail routes and the /id/ pages show it: the named
query api-entity (its statements and those of the resources pointing to it), then the
labels of every IRI those name (api-labels), so that links read as names.

Labels are kept between requests: most IRIs an entity names are concepts of the
vocabularies (legal form, region, roles...), named again by the next entity. They are kept
per reader graphs (a label from a restricted source never reaches an anonymous reader) and
dropped as soon as the store's mark moves (see store_state.py).
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable

from fastapi import Request
from pyoxigraph import NamedNode, Triple

from ..deps import app_singleton
from ..named_queries import NamedQuery, shipped_queries
from .running import request_graphs, run_query
from .store_state import StoreMark, StoreState, graphs_key, store_state

# IRIs whose labels are kept (a few label triples each): every concept of the vocabularies
# and the actors, projects and networks most recently named.
LABEL_BUDGET = 50_000
LabelKey = tuple[tuple[str, ...] | None, NamedNode]


def neighbourhood(request: Request, iri: NamedNode, query: NamedQuery | None = None
                  ) -> list[Triple]:
    """`query` (api-entity) about `iri`, with the labels of what it names; empty when the
    reader sees nothing about `iri`."""
    triples = list(run_query(request, query or shipped_queries()["api-entity"], {"_item": iri}))
    if not any(triple.subject == iri for triple in triples):
        return []
    named = {triple.object for triple in triples if isinstance(triple.object, NamedNode)}
    named.discard(iri)  # its own labels are among its statements
    if named:
        triples.extend(known_labels(request).of(request, named))
    return triples


def labels_query(iris: Iterable[NamedNode]) -> NamedQuery:
    """api-labels for every IRI of `iris` at once: `?_item` takes them from a trailing
    VALUES block of N-Triples terms (escaped by pyoxigraph, never raw request text)."""
    labels = shipped_queries()["api-labels"]
    values = " ".join(sorted(str(iri) for iri in iris))
    return dataclasses.replace(labels, text=f"{labels.text}\nVALUES ?_item {{ {values} }}")


class KnownLabels:
    """Label triples by reader graphs and IRI (an empty list: it has none); least recently
    used first out, within `LABEL_BUDGET` IRIs."""

    def __init__(self, state: StoreState, budget: int = LABEL_BUDGET) -> None:
        self._state = state
        self._budget = budget
        self._lock = threading.Lock()
        self._labels: OrderedDict[LabelKey, list[Triple]] = OrderedDict()
        self._mark: StoreMark | None = None
        self.reads = 0  # label queries sent to the store: tests watch it

    def of(self, request: Request, iris: Iterable[NamedNode]) -> list[Triple]:
        """The label triples of `iris` this request's reader may see."""
        mark = self._state.mark()  # before reading, so a write meanwhile is not kept
        graphs = graphs_key(request_graphs(request))
        found: list[Triple] = []
        missing: list[NamedNode] = []
        with self._lock:
            if mark != self._mark:
                self._labels.clear()
                self._mark = mark
            for iri in iris:
                kept = self._labels.get((graphs, iri))
                if kept is None:
                    missing.append(iri)
                else:
                    self._labels.move_to_end((graphs, iri))
                    found.extend(kept)
        if not missing:
            return found
        read: dict[NamedNode, list[Triple]] = defaultdict(list)
        for triple in run_query(request, labels_query(missing), {}):
            read[triple.subject].append(triple)
        with self._lock:
            self.reads += 1
            if mark == self._mark:
                for iri in missing:
                    self._labels[(graphs, iri)] = read.get(iri, [])
                while len(self._labels) > self._budget:
                    self._labels.popitem(last=False)
        for triples in read.values():
            found.extend(triples)
        return found


def known_labels(request: Request) -> KnownLabels:
    """The app's label cache (made on first use)."""
    return app_singleton(request, "known_labels", lambda: KnownLabels(store_state(request)))
