"""What a file says against what the store already holds, for entities of shared IRIs.

An entity minted from an identifier (a SIREN, a DOI, an observation of a SIREN actor for a
year) is one node for every source that names it. Its single-valued properties (sh:maxCount)
are checked against the values the other sources gave it: a second name, a second actor
type is an error naming both sources, never a silent merge. Entities of local keys
(`{namespace}~key`) cannot meet another source's, so they are not looked up.

Rows are held in batches and looked up in one query per batch (VALUES), only when the
store holds another source at all (a first load into an empty store costs nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pyoxigraph import Literal, NamedNode

from store.namespaces import NAMESPACE_MARK, PROV, RDF, TSR, XSD, slug

from .batch_view import StoreView
from .mapping import Entity, Term
from .violations import Violation

# Entities held before their batch is looked up in the store.
BATCH = 500
_ACTOR, _NAME = TSR + "Actor", TSR + "name"


@dataclass(frozen=True)
class Candidate:
    """An organisation of this file named like another one already loaded, without an
    identifier they share: maybe the same, maybe not; a person decides (never merged)."""

    name: str
    sheet: str
    row: int
    entity: str
    source: str
    other: str
    other_source: str
_STRINGS = {XSD + "string", RDF + "langString"}


@dataclass
class _Held:
    subject: str
    file_sheet: str
    row: int
    cells: dict[str, tuple[str, str, str]]
    values: dict[str, list[Term]]
    max_counts: dict[str, tuple[int, Any]]  # path -> (maxCount, column)
    key_paths: set[str]


class StoreConflicts:
    def __init__(self, store: StoreView, file: str, own_graph: NamedNode | None,
                 source_name: str, batch_names: dict[str, str] | None = None) -> None:
        self.store = store
        self.file = file
        self.own_graph = own_graph
        self.source_name = source_name
        # graphs of this command's files read before (their staging graphs): their names
        self.batch_names = dict(batch_names or {})
        self._source_prefix = (own_graph.value.rsplit("/", 1)[0] + "/"
                               if own_graph is not None else None)
        self._held: list[_Held] = []
        self._others: bool | None = None
        self._names: dict[str, str] = {}
        self._actors_by_name: dict[str, list[tuple[str, str]]] | None = None
        self.candidates: list[Candidate] = []

    def hold(self, entity: Entity, bad_paths: set[str] | frozenset[str] = frozenset()
             ) -> list[Violation]:
        if not self._other_sources():  # asked once: a first load pays nothing per row
            return []
        if entity.sheet.target_class == _ACTOR:
            self._same_name(entity)
        if NAMESPACE_MARK in entity.subject.value.rsplit("/", 1)[-1]:
            return []
        max_counts = {c.path: (c.max_count, c) for c in entity.sheet.columns
                      if c.max_count is not None and c.path in entity.values
                      and c.path not in bad_paths}
        if not max_counts:
            return []
        self._held.append(_Held(entity.subject.value, entity.file_sheet, entity.row,
                                entity.cells, {p: entity.values[p] for p in max_counts},
                                max_counts, {p for p, _ in entity.sheet.key_alternatives}
                                | set(entity.sheet.key_parts)))
        return self._check() if len(self._held) >= BATCH else []

    def finish(self) -> list[Violation]:
        return self._check()

    def _same_name(self, entity: Entity) -> None:
        names = entity.values.get(_NAME)
        if not names:
            return
        if self._actors_by_name is None:
            self._actors_by_name = {}
            for row in self.store.query(
                    f"SELECT DISTINCT ?s ?n ?g WHERE {{ GRAPH ?g {{ ?s a <{_ACTOR}> ; "
                    f"<{_NAME}> ?n }} {self._graphs_filter()} }}"):
                self._actors_by_name.setdefault(slug(row["n"].value), []).append(
                    (row["s"].value, row["g"].value))
        subject = entity.subject.value
        local = NAMESPACE_MARK in subject.rsplit("/", 1)[-1]
        for other, graph in self._actors_by_name.get(slug(names[0].value), ()):
            if other != subject and (local or NAMESPACE_MARK in other.rsplit("/", 1)[-1]):
                self.candidates.append(Candidate(
                    names[0].value, entity.file_sheet, entity.row, subject, self.source_name,
                    other, self._source_of(graph)))

    def _graphs_filter(self) -> str:
        own = f"?g != {self.own_graph} && " if self.own_graph is not None else ""
        staged = " || ".join(f"?g = <{g}>" for g in self.batch_names)
        sources = f'STRSTARTS(STR(?g), "{self._source_prefix}")' if self._source_prefix else "false"
        return f"FILTER ({own}({sources}{' || ' + staged if staged else ''}))"

    def _counts(self, graph: str) -> bool:
        """Is `graph` another source (loaded, or read before in this command)?"""
        if self.own_graph is not None and graph == self.own_graph.value:
            return False
        return graph in self.batch_names or bool(
            self._source_prefix and graph.startswith(self._source_prefix))

    def _other_sources(self) -> bool:
        if self._others is None:
            rows = self.store.query(
                f"SELECT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._graphs_filter()} }} LIMIT 1")
            self._others = bool(list(rows))
        return self._others

    def _check(self) -> list[Violation]:
        held, self._held = self._held, []
        if not held or not self._other_sources():
            return []
        subjects = " ".join(f"<{h.subject}>" for h in held)
        paths = {p for h in held for p in h.max_counts}
        stored: dict[tuple[str, str], dict[Any, tuple[str, str]]] = {}
        listed = ", ".join(f"<{p}>" for p in sorted(paths))
        # one VALUES block only: Oxigraph joins it through its indexes (a second one, for
        # the properties, made it scan every quad: 8 s instead of 0.02 s per batch)
        for row in self.store.query(
                f"SELECT ?s ?p ?o ?g WHERE {{ VALUES ?s {{ {subjects} }} "
                f"GRAPH ?g {{ ?s ?p ?o }} FILTER (?p IN ({listed})) }}"):
            path, graph = row["p"].value, row["g"].value
            if path not in paths or not self._counts(graph):
                continue
            stored.setdefault((row["s"].value, path), {}).setdefault(
                _comparable(row["o"]), (_shown(row["o"]), graph))
        found = []
        for item in held:
            for path, (max_count, column) in item.max_counts.items():
                theirs = stored.get((item.subject, path))
                if not theirs:
                    continue
                ours = {_comparable(v) for v in item.values[path]}
                if len(ours | set(theirs)) <= max_count:
                    continue
                value, graph = next(v for k, v in theirs.items() if k not in ours)
                found.append(self._violation(item, path, column, value, graph))
        return found

    def _violation(self, item: _Held, path: str, column: Any, theirs: str,
                   graph: str) -> Violation:
        letter, header, text = item.cells.get(path, (None, column.name("fr"), None))
        other = self._source_of(graph)
        key = item.subject.rsplit("/", 1)[-1]
        ours = text if text is not None else _shown(item.values[path][0])
        many = column.max_count != 1
        rule = {"fr": f"au plus {column.max_count} valeurs" if many else "une seule valeur",
                "en": f"at most {column.max_count} values" if many else "a single value"}
        messages = {
            "fr": f"« {column.name('fr')} » : {rule['fr']} pour {key}, déjà chargé : la "
                  f"source « {self.source_name} » donne « {ours} », la source "
                  f"« {other} » donne « {theirs} ».",
            "en": f"'{column.name('en')}': {rule['en']} for {key}, already loaded: source "
                  f"'{self.source_name}' says '{ours}', source '{other}' says '{theirs}'.",
        }
        return Violation(
            file=self.file, sheet=item.file_sheet, row=item.row, column=header, letter=letter,
            value=ours, focus=item.subject, path=path,
            component="MaxCountConstraintComponent", messages=messages, details=messages,
            # an optional value (not a key) can be left out by --partial: the store's stays
            droppable=column.min_count == 0 and path not in item.key_paths)

    def _source_of(self, graph: str) -> str:
        if graph in self.batch_names:
            return self.batch_names[graph]
        if graph not in self._names:
            rows = list(self.store.query(
                f"SELECT ?name WHERE {{ GRAPH ?log {{ ?load <{PROV}generated> <{graph}> ; "
                f"<{TSR}sourceName> ?name }} }} LIMIT 1"))
            self._names[graph] = rows[0]["name"].value if rows else graph.rsplit("/", 1)[-1]
        return self._names[graph]


def _comparable(term: Any) -> Any:
    """A value as two sources may both write it: `10.0` and `10.00` are one decimal, a name
    with or without a language tag one name."""
    if isinstance(term, Literal):
        datatype = term.datatype.value if term.datatype is not None else XSD + "string"
        if term.language or datatype in _STRINGS:
            return ("text", term.value)
        try:
            return ("number", Decimal(term.value).normalize()) if datatype in _NUMBERS else (
                datatype, term.value)
        except InvalidOperation:
            return (datatype, term.value)
    return ("iri", term.value)


_NUMBERS = {XSD + t for t in ("decimal", "integer", "double", "float", "int", "long",
                              "nonNegativeInteger", "positiveInteger")}


def _shown(term: Any) -> str:
    return term.value if isinstance(term, Literal | NamedNode) else str(term)
