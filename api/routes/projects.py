"""`/api/projects`: projects, filtered, paged; `/api/projects/{id}`: one project."""

from __future__ import annotations

from fastapi import APIRouter

from ..resources.routes import add_entity_route, add_list_route, minted

router = APIRouter(prefix="/api/projects", tags=["projects"])
add_list_route(router, "", query_name="api-projects", summary="Projects")
add_entity_route(router, "/{id}", iri_of=minted("project"), what="project",
                 summary="One project with its participations, fundings and outputs")
