"""`/api/partnerships`: partnerships between actors, filtered, paged."""

from __future__ import annotations

from fastapi import APIRouter

from ..resources.routes import add_list_route

router = APIRouter(prefix="/api/partnerships", tags=["partnerships"])
add_list_route(router, "", query_name="api-partnerships", summary="Partnerships")
