"""What publishing a file would change in its source: the check the workspace runs before
a coordinator publishes (violations, as `tsr validate` finds them, and the difference
with the source's current graph: entities added, changed, removed, a few examples each).

The difference compares each entity's triples in the file with those its subject has in
the source's graph (without the sheet/row notes the load adds: a row moved in the sheet
is no change). Each side is summed as one digest per subject (order-free), so a source of
a million triples is compared without holding its triples in memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode

from store.base import Store
from store.namespaces import TSR, XSD, DataIris
from store.settings import Settings

from .mapping import Entity
from .pipeline import SOURCE_ROW, SOURCE_SHEET, IngestOptions, validate_files
from .store_conflicts import Candidate
from .violations import Notice, Violation

EXAMPLES = 5
_NAME = TSR + "name"
_LEFT_OUT = (SOURCE_SHEET.value, SOURCE_ROW.value)


@dataclass
class Example:
    iri: str
    name: str = ""
    properties: list[str] = field(default_factory=list)  # what changed (predicate IRIs)


@dataclass
class Difference:
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    examples: dict[str, list[Example]] = field(
        default_factory=lambda: {"added": [], "changed": [], "removed": []})


@dataclass
class Check:
    """What the check of one file found."""

    file: str
    source: str
    rows: int
    violations: list[Violation]
    notices: list[Notice]
    candidates: list[Candidate]
    difference: Difference
    source_exists: bool

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Check:
        difference = data["difference"]
        return cls(
            data["file"], data["source"], data["rows"],
            [Violation(**v) for v in data["violations"]],
            [Notice(**n) for n in data["notices"]],
            [Candidate(**c) for c in data["candidates"]],
            Difference(difference["added"], difference["changed"], difference["removed"],
                       difference["unchanged"],
                       {kind: [Example(**e) for e in found]
                        for kind, found in difference["examples"].items()}),
            data["source_exists"])


_NUMERIC = tuple(f"^^<{XSD}{name}>" for name in (
    "decimal", "integer", "double", "float", "int", "long", "nonNegativeInteger",
    "positiveInteger"))
_BOOLEAN = f"^^<{XSD}boolean>"


def canonical(statement: str) -> str:
    """A statement as the store gives it back: Oxigraph keeps numbers in their canonical
    form (`180000.0` as a decimal reads back `180000`), so both sides are compared so.

    >>> canonical('<s> <p> "180000.0"^^<http://www.w3.org/2001/XMLSchema#decimal>')
    '<s> <p> "180000"^^<http://www.w3.org/2001/XMLSchema#decimal>'
    """
    if statement.endswith(_BOOLEAN):
        return statement.replace('"1"^^', '"true"^^').replace('"0"^^', '"false"^^')
    if not statement.endswith(_NUMERIC):
        return statement
    head, _, datatype = statement.rpartition("^^")
    before, quote, rest = head.partition(' "')
    try:
        number = Decimal(rest[:-1])
    except InvalidOperation:
        return statement
    text = format(number.normalize(), "f")
    return f'{before}{quote}{text}"^^{datatype}'


def _digest(statement: str) -> int:
    return int.from_bytes(hashlib.blake2b(canonical(statement).encode(), digest_size=8)
                          .digest(), "big")


class _FileSide:
    """Per subject: the digest of its triples (XOR, count) and its name, as entities pass."""

    def __init__(self) -> None:
        self.subjects: dict[str, list[int]] = {}
        self.names: dict[str, str] = {}

    def __call__(self, entity: Entity) -> None:
        subject = entity.subject.value
        entry = self.subjects.setdefault(subject, [0, 0])
        for statement in entity.statements():
            entry[0] ^= _digest(statement)
            entry[1] += 1
        names = entity.values.get(_NAME)
        if names and subject not in self.names:
            self.names[subject] = names[0].value


def _stored_side(store: Store, graph: NamedNode) -> dict[str, list[int]]:
    subjects: dict[str, list[int]] = {}
    for row in store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}",
                           default_graph=[]):
        if row["p"].value in _LEFT_OUT:
            continue
        entry = subjects.setdefault(row["s"].value, [0, 0])
        entry[0] ^= _digest(f"{row['s']} {row['p']} {row['o']}")
        entry[1] += 1
    return subjects


def _stored_triples(store: Store, graph: NamedNode, subject: str) -> set[str]:
    return {canonical(f"<{subject}> {row['p']} {row['o']}").split(" ", 1)[1] for row in store.query(
        f"SELECT ?p ?o WHERE {{ GRAPH {graph} {{ <{subject}> ?p ?o }} }}", default_graph=[])
        if row["p"].value not in _LEFT_OUT}


def _stored_name(store: Store, graph: NamedNode, subject: str) -> str:
    rows = list(store.query(f"SELECT ?n WHERE {{ GRAPH {graph} {{ <{subject}> <{_NAME}> ?n }} }} "
                            "LIMIT 1", default_graph=[]))
    return rows[0]["n"].value if rows else ""


def check_file(store: Store | None, path: Path, settings: Settings, source: str, *,
               mapping: Path | None = None, lang: str = "fr",
               progress: Callable[[int], None] | None = None) -> Check:
    """Validate `path` as the source `source` and compare it with what the source holds."""
    graph = DataIris(settings.base_iri).source_graph(source)
    stored = _stored_side(store, graph) if store is not None else {}
    side = _FileSide()
    # the triples of the first entities found changed, to say which properties changed
    kept: dict[str, set[str]] = {}

    def seen(entity: Entity) -> None:
        side(entity)
        subject = entity.subject.value
        if subject in stored and (subject in kept or len(kept) < 10 * EXAMPLES):
            kept.setdefault(subject, set()).update(
                canonical(s).split(" ", 1)[1] for s in entity.statements())

    options = IngestOptions(lang=lang, mapping=mapping, source=source, progress=progress,
                            on_entity=seen)
    [outcome] = validate_files(store, [path], settings, options)
    difference = Difference()
    for subject, entry in side.subjects.items():
        theirs = stored.get(subject)
        if theirs is None:
            difference.added += 1
            if len(difference.examples["added"]) < EXAMPLES:
                difference.examples["added"].append(
                    Example(subject, side.names.get(subject, "")))
        elif theirs == entry:
            difference.unchanged += 1
        else:
            difference.changed += 1
            if len(difference.examples["changed"]) < EXAMPLES and subject in kept \
                    and store is not None:
                theirs_now = _stored_triples(store, graph, subject)
                properties = sorted({t.split(" ", 1)[0].strip("<>")
                                     for t in kept[subject] ^ theirs_now})
                difference.examples["changed"].append(
                    Example(subject, side.names.get(subject, ""), properties))
    for subject in stored:
        if subject not in side.subjects:
            difference.removed += 1
            if len(difference.examples["removed"]) < EXAMPLES and store is not None:
                difference.examples["removed"].append(
                    Example(subject, _stored_name(store, graph, subject)))
    return Check(path.name, source, outcome.reading.rows, outcome.violations,
                 outcome.reading.notices, outcome.reading.candidates, difference,
                 bool(stored))
