"""`/health`: is the server up and can it read its store."""

from __future__ import annotations

from fastapi import APIRouter, Request

router = APIRouter(tags=["service"])


@router.get("/health", summary="Liveness and store check")
def health(request: Request) -> dict[str, object]:
    store = request.app.state.store
    return {"status": "ok", "backend": store.kind, "quads": store.count()}
