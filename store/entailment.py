"""Materialised classes: every entity carries `rdf:type` for each of its classes up the
model's hierarchy, so plain SPARQL (`?a a tsr:TSRActor`) finds it.

Two rules of the installed model make the types an entity gets:

* `C rdfs:subClassOf D` (transitively): an entity of class C is of class D;
* `K tsr:impliesClass C` on a vocabulary concept: an entity that has K as a value (its
  actor type) is of class C, and of C's superclasses.

Only the model's own classes (`tsr:`) are written. The alignments to other vocabularies
(`foaf:Agent`, `schema:Organization`...) stay in the model graph for reasoners and for
queries that follow `rdfs:subClassOf`; written on every entity they would add several
triples each and types outside the published JSON-LD context.

The ingest writes the types of each entity as it maps its row (so replacing a source
replaces its types); `tsr load` of raw RDF writes them for the graphs it loaded, and the
Graph Store Protocol for the triples it is sent; `install_model` rewrites them in every
graph when the installed hierarchy changes; and `tsr materialise` writes whatever is
missing. A SPARQL update is stored as it is sent: running the rules over a whole store is
too slow to follow every update (bench/query-notes.md), so an update writes the classes
itself, or `materialise_update`'s text follows it. The types live in the entity's own
graph, so a restricted source's types stay as restricted as the rest of it.

>>> rules = TypeRules.build({TSR + "B": {TSR + "A"}, TSR + "C": {TSR + "B", "x:Ext"}}, {})
>>> [t.removeprefix(TSR) for t in rules.closed([TSR + "C"])]
['C', 'A', 'B']
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from pyoxigraph import NamedNode, Triple

from .base import Store
from .namespaces import PROV, RDF, RDFS, TSR

_SUBCLASS = RDFS + "subClassOf"
_IMPLIES = TSR + "impliesClass"
_TYPE = RDF + "type"


def closure(start: str, parents: Mapping[str, Iterable[str]]) -> set[str]:
    """`start` and everything above it through `parents` (class -> direct superclasses, or
    property -> direct superproperties)."""
    seen = {start}
    todo = [start]
    while todo:
        for parent in parents.get(todo.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


@dataclass(frozen=True)
class TypeRules:
    """What the model says about classes: each class's strict superclasses (the model's own)
    and the class each concept implies."""

    superclasses: Mapping[str, frozenset[str]]
    implied: Mapping[str, str]
    _closed: dict[tuple[str, ...], list[str]] = field(
        default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, parents: Mapping[str, Iterable[str]], implied: Mapping[str, str]
              ) -> TypeRules:
        """From `class -> direct superclasses` and `concept -> implied class`."""
        superclasses = {}
        for start in parents:
            ours = frozenset(c for c in closure(start, parents) - {start} if c.startswith(TSR))
            if ours:
                superclasses[start] = ours
        return cls(superclasses, dict(implied))

    @classmethod
    def of(cls, triples: Iterable[Triple]) -> TypeRules:
        """The rules of a model given as triples (the ontology and the vocabularies)."""
        parents: dict[str, set[str]] = {}
        implied: dict[str, str] = {}
        for triple in triples:
            s, p, o = triple.subject, triple.predicate.value, triple.object
            if not (isinstance(s, NamedNode) and isinstance(o, NamedNode)):
                continue
            if p == _SUBCLASS:
                parents.setdefault(s.value, set()).add(o.value)
            elif p == _IMPLIES:
                implied[s.value] = o.value
        return cls.build(parents, implied)

    @classmethod
    def installed(cls, store: Store, model_graph: NamedNode) -> TypeRules:
        """The rules of the model graph as the store holds it now (empty when none is)."""
        rows = store.query(
            f"SELECT ?s ?p ?o WHERE {{ GRAPH {model_graph} {{ ?s ?p ?o }} "
            f"VALUES ?p {{ <{_SUBCLASS}> <{_IMPLIES}> }} }}")
        return cls.of(Triple(row["s"], row["p"], row["o"]) for row in rows)

    def closed(self, types: list[str]) -> list[str]:
        """`types`, then the superclasses they lack (sorted), each once."""
        key = tuple(types)
        found = self._closed.get(key)
        if found is None:
            extra = set().union(*(self.superclasses.get(t, ()) for t in types)) - set(types)
            found = self._closed[key] = [*dict.fromkeys(types), *sorted(extra)]
        return found

    def subclass_pairs(self) -> set[tuple[str, str]]:
        return {(c, s) for c, sups in self.superclasses.items() for s in sups}

    def implied_pairs(self) -> set[tuple[str, str]]:
        """(concept, class) for the implied class and each of its superclasses."""
        return {(k, c) for k, implied in self.implied.items()
                for c in (implied, *self.superclasses.get(implied, ()))}


def entailed_triples(triples: list[Triple], rules: TypeRules) -> Iterator[Triple]:
    """The type triples `triples` lack (for a dataset built in memory, e.g. a benchmark's)."""
    asserted: dict[NamedNode, list[str]] = {}
    implied: dict[NamedNode, list[str]] = {}
    for triple in triples:
        if isinstance(triple.subject, NamedNode) and isinstance(triple.object, NamedNode):
            if triple.predicate.value == _TYPE:
                asserted.setdefault(triple.subject, []).append(triple.object.value)
            elif triple.object.value in rules.implied:
                implied.setdefault(triple.subject, []).append(rules.implied[triple.object.value])
    for subject in dict.fromkeys([*asserted, *implied]):
        have = set(asserted.get(subject, ()))
        for cls in rules.closed([*asserted.get(subject, ()), *implied.get(subject, ())]):
            if cls not in have:
                yield Triple(subject, NamedNode(_TYPE), NamedNode(cls))


def materialise_update(rules: TypeRules, model_graph: NamedNode,
                       graphs: Iterable[NamedNode] | None = None,
                       previous: TypeRules | None = None) -> str:
    """The SPARQL update that writes the missing types in `graphs` (default: every graph
    but the model's); with `previous`, it first removes the types the previous rules gave
    and the new ones no longer do (they come back if another rule still gives them)."""
    where = f"FILTER (?g != {model_graph})"
    if graphs is not None:
        where = f"VALUES ?g {{ {' '.join(str(g) for g in graphs)} }}"
    parts = []
    if previous is not None:
        gone = previous.implied_pairs() - rules.implied_pairs()
        if gone:
            parts.append(
                f"DELETE {{ GRAPH ?g {{ ?s a ?class }} }} WHERE {{ {_values(gone, 'concept')} "
                f"GRAPH ?g {{ ?s ?p ?concept . ?s a ?class }} {where} }}")
        gone = previous.subclass_pairs() - rules.subclass_pairs()
        if gone:
            parts.append(
                f"DELETE {{ GRAPH ?g {{ ?s a ?super }} }} WHERE {{ {_values(gone, 'class', 'super')} "
                f"GRAPH ?g {{ ?s a ?class , ?super }} {where} }}")
    implied = rules.implied_pairs()
    if implied:
        parts.append(
            f"INSERT {{ GRAPH ?g {{ ?s a ?class }} }} WHERE {{ {_values(implied, 'concept')} "
            f"GRAPH ?g {{ ?s ?p ?concept }} {where} }}")
    pairs = rules.subclass_pairs()
    if pairs:
        parts.append(
            f"INSERT {{ GRAPH ?g {{ ?s a ?super }} }} WHERE {{ {_values(pairs, 'class', 'super')} "
            f"GRAPH ?g {{ ?s a ?class }} {where} }}")
    return " ;\n".join(parts)


def materialise(store: Store, rules: TypeRules, model_graph: NamedNode,
                graphs: Iterable[NamedNode] | None = None,
                previous: TypeRules | None = None) -> None:
    """Write the missing types (see `materialise_update`) in one update, which also keeps
    the load records of the graphs it touches true (`recount_records_update`)."""
    chosen = None if graphs is None else list(graphs)
    update = materialise_update(rules, model_graph, chosen, previous)
    if update:
        store.update(update + " ;\n" + recount_records_update(model_graph, chosen))


def recount_records_update(model_graph: NamedNode,
                           graphs: Iterable[NamedNode] | None = None) -> str:
    """The update that sets the triple count of each source's load record to its graph's
    size, for `graphs` (default: every graph but the model's).

    A source's record (`G prov:wasGeneratedBy L`, `L tsr:triplesAdded N`; ingest/load.py)
    says how many triples its graph holds, and `tsr sources`, the workspace and the
    torture's check read it so. Materialised types are part of that count (the ingest
    writes them with the entity), so when the rules change and `install_model` (or
    `tsr materialise`) adds or removes types in a source graph, the count must follow, or
    the record would describe a graph the store no longer holds. It is set in the same
    update as the types (one transaction on Oxigraph), so no reader and no kill can see
    one without the other. Only the count changes: the rows, the file and the times are
    still those of the load; a graph without a record (a `tsr load`) is left alone."""
    where = f"FILTER (?g != {model_graph})"
    if graphs is not None:
        where = f"VALUES ?g {{ {' '.join(str(g) for g in graphs)} }}"
    added = f"<{TSR}triplesAdded>"
    return (f"DELETE {{ GRAPH ?log {{ ?load {added} ?old }} }} "
            f"INSERT {{ GRAPH ?log {{ ?load {added} ?n }} }} WHERE {{ "
            f"{{ SELECT ?g (COUNT(*) AS ?size) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {where} }} "
            f"GROUP BY ?g }} "
            f"GRAPH ?log {{ ?g <{PROV}wasGeneratedBy> ?load . ?load {added} ?old }} "
            # the record's own datatype (ingest/load.py writes the count as it chooses)
            f"BIND (STRDT(STR(?size), DATATYPE(?old)) AS ?n) FILTER (?old != ?n) }}")


def _values(pairs: set[tuple[str, str]], first: str, second: str = "class") -> str:
    rows = " ".join(f"(<{a}> <{b}>)" for a, b in sorted(pairs))
    return f"VALUES (?{first} ?{second}) {{ {rows} }}"

