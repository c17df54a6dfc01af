"""`/api/actors`: TSR and ESR actors, filtered, paged; `/api/actors/{id}`: one actor's profile."""

from __future__ import annotations

from fastapi import APIRouter

from ..resources.routes import add_entity_route, add_list_route, minted

router = APIRouter(prefix="/api/actors", tags=["actors"])
add_list_route(router, "", query_name="api-actors", summary="Actors")
add_entity_route(router, "/{id}", iri_of=minted("actor"), what="actor",
                 summary="One actor's profile: identifiers, type, territory, projects, "
                 "partnerships, outputs, indicators")
