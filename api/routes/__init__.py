"""One router module per resource; ROUTERS is the order the app mounts them in, which is
also the order a request's path is matched in: the most requested first (no two routers
share a path)."""

from __future__ import annotations

from fastapi import APIRouter

from . import (
    actors,
    dataset,
    graph_store,
    health,
    indicators,
    linked_data,
    named_queries,
    ontology_docs,
    partnerships,
    projects,
    publications,
    reconcile,
    search,
    sparql,
    vocabularies,
)

ROUTERS: list[APIRouter] = [
    health.router,
    sparql.router,
    linked_data.router,
    actors.router,
    projects.router,
    graph_store.router,
    dataset.router,
    publications.router,
    partnerships.router,
    indicators.router,
    vocabularies.router,
    search.router,
    named_queries.router,
    reconcile.router,
    ontology_docs.router,
]
