"""A big dataset in the shape of the example: its entities copied with fresh, well-formed keys.

Copy 0 is the example itself (so the competency queries' default parameters, such as
`id/actor/siren-810079194`, name real entities). Copy c > 0 re-mints every entity the way
the ingest would (ontology/CONVENTIONS.md) from changed identifiers: a new Luhn-valid SIREN
(and the SIRET that goes with it), new RNSR / RNA / ORCID digits, a DOI and HAL id with a
suffix, names and titles with " c" appended (so `name-…` and project-code keys get `-c`),
and composite keys (participation, funding, membership, observation…) rebuilt from the
renamed parts. Programmes and networks are shared by every copy, as they would be. Copies
are spread over 20 source graphs; the model graph (ontology and vocabularies) is loaded too,
so queries that walk `rdfs:subClassOf` or read SKOS labels answer as on real data.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse, serialize

from store.model import model_triples
from store.namespaces import DataIris

SOURCE_GRAPHS = 20
SHARED_TYPES = ("programme", "network")  # one of each for the whole observatory
RENAMED_TEXT = ("name", "title", "description", "acronym")
_TSR = "https://w3id.org/tsr-observatory/ontology#"


def luhn_digit(digits: str) -> str:
    """The check digit that makes `digits + digit` pass the Luhn test (SIREN, SIRET)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def _shift(digits: str, copy: int) -> str:
    """Other digits for copy `copy`: 300 + the copy number replaces the three leading
    digits (the example's start 21x, 69x or 81x), so no two copies share an identifier."""
    width = len(digits)
    return f"{300 + copy:03d}" + digits[3:] if width > 3 else digits


class Renamer:
    """Identifiers and keys of copy `copy`; copy 0 keeps everything as it is."""

    def __init__(self, copy: int, base: str) -> None:
        self.copy = copy
        self.minted = re.compile(re.escape(base) + r"id/([a-z]+)/(.+)")

    def siren(self, value: str) -> str:
        head = _shift(value[:8], self.copy)
        return head + luhn_digit(head)

    def identifier(self, predicate: str, value: str) -> str:
        """A literal identifier of the copy (same rule the key of its entity follows)."""
        c = self.copy
        if predicate == "siren":
            return self.siren(value)
        if predicate == "siret":
            head = self.siren(value[:9]) + value[9:13]
            return head + luhn_digit(head)
        if predicate in ("rnsr", "rna"):  # RNSR: 9 digits + letter; RNA: W + 9 characters
            digits = value[:9] if predicate == "rnsr" else value[1:]
            shifted = _shift(digits, c) if digits.isdigit() else f"{digits[:-3]}{c:03d}"
            return shifted + value[9:] if predicate == "rnsr" else value[0] + shifted
        if predicate == "orcid":
            return f"{value[:5]}{c:04d}{value[9:]}"
        if predicate == "doi":
            return f"{value}.{c}"
        if predicate == "halId":
            return f"hal-{(int(value[4:]) + c * 100_000) % 10 ** 8:08d}"
        if predicate == "code":
            return f"{value}-{c}"
        return value

    def key_part(self, part: str) -> str:
        """One part of a key: an actor, project or output key changes, years and roles stay."""
        prefix, _, rest = part.partition("-")
        if prefix == "siren" and rest.isdigit():
            return f"siren-{self.siren(rest)}"
        if prefix in ("rnsr", "rna"):
            return f"{prefix}-{self.identifier(prefix, rest.upper()).lower()}"
        if prefix == "orcid":
            return f"orcid-{self.identifier('orcid', rest)}"
        if prefix == "hal" and rest.startswith("hal-"):
            return f"hal-{self.identifier('halId', rest)}"
        return f"{part}-{self.copy}"

    def iri(self, term: NamedNode, keyed: set[str]) -> NamedNode:
        match = self.minted.match(term.value)
        if self.copy == 0 or match is None or match.group(1) in SHARED_TYPES:
            return term
        parts = [self.key_part(part) if part in keyed else part
                 for part in match.group(2).split("--")]
        return NamedNode(term.value[: match.start(2)] + "--".join(parts))

    def literal(self, predicate: str, term: Literal) -> Literal:
        if self.copy == 0 or term.language is None and not term.datatype.value.endswith("#string"):
            return term
        if predicate in RENAMED_TEXT:
            return Literal(f"{term.value} {self.copy}", language=term.language)
        return Literal(self.identifier(predicate, term.value))


def synthesise(example: Path, copies: int, target: Path, base: str) -> int:
    """Write `copies` copies of `example` and the model graph as N-Quads; return the count."""
    triples = list(parse(path=str(example), format=RdfFormat.TURTLE))
    minted = re.compile(re.escape(base) + r"id/([a-z]+)/(.+)")
    # keys of entities that are renamed per copy and may appear inside composite keys
    keyed = {m.group(2) for q in triples if isinstance(q.subject, NamedNode)
             and (m := minted.match(q.subject.value)) and m.group(1) in ("actor", "project",
                                                                          "output")}
    iris = DataIris(base)

    def quads() -> Iterator[Quad]:
        for triple in model_triples():
            yield Quad(triple.subject, triple.predicate, triple.object, iris.model_graph)
        for copy in range(copies):
            rename = Renamer(copy, base)
            graph = iris.source_graph(f"bench-{copy % SOURCE_GRAPHS:02d}.xlsx")
            for triple in triples:
                subject = triple.subject
                assert isinstance(subject, NamedNode)
                kind = minted.match(subject.value)
                if copy and kind and kind.group(1) in SHARED_TYPES:
                    continue
                predicate = triple.predicate.value.removeprefix(_TSR)
                obj = triple.object
                if isinstance(obj, NamedNode):
                    obj = rename.iri(obj, keyed)
                elif isinstance(obj, Literal):
                    obj = rename.literal(predicate, obj)
                yield Quad(rename.iri(subject, keyed), triple.predicate, obj, graph)

    count = 0

    def counted() -> Iterator[Quad]:
        nonlocal count
        for quad in quads():
            count += 1
            yield quad

    serialize(counted(), str(target), RdfFormat.N_QUADS)
    return count
