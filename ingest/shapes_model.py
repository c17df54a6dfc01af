"""The shipped SHACL shapes read into a plain model: a node shape with a target class is a
sheet, each of its property shapes a column. Read once per process (cached); nothing here
names a class or a property, so new shapes change the sheets without a code change.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from decimal import Decimal
from importlib.resources import as_file
from typing import Any

from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from store.model import shape_files
from store.namespaces import SH, TSRX

SHN = Namespace(SH)
X = Namespace(TSRX)
LANGS = ("fr", "en")


@dataclass(frozen=True)
class SparqlConstraint:
    select: str
    messages: dict[str, str]


@dataclass
class Column:
    """One property shape: a column of a sheet and the rules of its cells."""

    shape: str
    path: str
    names: dict[str, str]
    descriptions: dict[str, str]
    messages: dict[str, str]
    order: float
    min_count: int = 0
    max_count: int | None = None
    datatype: str | None = None
    # sh:or of datatypes only (`[ sh:datatype xsd:date ] [ sh:datatype xsd:gYear ]`): a cell
    # takes the most precise one its text fits
    datatype_choices: tuple[str, ...] = ()
    pattern: str | None = None
    flags: str = ""
    node_kind: str | None = None
    class_iri: str | None = None
    node: str | None = None
    scheme: str | None = None
    has_value: Node | None = None
    default_value: Node | None = None
    in_values: tuple[Node, ...] | None = None
    min_inclusive: Decimal | None = None
    max_inclusive: Decimal | None = None
    min_exclusive: Decimal | None = None
    max_exclusive: Decimal | None = None
    min_length: int | None = None
    max_length: int | None = None
    less_than_or_equals: str | None = None
    less_than: str | None = None
    disjoint: str | None = None

    @property
    def multi_valued(self) -> bool:
        return self.max_count != 1

    @property
    def literal_datatypes(self) -> tuple[str, ...]:
        """The datatypes a cell's literal may take: sh:datatype, or those of its sh:or."""
        return (self.datatype,) if self.datatype else self.datatype_choices

    @property
    def is_reference(self) -> bool:
        """Cells name another entity (or a concept): they become IRIs, not literals."""
        return self.node_kind == str(SHN.IRI) or self.class_iri is not None or (
            self.scheme is not None)

    def name(self, lang: str) -> str:
        return self.names.get(lang) or next(iter(self.names.values()), self.path)

    def message(self, lang: str) -> str:
        return self.messages.get(lang) or next(iter(self.messages.values()), "")


@dataclass
class Sheet:
    """One node shape with a target class: a sheet of the workbook."""

    shape: str
    target_class: str
    names: dict[str, str]
    descriptions: dict[str, str]
    order: float
    iri_type: str
    key_alternatives: list[tuple[str, str]] = field(default_factory=list)
    key_parts: list[str] = field(default_factory=list)
    # tsrx:sharedKeys: its codes name the same thing in every source (a programme, a
    # network); else a code or a name identifies only within its source
    shared_keys: bool = False
    columns: list[Column] = field(default_factory=list)
    sparql: list[SparqlConstraint] = field(default_factory=list)

    def name(self, lang: str) -> str:
        return self.names.get(lang) or next(iter(self.names.values()))

    def column_for_path(self, path: str) -> Column | None:
        return next((c for c in self.columns if c.path == path), None)


@dataclass
class HelperShape:
    """A node shape without a target, used through sh:node (e.g. "a concept of scheme X")."""

    shape: str
    has_values: list[tuple[str, Node]]  # (path, required value)
    messages: dict[str, str]


@dataclass
class ShapesModel:
    sheets: list[Sheet]
    helpers: dict[str, HelperShape]
    graph: Graph  # the shapes themselves, for pySHACL and the version number
    version: str

    def sheet_for_class(self, class_iri: str) -> Sheet | None:
        return next((s for s in self.sheets if s.target_class == class_iri), None)

    def sheet_named(self, name: str) -> Sheet | None:
        from store.namespaces import slug

        wanted = slug(name)
        for sheet in self.sheets:
            if wanted in {slug(n) for n in sheet.names.values()} | {slug(sheet.iri_type)}:
                return sheet
        return None


@functools.cache
def shapes_model() -> ShapesModel:
    """The shipped shapes, read once."""
    graph = Graph()
    for resource in shape_files():
        with as_file(resource) as path:
            graph.parse(path, format="turtle")
    return build_model(graph)


def build_model(graph: Graph) -> ShapesModel:
    sheets = []
    for shape in graph.subjects(RDF.type, SHN.NodeShape):
        target = graph.value(shape, SHN.targetClass)
        if target is None or graph.value(shape, X.iriType) is None:
            continue
        sheets.append(_sheet(graph, shape, target))
    helpers = {
        str(shape): _helper(graph, shape)
        for shape in graph.subjects(RDF.type, SHN.NodeShape)
        if graph.value(shape, SHN.targetClass) is None
    }
    version = next((str(v) for v in graph.objects(None, URIRef(
        "http://www.w3.org/2002/07/owl#versionInfo"))), "0")
    sheets.sort(key=lambda s: s.order)
    return ShapesModel(sheets, helpers, graph, version)


def _texts(graph: Graph, subject: Node, predicate: URIRef) -> dict[str, str]:
    found: dict[str, str] = {}
    for value in graph.objects(subject, predicate):
        if isinstance(value, Literal):
            found.setdefault(value.language or "", str(value))
    return found


def _number(graph: Graph, subject: Node, predicate: URIRef) -> Any:
    value = graph.value(subject, predicate)
    return None if value is None else value.toPython()  # type: ignore[attr-defined]


def _iri(graph: Graph, subject: Node, predicate: URIRef) -> str | None:
    value = graph.value(subject, predicate)
    return None if value is None else str(value)


def _decimal(graph: Graph, subject: Node, predicate: URIRef) -> Decimal | None:
    value = graph.value(subject, predicate)
    return None if value is None else Decimal(str(value))


def _list(graph: Graph, head: Node | None) -> list[Node]:
    return [] if head is None else list(Collection(graph, head))


def _sheet(graph: Graph, shape: Node, target: Node) -> Sheet:
    sheet = Sheet(
        shape=str(shape),
        target_class=str(target),
        names=_texts(graph, shape, SHN.name),
        descriptions=_texts(graph, shape, SHN.description),
        order=float(_number(graph, shape, X.order) or 0),
        iri_type=str(graph.value(shape, X.iriType)),
        key_alternatives=[
            (str(graph.value(item, X.path)), str(graph.value(item, X.prefix)))
            for item in _list(graph, graph.value(shape, X.keyAlternatives))
        ],
        key_parts=[str(p) for p in _list(graph, graph.value(shape, X.keyParts))],
        shared_keys=bool(_number(graph, shape, X.sharedKeys)),
    )
    for constraint in graph.objects(shape, SHN.sparql):
        select = graph.value(constraint, SHN.select)
        if select is not None:
            sheet.sparql.append(SparqlConstraint(str(select), _texts(graph, constraint,
                                                                     SHN.message)))
    columns = [_column(graph, p) for p in graph.objects(shape, SHN.property)]
    sheet.columns = sorted(columns, key=lambda c: c.order)
    return sheet


def _column(graph: Graph, shape: Node) -> Column:
    in_head = graph.value(shape, SHN["in"])
    return Column(
        shape=str(shape),
        path=str(graph.value(shape, SHN.path)),
        names=_texts(graph, shape, SHN.name),
        descriptions=_texts(graph, shape, SHN.description),
        messages=_texts(graph, shape, SHN.message),
        order=float(_number(graph, shape, SHN.order) or 0),
        min_count=int(_number(graph, shape, SHN.minCount) or 0),
        max_count=_number(graph, shape, SHN.maxCount),
        datatype=_iri(graph, shape, SHN.datatype),
        datatype_choices=_datatype_choices(graph, shape),
        pattern=_iri(graph, shape, SHN.pattern),
        flags=_iri(graph, shape, SHN.flags) or "",
        node_kind=_iri(graph, shape, SHN.nodeKind),
        class_iri=_iri(graph, shape, SHN["class"]),
        node=_iri(graph, shape, SHN.node),
        scheme=_iri(graph, shape, X.scheme),
        has_value=graph.value(shape, SHN.hasValue),
        default_value=graph.value(shape, X.defaultValue),
        in_values=tuple(_list(graph, in_head)) if in_head is not None else None,
        min_inclusive=_decimal(graph, shape, SHN.minInclusive),
        max_inclusive=_decimal(graph, shape, SHN.maxInclusive),
        min_exclusive=_decimal(graph, shape, SHN.minExclusive),
        max_exclusive=_decimal(graph, shape, SHN.maxExclusive),
        min_length=_number(graph, shape, SHN.minLength),
        max_length=_number(graph, shape, SHN.maxLength),
        less_than_or_equals=_iri(graph, shape, SHN.lessThanOrEquals),
        less_than=_iri(graph, shape, SHN.lessThan),
        disjoint=_iri(graph, shape, SHN.disjoint),
    )


def _datatype_choices(graph: Graph, shape: Node) -> tuple[str, ...]:
    """The datatypes of an sh:or whose members each state only a datatype; else ()."""
    members = _list(graph, graph.value(shape, SHN["or"]))
    choices = []
    for member in members:
        datatype = graph.value(member, SHN.datatype)
        if datatype is None or len(set(graph.predicate_objects(member))) != 1:
            return ()
        choices.append(str(datatype))
    return tuple(choices)


def _helper(graph: Graph, shape: Node) -> HelperShape:
    has_values = []
    messages: dict[str, str] = {}
    for prop in graph.objects(shape, SHN.property):
        value = graph.value(prop, SHN.hasValue)
        if value is not None:
            has_values.append((str(graph.value(prop, SHN.path)), value))
            messages = messages or _texts(graph, prop, SHN.message)
    return HelperShape(str(shape), has_values, messages)
