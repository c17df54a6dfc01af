"""`/health`: is the server up and can it read its store."""

from __future__ import annotations

from fastapi import APIRouter, Request

from ..deps import app_singleton, get_store
from ..resources.kept_snapshot import KeptSnapshot
from ..resources.store_state import request_mark, store_state

router = APIRouter(tags=["service"])


class QuadCount(KeptSnapshot[int]):
    """The store's size, counted again in the background when the store changes. Counting
    reads every quad (0.15 s of CPU at a million, growing with the store): done on every
    call, a health check every few seconds would cost a share of a core, and past some
    tens of millions of quads it would outlast the check's own timeout."""

    name = "quad-count"

    def _read(self) -> int:
        return self._store.count()


@router.get("/health", summary="Liveness and store check")
def health(request: Request) -> dict[str, object]:
    """Up, and the store answers a query; its size (`quads`: null while it is being
    counted again after a write); how often entity GETs were answered with a kept response
    since the server started (`entity_responses`: hits, misses, responses kept, bytes)."""
    store = get_store(request)
    bool(store.query("ASK { ?s ?p ?o }"))  # reads the store: raises if it cannot
    count = app_singleton(request, "quad_count", lambda: QuadCount(store_state(request)))
    kept = getattr(request.app.state, "entity_responses", None)
    return {"status": "ok", "backend": store.kind,
            "quads": count.ready(mark=request_mark(request)),
            "entity_responses": kept.stats() if kept is not None else
            {"kept": 0, "bytes": 0, "hits": 0, "misses": 0}}
