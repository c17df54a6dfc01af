"""Turning API responses back into RDF: JSON-LD through pyld (a JSON-LD processor that is
not ours), Turtle through pyoxigraph, and the reader-visible data of the store to compare."""

from __future__ import annotations

import json
from typing import Any

from pyld import jsonld
from pyoxigraph import NamedNode, RdfFormat, Triple, parse

from api.resources.context import context_bytes
from store import Store
from store.access import visible_graphs
from store.namespaces import DataIris
from tests.api.conftest import AppClient

CONTEXT = json.loads(context_bytes())


def _load_document(url: str, options: Any = None) -> dict[str, Any]:
    if not url.endswith("/context.jsonld"):
        raise ValueError(f"unexpected remote document {url}")
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
            "document": CONTEXT}


def jsonld_triples(document: dict[str, Any]) -> set[Triple]:
    """The triples a JSON-LD processor reads in `document`."""
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads",
                                      "documentLoader": _load_document})
    return {Triple(q.subject, q.predicate, q.object)
            for q in parse(nquads.encode(), RdfFormat.N_QUADS)}


def turtle_triples(body: bytes) -> set[Triple]:
    return {Triple(q.subject, q.predicate, q.object) for q in parse(body, RdfFormat.TURTLE)}


def visible_data(api: AppClient, *, restricted: bool = False) -> set[Triple]:
    """Every triple an anonymous reader (or a read-token holder) may see."""
    store: Store = api.app.state.store
    graphs = visible_graphs(store, DataIris(api.app.state.settings.base_iri),
                            include_restricted=restricted)
    return set(store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", default_graph=graphs))


def without_page(triples: set[Triple], document: dict[str, Any]) -> set[Triple]:
    """The triples about the data: not those about a list page (its `@id` is the URL)."""
    page = document.get("@id")
    if page is None:
        return triples
    return {t for t in triples if t.subject != NamedNode(page)}
