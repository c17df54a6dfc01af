"""One resource's neighbourhood, as the detail routes and the /id/ pages show it: the named
query api-entity (its statements and those of the resources pointing to it), then
api-labels once for every IRI those name, so that links read as names."""

from __future__ import annotations

import dataclasses

from fastapi import Request
from pyoxigraph import NamedNode, Triple

from ..named_queries import NamedQuery, shipped_queries
from .running import run_query


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
        triples.extend(run_query(request, labels_query(named), {}))
    return triples


def labels_query(iris: set[NamedNode]) -> NamedQuery:
    """api-labels for every IRI of `iris` at once: `?_item` takes them from a trailing
    VALUES block of N-Triples terms (escaped by pyoxigraph, never raw request text)."""
    labels = shipped_queries()["api-labels"]
    values = " ".join(sorted(str(iri) for iri in iris))
    return dataclasses.replace(labels, text=f"{labels.text}\nVALUES ?_item {{ {values} }}")
