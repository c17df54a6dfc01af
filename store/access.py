"""Which graphs a reader may see: public ones, or also restricted ones (see CONVENTIONS.md)."""

from __future__ import annotations

from pyoxigraph import NamedNode

from .base import Store
from .namespaces import STAGING_PREFIX, TSR, DataIris


def restricted_graph_names(store: Store, iris: DataIris) -> set[str]:
    """Graphs marked `tsr:restricted true` in a provenance graph, plus the restricted log."""
    restricted_log = restricted_provenance_graph(iris)
    rows = store.query(
        f"SELECT DISTINCT ?g WHERE {{ GRAPH ?log {{ ?g <{TSR}restricted> true }} "
        f"VALUES ?log {{ {iris.provenance_graph} {restricted_log} }} }}",
        default_graph=[],
    )
    return {row["g"].value for row in rows} | {restricted_log.value}


def restricted_provenance_graph(iris: DataIris) -> NamedNode:
    return NamedNode(f"{iris.base}graph/provenance/restricted")


def visible_graphs(store: Store, iris: DataIris, *, include_restricted: bool) -> list[NamedNode]:
    """Named graphs a reader may query, sorted; never staging graphs."""
    hidden = set() if include_restricted else restricted_graph_names(store, iris)
    hidden |= graphs_being_loaded(store)
    return [name for name in store.graph_names() if name.value not in hidden]


def graphs_being_loaded(store: Store) -> set[str]:
    """Graphs a big first load is still filling (the embedded store's journal, see
    `EmbeddedStore.replace_graph`): no reader sees a half-loaded file."""
    rows = store.query(
        f"SELECT ?g WHERE {{ GRAPH <{STAGING_PREFIX}journal> {{ ?g <{STAGING_PREFIX}loading> ?x }} }}",
        default_graph=[],
    )
    return {row["g"].value for row in rows}
