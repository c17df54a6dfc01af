"""`/api/publications`: publications and other outputs, filtered, paged."""

from __future__ import annotations

from fastapi import APIRouter

from ..resources.routes import add_list_route

router = APIRouter(prefix="/api/publications", tags=["publications"])
add_list_route(router, "", query_name="api-publications", summary="Publications and outputs")
