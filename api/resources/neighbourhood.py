"""One resource's neighbourhood, as the detail routes and the /id/ pages show it: the named
query api-entity (its statements and those of the resources pointing to it), then the
labels of every IRI those name (api-labels), so that links read as names.

Labels are kept between requests, two ways, both dropped as soon as the store's mark moves
(see store_state.py):

* every label of the store with the graph it comes from (`LabelIndex`), read once in the
  background while it fits in the `label_index_bytes` setting (33,381 labels in 13 MB at a
  million triples, 320,481 in 127 MB and 10-40 s of CPU at ten million): an entity then
  needs no label query at all. Most entities name at least one resource no earlier request
  named (a project, a partner), so a cache of past answers alone still asked the store for
  most requests (at ten million triples that query, about 25 IRIs, cost 1.6-2 ms of engine
  time, as much as the entity's own query; entity GETs cost 5.2 ms of server CPU without
  the index, 4.4 with it, the same run);
  beside it, the node each labelled resource makes in a document (`EveryLabel.framed`),
  framed on first use per reader graphs and language: a thousand documents embed the same
  concepts;
* until that index is ready, or when the store holds more labels than it may keep, the
  labels of the IRIs past requests named (`KnownLabels`), per reader graphs.

Either way a label from a restricted source never reaches an anonymous reader.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple

from store.namespaces import SKOS, TSR

from ..named_queries import NamedQuery, shipped_queries
from .context import published_context
from .framing import (
    Framer,
    GroupedStatements,
    Kind,
    Statement,
    UnusualJsonLd,
    statement_of,
    statements_of_triples,
)
from .kept_snapshot import KeptSnapshot
from .marked_lru import MarkedLRU
from .running import Reader
from .store_state import StoreState, graphs_key

# IRIs whose labels are kept (a few label triples each): every concept of the vocabularies
# and the actors, projects and networks most recently named.
LABEL_BUDGET = 50_000
LabelKey = tuple[tuple[str, ...] | None, NamedNode]
# The label properties of queries/api-labels.rq (a test holds the two together).
LABEL_PROPERTIES = (SKOS + "prefLabel", TSR + "name", TSR + "title", SKOS + "notation")
# Most framed label nodes kept beside the index (about 400 bytes each, 20 MB at most): a
# concept, a project or an actor, in each reader language and set of graphs (32,151 IRIs
# have labels at a million triples).
LABEL_NODES_BUDGET = 50_000
INCOMING_LIMIT_HEADER = "TSR-Incoming-Limit"


# Past this much JSON-LD, an entity is read again triple by triple (and cut at the
# incoming limit): a hub's document is megabytes.
ENTITY_DOCUMENT_BYTES = 2_000_000


@dataclass
class Neighbourhood:
    """What an entity's document shows: its statements, those of the resources pointing to
    it, and the labels of what they name, as triples or (`as_statements`) grouped for the
    framing. `cut`: more resources point to it than the `incoming_limit` setting, and
    only the first ones are here."""
    triples: list[Triple]
    grouped: GroupedStatements | None = None
    cut: bool = False

    @property
    def empty(self) -> bool:
        return not (self.triples or (self.grouped is not None and self.grouped.forward))


class _DocumentTooBig(Exception):
    pass


class _BoundedSink:
    """Where the engine writes an entity's JSON-LD; refuses more than `limit` bytes."""

    def __init__(self, limit: int) -> None:
        self.parts: list[bytes] = []
        self.size = 0
        self.limit = limit

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise _DocumentTooBig
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def neighbourhood(reader: Reader, labels: Labels, iri: NamedNode,
                  query: NamedQuery | None = None, *, as_statements: bool = False,
                  lang: str | None = None) -> Neighbourhood:
    """`query` (api-entity) about `iri`, with the labels of what it names (from `labels`);
    empty when the reader sees nothing about `iri`. With `lang` (the document's language),
    the labels of the resources it names may come framed already.

    A hub (a network with 26,840 memberships at a million triples: 9 MB and 6 s) is cut at
    the `incoming_limit`-th resource pointing to it: reading stops there, so the engine
    stops too. The engine joins each pointing resource with its statements in turn, so
    each resource kept comes with all its statements."""
    query = query or shipped_queries()["api-entity"]
    result = reader.run(query, {"_item": iri})
    serialize = getattr(result, "serialize", None)  # a remote store's triples cannot
    if as_statements and serialize is not None:
        whole = _from_document(reader, labels, iri, serialize, lang)
        if whole is not None:
            return whole
        result = reader.run(query, {"_item": iri})  # read again, triple by triple
    found = _from_triples(reader, labels, iri, result)
    # read whole: dropped here, in their thread (an engine's results may not be dropped in
    # another, as they would be with the frames of an error raised below)
    del result, serialize
    if as_statements:
        found.grouped = GroupedStatements(statements_of_triples(found.triples))
    return found


def _from_document(reader: Reader, labels: Labels, iri: NamedNode, serialize: Any,
                   lang: str | None) -> Neighbourhood | None:
    """The neighbourhood grouped for the framing from the JSON-LD the engine writes in one
    call (`serialize`: the query result's; a quarter less CPU than reading the triples one
    by one); None for a document past ENTITY_DOCUMENT_BYTES or the incoming limit, or
    holding a value the reader does not know (read triple by triple then, and cut)."""
    sink = _BoundedSink(ENTITY_DOCUMENT_BYTES)
    grouped = GroupedStatements()
    try:
        serialize(sink, RdfFormat.JSON_LD)
        named = grouped.add_jsonld(orjson.loads(b"".join(sink.parts)))
    except (_DocumentTooBig, UnusualJsonLd):
        return None
    except OSError:  # a statement JSON-LD cannot carry (an RDF 1.2 triple term)
        return None
    item = iri.value
    if item not in grouped.forward:
        return Neighbourhood([])
    if len(grouped.forward) - 1 > reader.settings.incoming_limit:
        return None
    # The document holds every statement of its subjects (the item and the resources
    # pointing to it), labels included: only the other IRIs need theirs.
    named.difference_update(grouped.forward)
    if named:
        labels.add_to(grouped, reader, named, lang)
    return Neighbourhood([], grouped)


def _from_triples(reader: Reader, labels: Labels, iri: NamedNode, triples: Any) -> Neighbourhood:
    """The neighbourhood read triple by triple from `triples` (the query's result), cut at
    the incoming limit.

    Where the engine gives a CONSTRUCT in its solutions' order (the item's statements
    first, then each pointing resource's), reading stops at the cut, and the engine with
    it; elsewhere the cut keeps reading to the end, for the item's statements and those of
    the resources kept may come after it."""
    limit = reader.settings.incoming_limit
    stops_at_cut = reader.store.capabilities.constructs_in_solution_order
    found = Neighbourhood([])
    incoming: set[str] = set()
    item = iri.value  # compared as text: a str keeps its hash, a pyoxigraph term does not
    for triple in triples:
        subject = triple.subject.value
        if subject != item and subject not in incoming:
            if len(incoming) == limit:
                found.cut = True
                if stops_at_cut:
                    break
                continue
            incoming.add(subject)
        found.triples.append(triple)
    kept = found.triples
    if not any(triple.subject == iri for triple in kept):
        return Neighbourhood([])
    named = {triple.object for triple in kept if isinstance(triple.object, NamedNode)}
    named.discard(iri)  # its own labels are among its statements
    if named:
        kept.extend(labels.of(reader, named))
    return found


def incoming_headers(found: Neighbourhood, limit: int) -> dict[str, str]:
    """The response header saying a document was cut at the incoming limit (`limit`: the
    `incoming_limit` setting)."""
    if not found.cut:
        return {}
    return {INCOMING_LIMIT_HEADER: str(limit)}


def labels_query(iris: Iterable[NamedNode]) -> NamedQuery:
    """api-labels for every IRI of `iris` at once: `?_item` takes them from a trailing
    VALUES block of N-Triples terms (escaped by pyoxigraph, never raw request text)."""
    labels = shipped_queries()["api-labels"]
    values = " ".join(sorted(str(iri) for iri in iris))
    return dataclasses.replace(labels, text=f"{labels.text}\nVALUES ?_item {{ {values} }}")


class KnownLabels:
    """Label triples by reader graphs and IRI (an empty list: it has none); least recently
    used first out, within `LABEL_BUDGET` IRIs (marked_lru.py)."""

    def __init__(self, state: StoreState, budget: int = LABEL_BUDGET) -> None:
        self._state = state
        self._labels: MarkedLRU[list[Triple]] = MarkedLRU(budget)
        self.reads = 0  # label queries sent to the store: tests watch it

    def of(self, reader: Reader, iris: Iterable[NamedNode]) -> list[Triple]:
        """The label triples of `iris` this reader may see."""
        mark = reader.mark  # read before any data, so a write meanwhile is not kept
        graphs = graphs_key(reader.graphs)
        wanted = list(iris)
        found: list[Triple] = []
        missing: list[NamedNode] = []
        for iri, kept in zip(wanted, self._labels.get_many([(graphs, iri) for iri in wanted],
                                                           mark), strict=True):
            if kept is None:
                missing.append(iri)
            else:
                found.extend(kept)
        if not missing:
            return found
        read: dict[NamedNode, list[Triple]] = defaultdict(list)
        for triple in reader.run(labels_query(missing), {}):
            read[triple.subject].append(triple)
        self.reads += 1
        self._labels.put_many([((graphs, iri), read.get(iri, [])) for iri in missing], mark)
        for triples in read.values():
            found.extend(triples)
        return found


# One label of the index: (graph, subject, predicate, text, kind, target), a statement
# (framing.py) after its graph, every part but the text shared with other labels.
LabelEntry = tuple[str, str, str, str, Kind, str | None]


@dataclass(frozen=True)
class EveryLabel:
    """Label statements by subject IRI, each with the graph it is in; `complete` is False
    when the store held more than the index may keep (then nothing is kept)."""
    by_subject: dict[str, tuple[LabelEntry, ...]]
    complete: bool
    # (IRI, reader graphs, language) -> its framed label node, or None: see `framed`
    _framed: dict[tuple[str, tuple[str, ...] | None, str], dict[str, Any] | None] = field(
        default_factory=dict, compare=False, repr=False)

    def framed(self, iri: str, graphs: Sequence[NamedNode] | None, lang: str, *,
               graphs_id: tuple[str, ...] | None) -> dict[str, Any] | None:
        """The JSON-LD node of `iri` made of its labels in `graphs` and in `lang`, as every
        document naming it embeds it (a concept, a project: one document names a dozen,
        and a thousand documents name the same ones); framed once per store state
        (`graphs_id`: the graphs as a key), for the first LABEL_NODES_BUDGET nodes.

        None when it has no label there (a reference then), when a label of it is a
        resource, not a literal (the document frames it, with what else it holds), or when
        it is not kept and no more may be (the document frames its labels then: one
        framing for all, cheaper than one per resource)."""
        key = (iri, graphs_id, lang)
        if key in self._framed:
            return self._framed[key]
        if len(self._framed) >= LABEL_NODES_BUDGET:
            return None
        statements = self.statements_of([iri], graphs)
        node = None
        if statements and all(statement[4] is None for statement in statements):
            grouped = GroupedStatements(statements)
            grouped.keep_language(lang)
            node = Framer(published_context(), grouped).frame([NamedNode(iri)])[0]
        self._framed[key] = node  # (a dict write is atomic across threads)
        return node

    def of(self, iris: Iterable[NamedNode], graphs: Sequence[NamedNode] | None) -> list[Triple]:
        """The labels of `iris` in `graphs` (None: every graph)."""
        return [Triple(NamedNode(statement[0]), NamedNode(statement[1]), term_of(statement))
                for statement in self.statements_of((iri.value for iri in iris), graphs)]

    def statements_of(self, iris: Iterable[str], graphs: Sequence[NamedNode] | None
                      ) -> list[Statement]:
        """`of` as statements, for IRIs given as text."""
        visible = None if graphs is None else {graph.value for graph in graphs}
        return [entry[1:] for iri in iris for entry in self.by_subject.get(iri, ())
                if visible is None or entry[0] in visible]


def term_of(statement: Statement) -> Literal | NamedNode | BlankNode:
    """The object of `statement` as a term again."""
    kind = statement[3]
    if kind == "iri":
        return NamedNode(statement[2])
    if isinstance(kind, str):  # "node"
        return BlankNode(statement[2].removeprefix("_:"))
    _, language, datatype = kind
    if language:
        return Literal(statement[2], language=language)
    return Literal(statement[2], datatype=NamedNode(datatype))


# What a label costs the index beyond its text, and a subject beyond its IRI, in bytes:
# the tuples, the dictionary's slot, the strings' headers (measured with tracemalloc at a
# million triples: 33,381 labels of 32,403 subjects in 13.2 MB, 396 bytes a label)
_LABEL_BYTES = 140
_SUBJECT_BYTES = 145


class LabelIndex(KeptSnapshot[EveryLabel]):
    """Every label of the store, rebuilt in the background when the store changes, if it
    fits in `budget` bytes (the `label_index_bytes` setting)."""

    name = "label-index"

    def __init__(self, state: StoreState, budget: int) -> None:
        super().__init__(state)
        self.budget = budget

    def _read(self) -> EveryLabel:
        # VALUES, not FILTER IN: one index read per property instead of a scan of every
        # quad (0.4-0.7 s against 2.5-3.9 s at a million triples)
        properties = " ".join(f"<{p}>" for p in LABEL_PROPERTIES)
        rows = self._store.query(
            f"SELECT ?g ?s ?p ?o WHERE {{ VALUES ?p {{ {properties} }} GRAPH ?g {{ ?s ?p ?o }} "
            "FILTER(isIRI(?s)) }", default_graph=[])
        by_subject: dict[str, list[LabelEntry]] = defaultdict(list)
        shared: dict[Any, Any] = {}  # one object per graph, predicate and kind
        cost = 0
        for row in rows:
            subject = row["s"].value
            graph = row["g"].value
            _, predicate, text, kind, target = statement_of(Triple(row["s"], row["p"], row["o"]))
            entries = by_subject[subject]
            cost += _LABEL_BYTES + len(text) + (0 if entries else _SUBJECT_BYTES + len(subject))
            if cost > self.budget:
                return EveryLabel({}, complete=False)
            entries.append((shared.setdefault(graph, graph), subject,
                            shared.setdefault(predicate, predicate), text,
                            shared.setdefault(kind, kind), target))
        return EveryLabel({subject: tuple(entries) for subject, entries in by_subject.items()},
                          complete=True)


class Labels:
    """The labels of what documents name, for a reader: from the index of every label once
    it is built (and complete), else from the labels past requests asked for (a service:
    api/services.py)."""

    def __init__(self, state: StoreState, index_budget: int) -> None:
        self.index = LabelIndex(state, index_budget)
        self.known = KnownLabels(state)

    def complete_index(self, reader: Reader) -> EveryLabel | None:
        """The index of every label if it is up to date and holds them all, else None."""
        every_label = self.index.ready(mark=reader.mark)
        return every_label if every_label is not None and every_label.complete else None

    def of(self, reader: Reader, iris: Iterable[NamedNode]) -> list[Triple]:
        """The label triples of `iris` this reader may see."""
        every_label = self.complete_index(reader)
        if every_label is not None:
            return every_label.of(iris, reader.graphs)
        return self.known.of(reader, iris)

    def add_to(self, grouped: GroupedStatements, reader: Reader, iris: set[str],
               lang: str | None) -> None:
        """The labels of `iris` this reader may see, added to `grouped`; framed already
        when they can be."""
        every_label = self.complete_index(reader)
        if every_label is None:
            grouped.add(statements_of_triples(self.known.of(reader, map(NamedNode, iris))))
            return
        graphs = reader.graphs
        graphs_id = graphs_key(graphs)
        for iri in iris:
            node = None if lang is None else every_label.framed(iri, graphs, lang,
                                                                graphs_id=graphs_id)
            if node is not None:
                grouped.embedded[iri] = node
            else:
                grouped.add(every_label.statements_of([iri], graphs))


async def labels_service(request: Request) -> Labels:
    """The app's labels (a dependency; `async`: FastAPI calls it on the event loop, with no
    thread hop, and it only reads an attribute)."""
    labels: Labels = request.app.state.services.labels
    return labels


LabelsOf = Annotated[Labels, Depends(labels_service)]
