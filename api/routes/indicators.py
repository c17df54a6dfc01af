"""`/api/indicators`: indicator observations by actor and year, filtered, paged."""

from __future__ import annotations

from fastapi import APIRouter

from ..resources.routes import add_list_route

router = APIRouter(prefix="/api/indicators", tags=["indicators"])
add_list_route(router, "", query_name="api-indicators", summary="Indicator observations")
