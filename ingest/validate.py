"""The fast validation path: SHACL semantics for the constraint kinds the shapes use,
evaluated row by row as the file streams (memory does not grow with the rows' values).

What the end-of-file checks need from every row (where each entity came from, its types, the
identifier triples the SPARQL constraints read) goes to disk past a few ten thousand rows
(`FileEntities`, `ScratchStore`), so memory stays flat however long the file.

Covered components: minCount, maxCount, datatype, or (of datatypes only), nodeKind, class,
node (helper shapes of sh:hasValue property constraints), hasValue, in, pattern, min/maxInclusive and
min/maxExclusive, min/maxLength, lessThan(OrEquals), disjoint, and SPARQL-based
constraints (run on the file's triples they mention plus the store's). pySHACL stays the
reference: tests/ingest/test_validate_parity.py proves both report the same
(focus, path, component) on a corpus of invalid files.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad
from pyoxigraph import Store as OxStore

from store.namespaces import RDF, SH, SKOS, XSD

from .batch_view import StoreView
from .file_entities import FileEntities
from .mapping import Entity
from .model_facts import ModelFacts
from .scratch_store import ScratchStore
from .shapes_model import Column, ShapesModel, Sheet
from .store_conflicts import StoreConflicts
from .violations import Violation

_NUMERIC = {XSD + t for t in ("decimal", "integer", "int", "long", "double", "float",
                              "nonNegativeInteger", "positiveInteger")}
_IN_SCHEME = SKOS + "inScheme"
_RDF_TYPE = RDF + "type"
_RDF_TYPE_NODE = NamedNode(_RDF_TYPE)
_IRI_KINDS = {SH + "IRI", SH + "BlankNodeOrIRI", SH + "IRIOrLiteral"}
_LITERAL_KINDS = {SH + "Literal", SH + "BlankNodeOrLiteral", SH + "IRIOrLiteral"}


class Validator:
    """Checks entities as they are mapped; `finish()` runs the checks that need every row."""

    def __init__(self, model: ShapesModel, facts: ModelFacts, file: str,
                 store: StoreView | None = None, exclude_graph: NamedNode | None = None,
                 entities: FileEntities | None = None,
                 conflicts: StoreConflicts | None = None) -> None:
        self.model = model
        self.facts = facts
        self.file = file
        self.store = store
        self.exclude_graph = exclude_graph
        self.referenced = {c.class_iri for s in model.sheets for c in s.columns
                           if c.class_iri and model.sheet_for_class(c.class_iri)}
        # every entity's (sheet, row); the types of those of referenced classes
        self.entities = entities if entities is not None else FileEntities()
        self.deferred: list[tuple[Entity | None, Violation, str, str]] = []
        self.sparql_sheets = [s for s in model.sheets if s.sparql]
        self.sparql_triples = ScratchStore()
        self._sparql_paths = {s.shape: _mentioned_iris(s) for s in self.sparql_sheets}
        self._sheet_rules: dict[str, list[_ColumnRules]] = {}
        # (value, class or helper shape) -> does it conform: vocabulary concepts repeat
        self._concept_classes: dict[tuple[str, str], bool] = {}
        self._helper_conforms: dict[tuple[str, str], bool] = {}
        # single-valued properties against what other sources gave the same shared IRI
        self.conflicts = conflicts

    # -- row by row -------------------------------------------------------------------------
    def check(self, entity: Entity) -> list[Violation]:
        found: list[Violation] = []
        subject = entity.subject.value
        referenced = entity.sheet.target_class in self.referenced or any(
            t in self.referenced for t in entity.types)
        previous = self.entities.add(subject, entity.file_sheet, entity.row,
                                     entity.types if referenced else ())
        if previous is not None:
            found.append(self._violation(entity, None, None, "UniqueKeyComponent", {
                "fr": f"Cette ligne décrit la même entité que la ligne {previous[1]} de la "
                      f"feuille « {previous[0]} » (même clé).",
                "en": f"This row describes the same entity as row {previous[1]} of sheet "
                      f"'{previous[0]}' (same key).",
            }))
        values = entity.values
        for rules in self._rules(entity.sheet):
            # a column without a value can only break minCount or hasValue (most are empty
            # in a wide sheet: no call for them)
            if rules.column.path in values or rules.fails_when_empty:
                found += self._check_column(entity, rules)
        if self.conflicts is not None:  # values already found bad are reported once
            found += self.conflicts.hold(entity, {v.path for v in found if v.path})
        mentioned = self._sparql_paths.get(entity.sheet.shape)
        if mentioned is not None:  # the triples that its sheet's SPARQL constraints read
            self.sparql_triples.add_statements(entity.statements(mentioned))
        return found

    def _check_column(self, entity: Entity, rules: _ColumnRules) -> list[Violation]:
        column = rules.column
        values = entity.values.get(column.path)
        if not values:  # only these two components can fail on no value
            if column.min_count <= 0 and rules.has_value is None:
                return []
            values = []
        found: list[Violation] = []

        def fail(component: str, value: Any = None) -> None:
            found.append(self._violation(entity, column, value, component))

        if len(values) < column.min_count:
            fail("MinCountConstraintComponent")
        if column.max_count is not None and len(values) > column.max_count:
            fail("MaxCountConstraintComponent")
        if rules.has_value is not None and not any(v.value == rules.has_value for v in values):
            fail("HasValueConstraintComponent")
        for value in values:
            is_iri = isinstance(value, NamedNode)
            if column.datatype and not _has_datatype(value, column.datatype):
                fail("DatatypeConstraintComponent", value)
            if column.datatype_choices and not any(
                    _has_datatype(value, d) for d in column.datatype_choices):
                fail("OrConstraintComponent", value)
            if column.node_kind and not ((is_iri and rules.iri_kind) or (
                    rules.literal_kind and isinstance(value, Literal))):
                fail("NodeKindConstraintComponent", value)
            if column.class_iri:
                self._check_class(entity, column, value, found)
            if column.node and not self._conforms_to_helper(value, column.node):
                fail("NodeConstraintComponent", value)
            if rules.in_values is not None and value.value not in rules.in_values:
                fail("InConstraintComponent", value)
            if rules.pattern is not None and not rules.pattern.search(value.value):
                fail("PatternConstraintComponent", value)
            if rules.checks_length:
                length = len(value.value)
                if column.min_length is not None and length < column.min_length:
                    fail("MinLengthConstraintComponent", value)
                if column.max_length is not None and length > column.max_length:
                    fail("MaxLengthConstraintComponent", value)
            for bound, component, allowed in rules.ranges:
                number = _number(value)
                if number is None or _sign(number - bound) not in allowed:
                    fail(component, value)
        for other_path, component, allowed in rules.comparisons:
            for value in values:
                for other in entity.values.get(other_path, []):
                    if _compare(value, other) not in allowed:
                        fail(component, value)
        if column.disjoint:
            others = {o.value for o in entity.values.get(column.disjoint, [])}
            for value in values:
                if value.value in others:
                    fail("DisjointConstraintComponent", value)
        return found

    def _rules(self, sheet: Sheet) -> list[_ColumnRules]:
        rules = self._sheet_rules.get(sheet.shape)
        if rules is None:
            rules = self._sheet_rules[sheet.shape] = [_ColumnRules.of(c) for c in sheet.columns]
        return rules

    def _check_class(self, entity: Entity, column: Column, value: Any,
                     found: list[Violation]) -> None:
        assert column.class_iri is not None
        if not isinstance(value, NamedNode):
            found.append(self._violation(entity, column, value, "ClassConstraintComponent"))
            return
        # a vocabulary concept (most class-checked cells) or an entity of the file
        concept_types = self.facts.types.get(value.value)
        if concept_types:
            key = (value.value, column.class_iri)
            conforms = self._concept_classes.get(key)
            if conforms is None:
                conforms = self._concept_classes[key] = self.facts.is_instance(
                    concept_types, column.class_iri)
            if conforms:
                return
            types: set[str] | None = concept_types
        else:
            types = self.entities.types(value.value) or None
            if types is not None and self.facts.is_instance(types, column.class_iri):
                return
        violation = self._violation(entity, column, value, "ClassConstraintComponent")
        if types is None and column.class_iri in self.referenced:
            # maybe a later row of this file, or an entity of the store: decide in finish()
            self.deferred.append((None, violation, value.value, column.class_iri))
        else:
            found.append(violation)

    def _conforms_to_helper(self, value: Any, shape: str) -> bool:
        if not isinstance(value, NamedNode):
            return shape not in self.model.helpers
        key = (value.value, shape)
        conforms = self._helper_conforms.get(key)
        if conforms is None:
            conforms = self._helper_conforms[key] = self._concept_conforms(value, shape)
        return conforms

    def _concept_conforms(self, value: NamedNode, shape: str) -> bool:
        helper = self.model.helpers.get(shape)
        if helper is None:
            return True
        concept = self.facts.concepts.get(value.value)
        for path, required in helper.has_values:
            if path == _IN_SCHEME:
                if concept is None or str(required) not in concept.schemes:
                    return False
            elif path == _RDF_TYPE and str(required) not in self.facts.types.get(
                    value.value, set()):
                return False
        return True

    def _violation(self, entity: Entity, column: Column | None, value: Any,
                   component: str, messages: dict[str, str] | None = None) -> Violation:
        letter, header, text = (None, None, None)
        if column is not None:
            letter, header, text = entity.cells.get(column.path, (None, column.name("fr"), None))
        values = entity.values.get(column.path, []) if column is not None else []
        # the one value that failed: the cell as typed when it holds one value
        failed = text if text is not None and len(values) <= 1 else (
            _shown(value) if value is not None else text)
        return Violation(
            file=self.file, sheet=entity.file_sheet, row=entity.row, column=header,
            # the text the user typed reads better than the literal or IRI made from it
            letter=letter, value=text if text is not None or value is None else value.value,
            focus=entity.subject.value, path=column.path if column else None,
            component=component,
            messages=messages or (column.messages if column else {}),
            details=rule_part(self.model, column, component, failed, len(values))
            if column is not None else {},
            droppable=column is not None and column.min_count == 0 and (
                column.path not in _key_paths(entity.sheet)) and component != (
                "MinCountConstraintComponent"),
        )

    # -- after the last row -----------------------------------------------------------------
    def finish(self) -> list[Violation]:
        found: list[Violation] = []
        unknown = {iri for _, _, iri, _ in self.deferred if not self.entities.types(iri)}
        store_types = self._store_types(unknown)
        for _, violation, iri, class_iri in self.deferred:
            types = self.entities.types(iri) or store_types.get(iri)
            if not (types and self.facts.is_instance(types, class_iri)):
                found.append(violation)
        self.deferred.clear()
        found += self._sparql_violations()
        if self.conflicts is not None:
            found += self.conflicts.finish()
        return found

    def close(self) -> None:
        """Remove the temporary files of the end-of-file state."""
        self.sparql_triples.close()
        self.entities.close()

    def _store_types(self, iris: set[str]) -> dict[str, set[str]]:
        if not iris or self.store is None:
            return {}
        found: dict[str, set[str]] = {}
        ordered = sorted(iris)
        for start in range(0, len(ordered), 500):
            chunk = " ".join(f"<{iri}>" for iri in ordered[start:start + 500])
            rows = self.store.query(
                f"SELECT ?s ?t WHERE {{ VALUES ?s {{ {chunk} }} GRAPH ?g {{ ?s a ?t }} "
                f"{self._not_replaced()} }}")
            for row in rows:
                found.setdefault(row["s"].value, set()).add(row["t"].value)
        return found

    def _not_replaced(self) -> str:
        return f"FILTER (?g != {self.exclude_graph})" if self.exclude_graph else ""

    def _sparql_violations(self) -> list[Violation]:
        if self.sparql_triples.empty:
            return []
        mentioned = set().union(*self._sparql_paths.values())
        if self.store is not None:
            values = " ".join(f"<{p}>" for p in sorted(mentioned) if p != _RDF_TYPE)
            # the store's entities that carry the same identifier properties, with their types
            rows = self.store.query(
                f"SELECT ?s ?p ?o ?t WHERE {{ GRAPH ?g {{ ?s ?p ?o . ?s a ?t }} "
                f"VALUES ?p {{ {values} }} {self._not_replaced()} }}")
            for row in rows:
                self.sparql_triples.add((Quad(row["s"], NamedNode(row["p"].value), row["o"]),
                                         Quad(row["s"], _RDF_TYPE_NODE, row["t"])))
        scratch = self.sparql_triples.store()
        found = []
        for sheet in self.sparql_sheets:
            found += self._run_sparql(scratch, sheet)
        return found

    def _run_sparql(self, scratch: OxStore, sheet: Sheet) -> list[Violation]:
        found = []
        for constraint in sheet.sparql:
            query = re.sub(r"\$this\b", "?this", constraint.select)
            for row in scratch.query(query):  # type: ignore[union-attr]
                focus = row["this"].value
                where = self.entities.where(focus)
                if where is None:
                    continue  # an entity of the store, not of this file
                path = row["path"].value if row["path"] is not None else None
                value = row["value"].value if row["value"] is not None else None
                messages = {lang: _substitute(text, row)
                            for lang, text in constraint.messages.items()}
                column = sheet.column_for_path(path) if path else None
                found.append(Violation(
                    file=self.file, sheet=where[0], row=where[1],
                    column=column.name("fr") if column else None, letter=None, value=value,
                    focus=focus, path=path, component="SPARQLConstraintComponent",
                    messages=messages))
        return found


@dataclass(frozen=True)
class _ColumnRules:
    """One property shape's rules in the form a row's check reads fastest, worked out once."""

    column: Column
    has_value: str | None
    in_values: frozenset[str] | None
    pattern: re.Pattern[str] | None
    iri_kind: bool  # an IRI fits the column's sh:nodeKind
    literal_kind: bool
    checks_length: bool
    ranges: tuple[tuple[Decimal, str, tuple[int, ...]], ...]
    comparisons: tuple[tuple[str, str, tuple[int, ...]], ...]
    fails_when_empty: bool  # minCount or hasValue: checked even when the entity has no value

    @classmethod
    def of(cls, column: Column) -> _ColumnRules:
        flags = re.IGNORECASE if "i" in column.flags else 0
        ranges = ((column.min_inclusive, "MinInclusiveConstraintComponent", (0, 1)),
                  (column.max_inclusive, "MaxInclusiveConstraintComponent", (-1, 0)),
                  (column.min_exclusive, "MinExclusiveConstraintComponent", (1,)),
                  (column.max_exclusive, "MaxExclusiveConstraintComponent", (-1,)))
        comparisons = ((column.less_than_or_equals, "LessThanOrEqualsConstraintComponent",
                        (-1, 0)),
                       (column.less_than, "LessThanConstraintComponent", (-1,)))
        return cls(
            column=column,
            has_value=str(column.has_value) if column.has_value is not None else None,
            in_values=(frozenset(str(v) for v in column.in_values)
                       if column.in_values is not None else None),
            pattern=re.compile(column.pattern, flags) if column.pattern else None,
            iri_kind=column.node_kind in _IRI_KINDS,
            literal_kind=column.node_kind in _LITERAL_KINDS,
            checks_length=column.min_length is not None or column.max_length is not None,
            ranges=tuple((b, c, a) for b, c, a in ranges if b is not None),
            comparisons=tuple((p, c, a) for p, c, a in comparisons if p),
            fails_when_empty=column.min_count > 0 or column.has_value is not None,
        )


def _key_paths(sheet: Sheet) -> set[str]:
    return {p for p, _ in sheet.key_alternatives} | set(sheet.key_parts)


def _shown(value: Any) -> str:
    """A value as the coordinator would recognise it: a literal's text, a minted entity's
    key without its source namespace, a concept's last segment."""
    if isinstance(value, Literal):
        return value.value
    text = str(getattr(value, "value", value))
    return text.rstrip("/").rsplit("/", 1)[-1].split("~", 1)[-1]


# what a datatype asks for, in the words of the template's help
_DATATYPE_WORDS = {
    XSD + "date": ("une date (JJ/MM/AAAA ou AAAA-MM-JJ)", "a date (DD/MM/YYYY or YYYY-MM-DD)"),
    XSD + "gYear": ("une année (AAAA)", "a year (YYYY)"),
    XSD + "decimal": ("un nombre", "a number"),
    XSD + "integer": ("un nombre entier", "a whole number"),
    XSD + "boolean": ("oui ou non", "yes or no"),
    XSD + "anyURI": ("une adresse web", "a web address"),
}
_KIND_WORDS = {"actor": "acteur", "project": "projet", "output": "production",
               "programme": "programme", "network": "réseau", "partnership": "partenariat",
               "participation": "participation", "funding": "financement",
               "observation": "observation", "transformation": "transformation",
               "membership": "adhésion"}


def rule_part(model: ShapesModel, column: Column, component: str, value: str | None,
              count: int) -> dict[str, str]:
    """The part of the column's rule that `value` broke, in French and English; {} when the
    column's whole message says it best."""
    shown = value if value is not None else ""
    name_fr, name_en = column.name("fr"), column.name("en")
    if component == "MinCountConstraintComponent":
        return {"fr": f"« {name_fr} » est obligatoire : la cellule est vide",
                "en": f"'{name_en}' is required: the cell is empty"}
    if component == "MaxCountConstraintComponent" and column.max_count is not None:
        allowed = "une seule valeur" if column.max_count == 1 else f"au plus {column.max_count}"
        allowed_en = "a single value" if column.max_count == 1 else f"at most {column.max_count}"
        return {"fr": f"« {name_fr} » : {allowed}, la cellule en donne {count}",
                "en": f"'{name_en}': {allowed_en}, the cell gives {count}"}
    if component in ("ClassConstraintComponent", "NodeConstraintComponent",
                     "InConstraintComponent"):
        target = model.sheet_for_class(column.class_iri) if column.class_iri else None
        if target is not None:
            kind = target.iri_type
            return {"fr": f"aucun·e {_KIND_WORDS.get(kind, kind)} nommé·e « {shown} » "
                          "(ni dans ce fichier ni dans les sources chargées)",
                    "en": f"no {kind} named '{shown}' (in this file or the loaded sources)"}
        return {"fr": f"« {shown} » n'est pas une valeur de la liste « {name_fr} »",
                "en": f"'{shown}' is not a value of the list '{name_en}'"}
    if component == "DatatypeConstraintComponent" and column.datatype in _DATATYPE_WORDS:
        fr, en = _DATATYPE_WORDS[column.datatype]
        return {"fr": f"« {shown} » n'est pas {fr}", "en": f"'{shown}' is not {en}"}
    if component == "PatternConstraintComponent":
        # the last clause of the column's message describes the expected form
        fr = column.messages.get("fr", "").rstrip(".").rsplit(" ; ", 1)[-1]
        en = column.messages.get("en", "").rstrip(".").rsplit("; ", 1)[-1]
        return {"fr": f"« {shown} » n'a pas la forme attendue : {fr}",
                "en": f"'{shown}' does not have the expected form: {en}"}
    return {}


def _has_datatype(value: Any, datatype: str) -> bool:
    if not isinstance(value, Literal):
        return False
    if value.language:
        return datatype == RDF + "langString"
    return value.datatype.value == datatype


def _mentioned_iris(sheet: Sheet) -> set[str]:
    found = {_RDF_TYPE}
    for constraint in sheet.sparql:
        found |= set(re.findall(r"<([^<>\s]+)>", constraint.select))
    return found


def _substitute(text: str, row: Any) -> str:
    def one(match: re.Match[str]) -> str:
        try:
            term = row[match.group(1)]
        except (KeyError, ValueError):
            return match.group(0)
        return term.value if term is not None else ""

    return re.sub(r"\{[?$](\w+)\}", one, text)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, Literal) and value.datatype.value in _NUMERIC:
        try:
            return Decimal(value.value)
        except InvalidOperation:
            return None
    return None


def _sign(number: Decimal) -> int:
    return (number > 0) - (number < 0)


def _comparable(value: Any) -> tuple[str, Any] | None:
    if not isinstance(value, Literal):
        return None
    datatype = value.datatype.value
    try:
        if datatype in _NUMERIC:
            return ("number", Decimal(value.value))
        if datatype == XSD + "date":
            return ("date", dt.date.fromisoformat(value.value))
        if datatype == XSD + "gYear":
            return ("year", int(value.value))
        if datatype == XSD + "string":
            return ("string", value.value)
    except ValueError:
        return None
    return None


def _compare(left: Any, right: Any) -> int | None:
    a, b = _comparable(left), _comparable(right)
    if a is None or b is None or a[0] != b[0]:
        return None
    return (a[1] > b[1]) - (a[1] < b[1])


def violation_keys(violations: Iterable[Violation]) -> set[tuple[str, str | None, str]]:
    return {v.key for v in violations}
