"""Loaded sources as their PROV records describe them (`tsr sources`, `tsr drop-source`)."""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import NamedNode

from store.access import restricted_provenance_graph
from store.base import Store
from store.namespaces import DCTERMS, PROV, TSR, DataIris, slug
from store.rdf_files import BadInputError

from .load import drop_source


@dataclass
class Source:
    graph: str
    file: str
    sha256: str
    rows: int
    triples: int
    loaded_at: str
    restricted: bool


def list_sources(store: Store, iris: DataIris) -> list[Source]:
    """Every source graph with its latest load, sorted by file name."""
    rows = store.query(
        f"""SELECT ?g ?file ?sha ?rows ?added ?ended ?restricted WHERE {{
          GRAPH ?log {{
            ?g a <{TSR}SourceGraph> ; <{TSR}restricted> ?restricted .
            ?load <{PROV}generated> ?g ; <{PROV}endedAtTime> ?ended ;
                  <{PROV}used> ?file_node ; <{TSR}rowCount> ?rows ; <{TSR}triplesAdded> ?added .
            ?file_node <{DCTERMS}title> ?file ; <{TSR}sha256> ?sha .
          }}
          VALUES ?log {{ {iris.provenance_graph} {restricted_provenance_graph(iris)} }}
        }} ORDER BY ?file DESC(?ended)""",
        default_graph=[],
    )
    latest: dict[str, Source] = {}
    for row in rows:
        graph = row["g"].value
        if graph in latest:
            continue
        latest[graph] = Source(graph, row["file"].value, row["sha"].value,
                               int(row["rows"].value), int(row["added"].value),
                               row["ended"].value, row["restricted"].value == "true")
    return sorted(latest.values(), key=lambda s: s.file)


def drop_named_source(store: Store, iris: DataIris, name: str) -> Source:
    """Drop the source named by its file name, its graph IRI or its slug."""
    sources = list_sources(store, iris)
    for source in sources:
        if name in (source.file, source.graph) or slug(name) == source.graph.rsplit("/", 1)[-1]:
            drop_source(store, iris, NamedNode(source.graph))
            return source
    known = ", ".join(s.file for s in sources) or "none loaded"
    raise BadInputError(f"no loaded source named {name!r} (sources: {known})")
