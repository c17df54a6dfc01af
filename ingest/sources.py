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
    # the source's identity (folder/file, or as given); a graph loaded before sources had
    # one is named by its file alone
    name: str = ""


def list_sources(store: Store, iris: DataIris, graph: NamedNode | None = None) -> list[Source]:
    """Every source graph (or just `graph`) with the load whose triples it holds, sorted by
    name (a store written before loads replaced the graph's `prov:wasGeneratedBy` link may
    name several: the latest counts)."""
    only = f"VALUES ?g {{ {graph} }}" if graph is not None else ""
    rows = store.query(
        f"""SELECT ?g ?name ?file ?sha ?rows ?added ?ended ?restricted WHERE {{
          {only}
          GRAPH ?log {{
            ?g a <{TSR}SourceGraph> ; <{TSR}restricted> ?restricted .
            ?g <{PROV}wasGeneratedBy> ?load .
            ?load <{PROV}endedAtTime> ?ended ;
                  <{PROV}used> ?file_node ; <{TSR}rowCount> ?rows ; <{TSR}triplesAdded> ?added .
            ?file_node <{DCTERMS}title> ?file ; <{TSR}sha256> ?sha .
            OPTIONAL {{ ?load <{TSR}sourceName> ?name }}
          }}
          VALUES ?log {{ {iris.provenance_graph} {restricted_provenance_graph(iris)} }}
        }} ORDER BY ?g DESC(?ended)""",
        default_graph=[],
    )
    latest: dict[str, Source] = {}
    for row in rows:
        found = row["g"].value
        if found in latest:
            continue
        file = row["file"].value
        latest[found] = Source(found, file, row["sha"].value, int(row["rows"].value),
                               int(row["added"].value), row["ended"].value,
                               row["restricted"].value == "true",
                               row["name"].value if row["name"] is not None else file)
    return sorted(latest.values(), key=lambda s: (s.name, s.graph))


def drop_named_source(store: Store, iris: DataIris, name: str) -> Source:
    """Drop the source named by its name, its graph IRI, its slug or its file's name (when
    one source alone holds a file of that name)."""
    sources = list_sources(store, iris)
    exact = [s for s in sources if name in (s.name, s.graph)
             or slug(name) == s.graph.rsplit("/", 1)[-1]]
    found = exact or [s for s in sources if s.file == name]
    if len(found) > 1:
        raise BadInputError(f"{len(found)} sources hold a file named {name!r}: "
                            f"{', '.join(s.name for s in found)}; name one of them")
    if found:
        drop_source(store, iris, NamedNode(found[0].graph))
        return found[0]
    known = ", ".join(s.name for s in sources) or "none loaded"
    raise BadInputError(f"no loaded source named {name!r} (sources: {known})")
