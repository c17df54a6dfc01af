"""`/api/vocabularies`: the SKOS schemes; `/api/vocabularies/{scheme}`: one scheme and its
concepts (labels in the language asked)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pyoxigraph import NamedNode

from store.namespaces import TSRV

from ..resources.routes import add_entity_route, add_list_route

router = APIRouter(prefix="/api/vocabularies", tags=["vocabularies"])


def scheme_iri(request: Request, scheme: str) -> NamedNode:
    return NamedNode(TSRV + scheme)


add_list_route(router, "", query_name="api-vocabularies", summary="Controlled vocabularies")
add_entity_route(router, "/{id}", iri_of=scheme_iri, what="vocabulary",
                 summary="One controlled vocabulary with its concepts")
