"""How links are written: the statements, the rule that made each one, and the PROV record.

A link is a statement (`actor owl:sameAs wd:Q…`, `actor tsr:ror "0…"`, `output tsr:author
actor`…) plus a reified copy of it that says which rule made it::

    <actor> owl:sameAs wd:Q42 ; schema:sameAs wd:Q42 .
    <{graph}/link/{hash}> a rdf:Statement ;
        rdf:subject <actor> ; rdf:predicate owl:sameAs ; rdf:object wd:Q42 ;
        tsr:matchRule "wikidata:siren-P1616" ;          # the rule
        tsr:matchedProperty tsr:siren ; tsr:matchedValue "812345674" ;   # the identifier
        tsr:matchScore 1.0 ;                            # name matches only
        prov:wasGeneratedBy <{graph}/run/{time}> .

So "which rule linked this actor to Wikidata" is a plain SPARQL query on the links graph.
Each run replaces the links graph in one step (`Store.replace_graph`) and then records the
run (`prov:Activity`: service, endpoint, times, counts) in `{base}graph/provenance`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pyoxigraph import Literal, NamedNode, Triple

from store import Store
from store.namespaces import DCTERMS, OWL, PROV, RDF, RDFS, SCHEMA, TSR, XSD, DataIris

SAME_AS = NamedNode(OWL + "sameAs")
SCHEMA_SAME_AS = NamedNode(SCHEMA + "sameAs")
_TYPE = NamedNode(RDF + "type")


def tsr(name: str) -> NamedNode:
    return NamedNode(TSR + name)


def prov(name: str) -> NamedNode:
    return NamedNode(PROV + name)


@dataclass(frozen=True)
class Link:
    """One statement a linker asserts, and why."""

    subject: NamedNode
    predicate: NamedNode
    object: NamedNode | Literal
    rule: str
    matched_property: NamedNode | None = None
    matched_value: str | None = None
    score: float | None = None


def same_as(subject: NamedNode, external: NamedNode, rule: str,
            matched_property: NamedNode | None = None, matched_value: str | None = None,
            score: float | None = None) -> list[Link]:
    """`owl:sameAs` for reasoners and SPARQL, `schema:sameAs` for the JSON-LD."""
    return [Link(subject, predicate, external, rule, matched_property, matched_value, score)
            for predicate in (SAME_AS, SCHEMA_SAME_AS)]


@dataclass
class LinkRun:
    """One run of one linker: its links, extra triples (new outputs…) and its PROV record."""

    service: str
    endpoint: str
    iris: DataIris
    links: list[Link] = field(default_factory=list)
    extra: list[Triple] = field(default_factory=list)
    reviewed: int = 0
    started: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def graph(self) -> NamedNode:
        return self.iris.links_graph(self.service)

    @property
    def activity(self) -> NamedNode:
        stamp = self.started.strftime("%Y%m%dT%H%M%S%fZ")
        return NamedNode(f"{self.graph.value}/run/{stamp}")

    def triples(self) -> Iterator[Triple]:
        seen: set[tuple[str, str, str]] = set()
        for link in self.links:
            yield from self._link_triples(link, seen)
        yield from self.extra

    def _link_triples(self, link: Link, seen: set[tuple[str, str, str]]) -> Iterator[Triple]:
        key = (str(link.subject), str(link.predicate), str(link.object))
        node = NamedNode(f"{self.graph.value}/link/{hashlib.sha1('|'.join(key).encode()).hexdigest()[:16]}")
        if key not in seen:
            seen.add(key)
            yield Triple(link.subject, link.predicate, link.object)
            yield Triple(node, _TYPE, NamedNode(RDF + "Statement"))
            yield Triple(node, NamedNode(RDF + "subject"), link.subject)
            yield Triple(node, NamedNode(RDF + "predicate"), link.predicate)
            yield Triple(node, NamedNode(RDF + "object"), link.object)
            yield Triple(node, prov("wasGeneratedBy"), self.activity)
        # the same statement found by two rules keeps both rules
        yield Triple(node, tsr("matchRule"), Literal(link.rule))
        if link.matched_property is not None:
            yield Triple(node, tsr("matchedProperty"), link.matched_property)
        if link.matched_value is not None:
            yield Triple(node, tsr("matchedValue"), Literal(link.matched_value))
        if link.score is not None:
            yield Triple(node, tsr("matchScore"),
                         Literal(f"{link.score:.3f}", datatype=NamedNode(XSD + "decimal")))

    def provenance(self, ended: datetime) -> list[Triple]:
        activity, graph = self.activity, self.graph
        # tsr:linkCount counts the owl:sameAs links (their schema:sameAs twins, the
        # identifiers and authors they bring are not counted again)
        distinct = {(str(link.subject), str(link.object))
                    for link in self.links if link.predicate == SAME_AS}
        return [
            Triple(activity, _TYPE, prov("Activity")),
            Triple(activity, _TYPE, tsr("LinkActivity")),
            Triple(activity, NamedNode(RDFS + "label"), Literal(f"tsr link {self.service}")),
            Triple(activity, prov("used"), NamedNode(self.endpoint)),
            Triple(activity, prov("startedAtTime"), _time(self.started)),
            Triple(activity, prov("endedAtTime"), _time(ended)),
            Triple(activity, prov("generated"), graph),
            Triple(activity, tsr("linkCount"), _integer(len(distinct))),
            Triple(activity, tsr("reviewCount"), _integer(self.reviewed)),
            Triple(graph, _TYPE, tsr("LinkGraph")),
            Triple(graph, _TYPE, prov("Entity")),
            Triple(graph, prov("wasGeneratedBy"), activity),
            Triple(graph, tsr("restricted"), Literal("false", datatype=NamedNode(XSD + "boolean"))),
            Triple(graph, NamedNode(DCTERMS + "modified"), _time(ended)),
        ]


def save_run(store: Store, run: LinkRun) -> int:
    """Replace the links graph with the run's triples, then record the run. Returns triples.

    Everything is computed before this is called, so a failed fetch never reaches here and
    the previous links graph stays as it was.
    """
    triples = list(run.triples())
    store.replace_graph(run.graph, triples)
    record = run.provenance(datetime.now(UTC))
    body = "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in record)
    provenance = run.iris.provenance_graph
    # the graph's own description is replaced; earlier runs stay as history
    store.update(
        f"DELETE WHERE {{ GRAPH {provenance} {{ {run.graph} ?p ?o }} }} ;\n"
        f"INSERT DATA {{ GRAPH {provenance} {{\n{body}\n}} }}"
    )
    return len(triples)


def _time(moment: datetime) -> Literal:
    return Literal(moment.isoformat().replace("+00:00", "Z"),
                   datatype=NamedNode(XSD + "dateTime"))


def _integer(value: int) -> Literal:
    return Literal(str(value), datatype=NamedNode(XSD + "integer"))


def distinct_subjects(links: Iterable[Link], predicate: NamedNode = SAME_AS) -> set[NamedNode]:
    return {link.subject for link in links if link.predicate == predicate}
