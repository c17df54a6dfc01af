"""One router module per resource; ROUTERS is the order the app mounts them in."""

from __future__ import annotations

from fastapi import APIRouter

from . import dataset, graph_store, health, home, sparql

ROUTERS: list[APIRouter] = [
    health.router,
    sparql.router,
    graph_store.router,
    dataset.router,
    home.router,
]
