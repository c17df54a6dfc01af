"""`/health`: is the server up and can it read its store."""

from __future__ import annotations

from typing import NamedTuple

from fastapi import APIRouter, Request

from store.access import visible_graphs
from store.isolation import QueryPool
from store.namespaces import DataIris

from ..deps import get_store, may_see_restricted
from ..resources.entity_cache import entity_responses
from ..resources.kept_snapshot import KeptSnapshot
from ..resources.store_state import StoreState, request_mark
from ..sparql.execution import query_pool

router = APIRouter(tags=["service"])


class QuadCounts(NamedTuple):
    every: int  # the whole store: for readers with the read token
    public: int  # the default graph and the graphs an anonymous reader may query


class QuadCount(KeptSnapshot[QuadCounts]):
    """The store's size, counted again in the background when the store changes. Counting
    reads every quad (0.15 s of CPU at a million, growing with the store): done on every
    call, a health check every few seconds would cost a share of a core, and past some
    tens of millions of quads it would outlast the check's own timeout. The public count
    leaves out restricted sources (and graphs being loaded): their size is not public."""

    name = "quad-count"

    def __init__(self, state: StoreState, iris: DataIris) -> None:
        super().__init__(state)
        self._iris = iris

    def _read(self) -> QuadCounts:
        store = self._store
        public = store.query_count("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
                                   default_graph=[]) + sum(
            store.count(graph) for graph in
            visible_graphs(store, self._iris, include_restricted=False))
        return QuadCounts(store.count(), public)


def query_load(pool: QueryPool | None) -> tuple[str, str | None]:
    """"degraded" while queries wait for a query worker or every worker is busy."""
    if pool is None:
        return "ok", None
    stats = pool.stats()
    if stats.broken and stats.busy == 0 and stats.queued == 0:
        return "degraded", stats.broken
    if stats.queued:
        return "degraded", f"{stats.queued} queries wait for the {stats.workers} query workers"
    if stats.busy >= stats.workers:
        return "degraded", f"all {stats.workers} query workers are busy"
    return "ok", None


@router.get("/health", summary="Liveness and store check")
def health(request: Request) -> dict[str, object]:
    """Up, and the store answers a query (`status` "degraded", with a `reason`, while
    queries wait for a query worker or all of them are busy; `query_workers`: how many
    there are, are ready, run a query, and how many queries wait); its size (`quads`: null
    while it is being counted again after a write; without the read token, restricted
    sources left out); how often entity GETs were answered with a kept response since the
    server started (`entity_responses`: hits, misses, responses kept, bytes)."""
    store = get_store(request)
    bool(store.query("ASK { ?s ?p ?o }"))  # reads the store: raises if it cannot
    counts = request.app.state.services.quad_count.ready(mark=request_mark(request))
    kept = entity_responses(request)
    pool = query_pool(store)
    status, reason = query_load(pool)
    stats = pool.stats() if pool is not None else None
    return {"status": status, **({"reason": reason} if reason else {}), "backend": store.kind,
            **({"query_workers": {"workers": stats.workers, "ready": stats.ready,
                                  "busy": stats.busy, "queued": stats.queued}}
               if stats is not None else {}),
            "quads": None if counts is None else
            counts.every if may_see_restricted(request) else counts.public,
            "entity_responses": kept.stats()}
