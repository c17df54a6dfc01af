"""`/api/search?q=`: names, titles, codes and identifiers, ignoring case and accents."""

from __future__ import annotations

from fastapi import APIRouter

from ..resources.routes import add_list_route

router = APIRouter(prefix="/api/search", tags=["search"])
add_list_route(router, "", query_name="api-search", summary="Search")
