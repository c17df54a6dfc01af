"""Rows to entities: each row of a sheet becomes one entity (a subject with its values),
minted and typed as the shapes say. Nothing here knows a class: keys come from
`tsrx:keyAlternatives` / `tsrx:keyParts`, types from `sh:targetClass` and the concepts'
`tsr:impliesClass`, cell rules from the property shapes.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterator
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from store.namespaces import PREFIXES, RDF, TSR, XSD, DataIris, scoped_key, slug

from .errors import SpreadsheetError, Where
from .file_entities import MISSING, FileEntities
from .headers import BoundColumn, BoundSheet
from .model_facts import ModelFacts
from .normalise import (
    cached_node,
    cell_text,
    compact_identifier,
    node_text,
    split_list,
    typed_literal,
    typed_literal_of,
)
from .shapes_model import Column, ShapesModel, Sheet

Term = NamedNode | Literal | BlankNode
RDF_TYPE = NamedNode(RDF + "type")
_RDF_TYPE_TEXT = str(RDF_TYPE)
# Longer cells are pasted by mistake far more often than written on purpose.
MAX_CELL_CHARS = 5000
# An identifier property whose values are codes a source chose, not a register's: like a
# name, it identifies only within its source.
_LOCAL_IDENTIFIERS = {TSR + "code"}


@dataclass
class Entity:
    """One row mapped: its subject, values per predicate, types, and where each came from."""

    subject: NamedNode
    sheet: Sheet
    file_sheet: str
    row: int
    values: dict[str, list[Term]] = field(default_factory=dict)
    types: list[str] = field(default_factory=list)
    cells: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # path -> (letter, header, text)

    def triples(self) -> Iterator[Triple]:
        for type_iri in self.types:
            yield Triple(self.subject, RDF_TYPE, cached_node(type_iri))
        for path, objects in self.values.items():
            predicate = cached_node(path)
            for obj in objects:
                yield Triple(self.subject, predicate, obj)

    def statements(self, only: Container[str] | None = None) -> Iterator[str]:
        """The same triples as N-Triples statements (see `store.embedded.NTriples`), without
        making a Triple of each; `only`: those of these predicates."""
        subject = str(self.subject)
        if only is None or RDF_TYPE.value in only:
            for type_iri in self.types:
                yield f"{subject} {_RDF_TYPE_TEXT} {node_text(type_iri)}"
        for path, objects in self.values.items():
            if only is None or path in only:
                predicate = node_text(path)
                for obj in objects:
                    yield f"{subject} {predicate} {obj}"


class Resolver:
    """Reference cells (an identifier, a key or a name) to the IRI of the entity they name:
    first entities of this file, then entities of the store, then the IRI the value would be
    minted as."""

    def __init__(self, model: ShapesModel, facts: ModelFacts, iris: DataIris,
                 known: dict[str, dict[str, str | None]] | None = None,
                 entities: FileEntities | None = None, namespace: str | None = None) -> None:
        self.model = model
        self.facts = facts
        self.iris = iris
        # the source's namespace: keys that identify only within it (a code, a name) are
        # minted in it, so two sources' project "1" are two projects; None: no namespace
        self.namespace = namespace
        self._kind_namespaces: dict[str, str | None] = {}
        # keys from these properties (SIREN, RNA, ROR, DOI…) name the same entity in every
        # source; every other key is local to its source
        self.shared_paths = facts.identifier_properties - _LOCAL_IDENTIFIERS
        # the store's entities: iri type -> slug(identifier, key or name) -> IRI (None when
        # two entities share it); this file's are in `entities`, under the same rule
        self.known: dict[str, dict[str, str | None]] = known or {}
        self.entities = entities if entities is not None else FileEntities()
        self._patterns = {
            sheet.iri_type: [
                (prefix, re.compile(column.pattern))
                for path, prefix in sheet.key_alternatives
                if (column := sheet.column_for_path(path)) is not None and column.pattern
            ]
            for sheet in model.sheets
        }
        # kinds of entity that a reference cell of this file can name (None: any kind); the
        # keys of the others are never looked up, so they are not kept
        self.referenced_kinds: set[str] | None = None
        self._key_paths: dict[str, set[str]] = {}

    def expect_references(self, sheets: list[BoundSheet]) -> None:
        """Only references from the columns of `sheets` will be resolved."""
        targets = (self.model.sheet_for_class(bound.column.class_iri)
                   for sheet in sheets for bound in sheet.columns if bound.column.class_iri)
        self.referenced_kinds = {target.iri_type for target in targets if target is not None}
        for sheet in sheets:
            self.namespace_for(sheet)

    def namespace_for(self, bound: BoundSheet) -> str | None:
        """The namespace the local keys of `bound`'s rows are minted in (None: shared).

        A mapping says `key: shared` (codes every source uses), `key: {same_as: SOURCE}`
        (another source's codes) or `key: local`; a template sheet's codes are local unless
        its shape says `tsrx:sharedKeys true`. References to the same kind of entity from
        this file use the same namespace."""
        if bound.key_scope == "shared":
            namespace = None
        elif bound.key_source:
            from .source_names import key_namespace

            namespace = key_namespace(bound.key_source)
        elif bound.key_scope is None and bound.sheet.shared_keys:
            namespace = None
        else:
            namespace = self.namespace
        self._kind_namespaces.setdefault(bound.sheet.iri_type, namespace)
        return namespace

    def kind_namespace(self, sheet: Sheet) -> str | None:
        found = self._kind_namespaces.get(sheet.iri_type, MISSING)
        if found is MISSING:
            return None if sheet.shared_keys else self.namespace
        return found  # type: ignore[return-value]

    def register(self, entity: Entity) -> None:
        kind = entity.sheet.iri_type
        if self.referenced_kinds is not None and kind not in self.referenced_kinds:
            return
        iri = entity.subject.value
        keys = {iri.rsplit("/", 1)[-1]}
        key_paths = self._key_paths.get(entity.sheet.shape)
        if key_paths is None:
            key_paths = self._key_paths[entity.sheet.shape] = (
                {p for p, _ in entity.sheet.key_alternatives} | set(entity.sheet.key_parts)
                | self.facts.identifier_properties)
        for path, objects in entity.values.items():
            if path in key_paths:
                keys |= {slug(o.value) for o in objects if isinstance(o, Literal)}
        for key in keys:
            if key:
                self.entities.add_key(kind, key, iri)

    def _lookup(self, kind: str, key: str) -> str | None:
        in_file = self.entities.key(kind, key)
        if in_file is not MISSING:
            # this file's entity first (None: two of its entities go by this key)
            return in_file  # type: ignore[return-value]
        in_store = self.known.get(kind, {}).get(key, MISSING)
        return None if in_store is MISSING else in_store  # type: ignore[return-value]

    def resolve(self, target: Sheet, text: str) -> NamedNode:
        key = slug(text)
        found = self._lookup(target.iri_type, key)
        if found:
            return NamedNode(found)
        for prefix, pattern in self._patterns[target.iri_type]:
            compact = compact_identifier(text, pattern)
            if pattern.search(compact):
                return self.iris.entity(target.iri_type, f"{prefix}-{slug(compact)}")
        namespace = self.kind_namespace(target)
        if target.key_alternatives:
            path, prefix = target.key_alternatives[-1]
            minted = f"{prefix}-{key or 'empty'}"
            return self.iris.entity(target.iri_type, minted if path in self.shared_paths
                                    else scoped_key(namespace, minted))
        return self.iris.entity(target.iri_type, scoped_key(namespace, key or "empty"))


class RowMapper:
    """Maps the rows of one bound sheet; `map_row` is called once per data row."""

    def __init__(self, bound: BoundSheet, file: str, model: ShapesModel, facts: ModelFacts,
                 resolver: Resolver) -> None:
        self.bound = bound
        self.file = file
        self.model = model
        self.facts = facts
        self.resolver = resolver
        self.iris = resolver.iris
        self._patterns = {c.column.path: re.compile(c.column.pattern)
                          for c in bound.columns if c.column.pattern}
        self._defaults = [c for c in bound.sheet.columns if c.default_value is not None]
        self._references = {c.column.path: c.column.is_reference or (
            c.column.has_value is not None and c.column.datatype is None) for c in bound.columns}
        self._concepts: dict[tuple[str, str], NamedNode] = {}  # drop-down values repeat
        self._concept_parts: dict[str, str] = {}  # concept IRI -> its key part
        self.namespace = resolver.namespace_for(bound)

    def map_row(self, row: int, cells: list[Any]) -> Entity:
        sheet = self.bound.sheet
        entity = Entity(NamedNode(self.iris.base), sheet, self.bound.file_sheet, row)
        values = entity.values
        for bound in self.bound.columns:
            raw = self._raw(bound, cells)
            if raw is None:
                continue
            text = cell_text(raw)
            if not text:
                continue
            if len(text) > MAX_CELL_CHARS:
                raise SpreadsheetError(
                    Where(self.file, self.bound.file_sheet, row, bound.header),
                    f"cell {bound.letter}{row} holds {len(text)} characters (at most "
                    f"{MAX_CELL_CHARS}); shorten it")
            objects = self._objects(bound.column, raw, text)
            if objects:
                values.setdefault(bound.column.path, []).extend(objects)
                entity.cells.setdefault(bound.column.path, (bound.letter, bound.header, text))
        for column in self._defaults:
            if column.path not in values and column.default_value is not None:
                values[column.path] = [NamedNode(str(column.default_value))]
        entity.subject = self.iris.entity(sheet.iri_type, self._key(entity))
        entity.types = [sheet.target_class]
        for objects in values.values():
            for obj in objects:
                concept = self.facts.concepts.get(obj.value) if isinstance(obj, NamedNode) else None
                if concept is not None and concept.implies_class and (
                        concept.implies_class not in entity.types):
                    entity.types.append(concept.implies_class)
        entity.types = self.facts.type_rules.closed(entity.types)  # materialised classes
        self.resolver.register(entity)
        return entity

    @staticmethod
    def _raw(bound: BoundColumn, cells: list[Any]) -> Any:
        if bound.constant is not None:
            return bound.constant
        assert bound.index is not None
        return cells[bound.index] if bound.index < len(cells) else None

    def _objects(self, column: Column, raw: Any, text: str) -> list[Term]:
        if self._references[column.path]:
            return [self._reference(column, part) for part in split_list(text)]
        if column.multi_valued or (column.datatype not in (None, XSD + "string")):
            parts: list[Any] = split_list(text) if ";" in text else [raw]
        else:
            parts = [raw]
        pattern = self._patterns.get(column.path)
        objects: list[Term] = []
        for part in parts:
            literal = (typed_literal_of(part, column.datatype_choices)
                       if column.datatype_choices else typed_literal(part, column.datatype))
            if pattern is not None and literal.datatype == NamedNode(XSD + "string"):
                literal = Literal(compact_identifier(literal.value, pattern))
            objects.append(literal)
        return objects

    def _reference(self, column: Column, text: str) -> Term:
        if column.scheme is not None:
            cached = self._concepts.get((column.scheme, text))
            if cached is None:
                concept = self.facts.concept_for(column.scheme, text)
                cached = NamedNode(concept or f"{column.scheme}/{slug(text) or 'unknown'}")
                self._concepts[(column.scheme, text)] = cached
            return cached
        if column.class_iri is not None:
            target = self.model.sheet_for_class(column.class_iri)
            if target is not None:
                return self.resolver.resolve(target, text)
        return _curie_or_literal(text)

    def _key(self, entity: Entity) -> str:
        """The IRI key: an identifier's is the same in every source; a code's or a name's
        is minted in the source's namespace; a key made of other entities' keys (a
        participation's project and actor) is as local as they are."""
        sheet = entity.sheet
        values = entity.values
        for path, prefix in sheet.key_alternatives:
            first = values.get(path)
            if first and isinstance(first[0], Literal):
                value = slug(first[0].value)
                if value:
                    key = f"{prefix}-{value}"
                    return key if path in self.resolver.shared_paths else scoped_key(
                        self.namespace, key)
        if sheet.key_parts:
            objects = [values.get(path) for path in sheet.key_parts]
            parts = [self._key_part(o) for o in objects]
            if all(parts):
                key = "--".join(parts)  # type: ignore[arg-type]
                if any(self._is_entity(o) for o in objects):
                    return key
                return scoped_key(self.namespace, key)
        # no usable key: the row is invalid (a required key column is empty); name it by row
        return scoped_key(self.namespace, f"row-{slug(entity.file_sheet)}-{entity.row}")

    def _is_entity(self, objects: list[Term] | None) -> bool:
        first = objects[0] if objects else None
        return isinstance(first, NamedNode) and first.value not in self.facts.concepts

    def _key_part(self, objects: list[Term] | None) -> str | None:
        if not objects:
            return None
        first = objects[0]
        if isinstance(first, NamedNode):
            part = self._concept_parts.get(first.value)
            if part is not None:  # a vocabulary value: its code, worked out once
                return part
            concept = self.facts.concepts.get(first.value)
            if concept is not None and concept.notation:
                part = self._concept_parts[first.value] = slug(concept.notation)
                return part
            return first.value.rstrip("/").rsplit("/", 1)[-1] or None
        return slug(first.value) or None


def _curie_or_literal(text: str) -> Term:
    prefix, _, local = text.partition(":")
    if prefix in PREFIXES and local and not local.startswith("//"):
        return NamedNode(PREFIXES[prefix] + local)
    if re.match(r"^[a-z][a-z0-9+.-]*://\S+$", text):
        return NamedNode(text)
    return Literal(text)
