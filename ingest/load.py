"""Loading a source file's triples: staged in a hidden graph, then swapped in with its PROV-O
record in one commit, so a process killed at any point leaves the store as it was before
the load or, past the commit point, after it (an abandoned staging graph is invisible, and
the embedded store drops it, or finishes a committed swap, when next opened: see
store/embedded.py). On a remote store the swap is one update, so readers see the old graph
or the new one; on the embedded store the graph is emptied and refilled from the staging
graph after the commit point, and a reader at that moment may find it part-filled.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pyoxigraph import Literal, NamedNode, Triple

from store.access import restricted_provenance_graph
from store.base import Store
from store.embedded import NTriples
from store.namespaces import DCTERMS, PROV, RDF, RDFS, STAGING_PREFIX, TSR, XSD, DataIris

_XSD_INT = NamedNode(XSD + "integer")
_XSD_DATETIME = NamedNode(XSD + "dateTime")
_XSD_BOOL = NamedNode(XSD + "boolean")


@dataclass
class LoadRecord:
    """What the PROV-O record of one load says."""

    path: Path
    graph: NamedNode
    sheets: dict[str, int]
    triples_added: int
    triples_removed: int
    started: dt.datetime
    ended: dt.datetime
    restricted: bool
    shapes_version: str
    ontology_version: str
    sha256: str
    source_name: str = ""  # the source's identity (ingest/source_names.py)
    rows_rejected: int = 0  # by a --partial load: read, not loaded
    # the workspace account that published the file; empty: the system user running tsr
    agent: str = ""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


_Item = TypeVar("_Item")


class Counter:
    def __init__(self) -> None:
        self.count = 0

    def through(self, items: Iterable[_Item]) -> Iterator[_Item]:
        for item in items:
            self.count += 1
            yield item


def stage(store: Store, triples: Iterable[Triple] | NTriples) -> NamedNode:
    """Write `triples` to a fresh staging graph that no reader sees; returns its name."""
    staging = NamedNode(f"{STAGING_PREFIX}{uuid.uuid4()}")
    try:
        assert store.capabilities.text_loads or not isinstance(triples, NTriples), (
            "N-Triples text is for a store that takes it")
        store.stage(staging, triples)  # type: ignore[arg-type]  # text only where it is taken
    except BaseException:
        store.drop_graph(staging)
        raise
    return staging


def swap_in(store: Store, iris: DataIris, graph: NamedNode, staging: NamedNode,
            record: LoadRecord) -> None:
    """Replace `graph` by the staged triples, with the PROV record, in one commit.

    Embedded: the store's crash-safe swap (one small transaction is the commit point; the
    copy is finished at the next open if the process dies). Remote: one SPARQL update.
    """
    store.commit_staged(staging, graph, with_update=provenance_update(iris, record))


def provenance_update(iris: DataIris, record: LoadRecord) -> str:
    """The SPARQL update that writes a load's PROV record, and forgets the graph's old flag
    and its link to the load before (`graph prov:wasGeneratedBy` names the one load whose
    triples the graph holds; earlier loads stay, as `prov:generated` it). The store runs it
    in the load's commit transaction, so the record always matches the graph present."""
    provenance = restricted_provenance_graph(iris) if record.restricted else iris.provenance_graph
    body = "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in record_triples(iris, record))
    graph = record.graph
    forget = "".join(
        f"DELETE WHERE {{ GRAPH {log} {{ {graph} {predicate} ?old }} }} ;\n"
        for log in (iris.provenance_graph, restricted_provenance_graph(iris))
        for predicate in (f"<{TSR}restricted>", f"<{PROV}wasGeneratedBy>"))
    return forget + f"INSERT DATA {{ GRAPH {provenance} {{\n{body}\n}} }}"


def record_triples(iris: DataIris, record: LoadRecord) -> list[Triple]:
    activity = NamedNode(f"{iris.base}id/load/{uuid.uuid4()}")
    # the file as this load read it: two files with the same bytes are two records, each
    # with its own name (a node per checksum gave both names to both loads)
    source = NamedNode(f"{iris.base}id/file/{uuid.uuid4()}")
    software = NamedNode(f"{iris.base}id/agent/tsr-ingest")
    person = agent_node(iris, record.agent)
    g = record.graph

    def p(ns: str, name: str) -> NamedNode:
        return NamedNode(ns + name)

    def lit(value: str | int | bool | dt.datetime) -> Literal:
        if isinstance(value, bool):
            return Literal("true" if value else "false", datatype=_XSD_BOOL)
        if isinstance(value, int):
            return Literal(str(value), datatype=_XSD_INT)
        if isinstance(value, dt.datetime):
            return Literal(value.isoformat().replace("+00:00", "Z"), datatype=_XSD_DATETIME)
        return Literal(value)

    a = p(RDF, "type")
    triples = [
        Triple(g, a, p(TSR, "SourceGraph")), Triple(g, a, p(PROV, "Entity")),
        Triple(g, p(TSR, "restricted"), lit(record.restricted)),
        Triple(g, p(PROV, "wasGeneratedBy"), activity),
        Triple(g, p(PROV, "wasDerivedFrom"), source),
        Triple(source, a, p(PROV, "Entity")),
        Triple(source, p(DCTERMS, "title"), lit(record.path.name)),
        Triple(source, p(TSR, "sha256"), lit(record.sha256)),
        Triple(activity, a, p(PROV, "Activity")),
        Triple(activity, p(RDFS, "label"), lit(f"tsr ingest {record.path.name}")),
        Triple(activity, p(PROV, "used"), source),
        Triple(activity, p(PROV, "generated"), g),
        Triple(activity, p(PROV, "startedAtTime"), lit(record.started)),
        Triple(activity, p(PROV, "endedAtTime"), lit(record.ended)),
        Triple(activity, p(PROV, "wasAssociatedWith"), software),
        Triple(activity, p(PROV, "wasAssociatedWith"), person),
        Triple(activity, p(TSR, "rowCount"), lit(sum(record.sheets.values()) - record.rows_rejected)),
        Triple(activity, p(TSR, "triplesAdded"), lit(record.triples_added)),
        Triple(activity, p(TSR, "triplesRemoved"), lit(record.triples_removed)),
        Triple(activity, p(TSR, "shapesVersion"), lit(record.shapes_version)),
        Triple(activity, p(TSR, "ontologyVersion"), lit(record.ontology_version)),
        Triple(software, a, p(PROV, "SoftwareAgent")),
        Triple(software, p(RDFS, "label"), lit("tsr ingest")),
        Triple(person, a, p(PROV, "Person")),
        Triple(person, p(RDFS, "label"), lit(record.agent or _user())),
        Triple(software, p(PROV, "actedOnBehalfOf"), person),
    ]
    triples += [Triple(source, p(TSR, "sheet"), lit(name)) for name in record.sheets]
    if record.source_name:
        triples.append(Triple(activity, p(TSR, "sourceName"), lit(record.source_name)))
    return triples


def agent_node(iris: DataIris, account: str = "") -> NamedNode:
    """The person a write is attributed to: a workspace account (`account-NAME`), else the
    system user running the command (`user-NAME`)."""
    from store.namespaces import slug

    if account:
        return NamedNode(f"{iris.base}id/agent/account-{slug(account)}")
    return NamedNode(f"{iris.base}id/agent/user-{_user()}")


def _user() -> str:
    from store.namespaces import slug

    try:
        return slug(getpass.getuser()) or "unknown"
    except (OSError, KeyError):
        return "unknown"


def drop_source(store: Store, iris: DataIris, graph: NamedNode, agent: str = "") -> None:
    """Remove a source graph and its restricted flag, and record the drop (by the
    workspace account `agent`, when one asked); one update."""
    activity = NamedNode(f"{iris.base}id/drop/{uuid.uuid4()}")
    by = f" ; <{PROV}wasAssociatedWith> {agent_node(iris, agent)}" if agent else ""
    stamp = now().isoformat().replace("+00:00", "Z")
    restricted = f"<{TSR}restricted>"
    store.update(
        f"DROP SILENT GRAPH {graph} ;\n"
        f"DELETE WHERE {{ GRAPH {iris.provenance_graph} {{ {graph} {restricted} ?r }} }} ;\n"
        f"DELETE WHERE {{ GRAPH {restricted_provenance_graph(iris)} {{ {graph} {restricted} ?r }} }} ;\n"
        f"DELETE WHERE {{ GRAPH {iris.provenance_graph} {{ {graph} a <{TSR}SourceGraph> }} }} ;\n"
        f"DELETE WHERE {{ GRAPH {restricted_provenance_graph(iris)} {{ {graph} a <{TSR}SourceGraph> }} }} ;\n"
        f"INSERT DATA {{ GRAPH {iris.provenance_graph} {{ {activity} a <{PROV}Activity> ; "
        f"<{RDFS}label> \"tsr drop-source\" ; <{PROV}invalidated> {graph} ; "
        f"<{PROV}endedAtTime> \"{stamp}\"^^<{XSD}dateTime>{by} }} }}"
    )
