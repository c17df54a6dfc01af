"""`/health`: is the server up and can it read its store."""

from __future__ import annotations

from fastapi import APIRouter, Request

router = APIRouter(tags=["service"])


@router.get("/health", summary="Liveness and store check")
def health(request: Request) -> dict[str, object]:
    """Up, the store's size, and how often entity GETs were answered with a kept response
    since the server started (`entity_responses`: hits, misses, responses kept, bytes)."""
    store = request.app.state.store
    kept = getattr(request.app.state, "entity_responses", None)
    return {"status": "ok", "backend": store.kind, "quads": store.count(),
            "entity_responses": kept.stats() if kept is not None else
            {"kept": 0, "bytes": 0, "hits": 0, "misses": 0}}
