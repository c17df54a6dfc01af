"""Reconciling names (and identifiers) against the observatory's actors and outputs.

The logic behind the W3C Reconciliation API at `/reconcile` (api/routes/reconcile.py):
the entities a reader may see are read once per store state, then each query is scored.

Scores are 0..100: the name score (`names.name_score`, best of the entity's names, acronym
or title), then the property constraints: an identifier that equals the entity's makes it
a sure match (100, `match: true`); one that differs costs 30; a place (region, department,
commune) that agrees adds 5 and one that differs costs 20. A query whose text is one of an
entity's identifiers (a SIREN, an RNSR, a ROR id or URL, a DOI with or without its
`https://doi.org/`..., spaced or not, after its scheme's name or not) is a sure match too.
A name equal to the entity's, with no constraint against it and no other candidate as
good, is a match. Candidates under MIN_SCORE are not returned: a nonsense query gets none.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import NamedNode

from ..base import Store
from ..namespaces import RDF, SKOS, TSR
from .names import name_score, normalise

IDENTIFIER_PROPERTIES = ("siren", "siret", "rna", "rnsr", "ror", "idref", "wikidata",
                         "halStructure", "orcid", "doi", "halId")
NAME_PROPERTIES = ("name", "acronym", "title")
PLACE_PROPERTIES = ("region", "department", "commune", "communeCode")
PROPERTY_NAMES = {
    "siren": "SIREN", "siret": "SIRET", "rna": "RNA", "rnsr": "RNSR", "ror": "ROR",
    "idref": "IdRef", "wikidata": "Wikidata", "halStructure": "HAL structure",
    "orcid": "ORCID", "doi": "DOI", "halId": "HAL id", "region": "Region",
    "department": "Department", "commune": "Commune", "communeCode": "Commune code (INSEE)",
}
# What data extension offers (OpenRefine's "add columns from reconciled values")
EXTENSION_NAMES = {"name": "Name", "acronym": "Acronym", "title": "Title", **PROPERTY_NAMES}
# Under this, a candidate is not worth showing: names sharing only common words score
# 40-50, nonsense under 30 (names.name_score)
MIN_SCORE = 50.0
# An identifier shorter than this in a query's text is not taken for one ("Q1", "42")
_MIN_IDENTIFIER = 4
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:")
_NOT_ACTORS = ("Programme", "Network")


@dataclass
class ActorRecord:
    iri: str
    names: list[str] = field(default_factory=list)
    types: set[str] = field(default_factory=set)
    values: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # compared
    shown: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # as written

    @property
    def name(self) -> str:
        return self.names[0] if self.names else self.iri.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Scored:
    actor: ActorRecord
    score: float
    match: bool


def load_actors(store: Store, graphs: list[NamedNode]) -> dict[str, ActorRecord]:
    """Actors (anything named with a tsr: class other than programme/network) and outputs
    (by title), with their names, types, identifiers and places; places also by notation
    and label (shown by their French label)."""
    if not graphs:
        return {}
    wanted = (*NAME_PROPERTIES, *IDENTIFIER_PROPERTIES, *PLACE_PROPERTIES)
    values = " ".join(f"<{TSR}{name}>" for name in wanted)
    excluded = ", ".join(f"<{TSR}{name}>" for name in _NOT_ACTORS)
    rows = store.query(f"""
        SELECT ?a ?p ?v ?notation ?label WHERE {{
          {{ ?a <{TSR}name> [] }} UNION {{ ?a a <{TSR}Output> }}
          ?a a ?class .
          FILTER(STRSTARTS(STR(?class), "{TSR}") && ?class NOT IN ({excluded}))
          {{ VALUES ?p {{ {values} <{RDF}type> }} ?a ?p ?v }}
          OPTIONAL {{ ?v <{SKOS}notation> ?notation }}
          OPTIONAL {{ ?v <{SKOS}prefLabel> ?label FILTER(LANGMATCHES(LANG(?label), "fr")) }}
        }}""", default_graph=graphs)
    actors: dict[str, ActorRecord] = {}
    for row in rows:
        iri = row["a"].value
        actor = actors.setdefault(iri, ActorRecord(iri))
        prop, value = row["p"].value, row["v"].value
        if prop == RDF + "type":
            if value.startswith(TSR):
                actor.types.add(value)
            continue
        name = prop[len(TSR):]
        if name in NAME_PROPERTIES:
            actor.shown[name].add(value)
            if value not in actor.names:
                # the full name first: it is what people read in the candidate list
                actor.names.insert(len(actor.names) if name == "acronym" else 0, value)
            continue
        actor.values[name].add(_plain(value))
        if isinstance(row["v"], NamedNode):
            actor.values[name].add(_plain(value.rsplit("/", 1)[-1]))
        for found in (row["notation"], row["label"]):
            if found is not None:
                actor.values[name].add(_plain(found.value))
        actor.shown[name].add(row["label"].value if row["label"] is not None else value)
    return actors


def reconcile(query: dict[str, Any], actors: Iterable[ActorRecord],
              default_limit: int = 3) -> list[Scored]:
    text = str(query.get("query") or "")
    constraints = _constraints(query.get("properties") or [])
    wanted_types = _as_strings(query.get("type"))
    strict = query.get("type_strict", "any") != "should"
    scored: list[Scored] = []
    for actor in actors:
        if wanted_types and strict and not actor.types & set(wanted_types):
            continue
        score, sure = _score(text, constraints, actor)
        if score >= MIN_SCORE or sure:
            scored.append(Scored(actor, score, sure))
    scored.sort(key=lambda s: (-s.score, s.actor.name))
    limit = _limit(query.get("limit"), default_limit)
    return _with_name_match(scored, text)[:limit]


def _score(text: str, constraints: list[tuple[str, set[str]]],
           actor: ActorRecord) -> tuple[float, bool]:
    if text and _names_identifier(text, actor):
        return 100.0, True
    score = max((name_score(text, name) for name in actor.names), default=0.0) if text else 0.0
    sure = False
    for name, wanted in constraints:
        held = actor.values.get(name, set())
        if name in PLACE_PROPERTIES:
            if held & wanted:
                score += 5
            elif held:
                score -= 20
        elif held & wanted:
            sure = True
        elif held:
            score -= 30
    if sure:
        return 100.0, True
    return max(0.0, min(score, 100.0)), False


def _names_identifier(text: str, actor: ActorRecord) -> bool:
    """The query's text is one of the entity's identifiers: as it is, its last word
    ("SIREN 810079194"), the end of its URL (a ROR or Wikidata URL), or a DOI; each also
    without a leading scheme label ("SIRET: 810 791 905 00013"). Spaces never count
    ("810 791 905" is the SIREN 810791905)."""
    stripped = text.strip()
    unlabelled = _IDENTIFIER_LABEL.sub("", stripped, count=1).strip() or stripped
    forms = {_plain(form) for written in {stripped, unlabelled} for form in _forms(written)}
    forms = {form for form in forms if len(form) >= _MIN_IDENTIFIER}
    return any(actor.values.get(name, set()) & forms for name in IDENTIFIER_PROPERTIES)


def _forms(text: str) -> tuple[str, ...]:
    lowered = text.lower()
    doi = next((text[len(p):] for p in _DOI_PREFIXES if lowered.startswith(p)), text)
    return (text, text.split()[-1] if text else "", text.rstrip("/").rsplit("/", 1)[-1], doi)


# A scheme's name written before an identifier ("SIREN 810 791 905", "RNSR: 219066159K",
# "hal id hal-01234567"), case aside, with or without a colon: the names of
# IDENTIFIER_PROPERTIES, and "HAL" alone (for HAL's two schemes), longest first so that
# "HAL structure" wins over "HAL"
_IDENTIFIER_LABEL = re.compile(
    r"^(?:{})\b\s*:?\s*".format("|".join(
        re.escape(label).replace(r"\ ", r"\s+") for label in sorted(
            {PROPERTY_NAMES[name] for name in IDENTIFIER_PROPERTIES} | {"HAL"},
            key=len, reverse=True))),
    re.IGNORECASE)


def _with_name_match(scored: list[Scored], text: str) -> list[Scored]:
    if not scored or scored[0].match:
        return scored
    best = scored[0]
    alone = len(scored) == 1 or scored[1].score < best.score
    exact = any(normalise(name) == normalise(text) for name in best.actor.names)
    if best.score >= 100 and exact and alone:
        return [Scored(best.actor, best.score, True), *scored[1:]]
    return scored


def _constraints(properties: Any) -> list[tuple[str, set[str]]]:
    found: list[tuple[str, set[str]]] = []
    if not isinstance(properties, list):
        return found
    for item in properties:
        if not isinstance(item, dict):
            continue
        pid = str(item.get("pid") or "").removeprefix(TSR)
        if pid in PROPERTY_NAMES:
            found.append((pid, {_plain(v) for v in _as_strings(item.get("v"))}))
    return found


def _as_strings(value: Any) -> list[str]:
    """The spec lets a value be a string, a number, an `{"id": …}` object, or a list."""
    if value is None:
        return []
    if isinstance(value, list):
        return [s for v in value for s in _as_strings(v)]
    if isinstance(value, dict):
        return _as_strings(value.get("id") or value.get("name"))
    return [str(value)]


def _plain(value: str) -> str:
    return normalise(value).replace(" ", "")


def _limit(value: Any, default: int) -> int:
    try:
        return max(1, min(int(value), 100))
    except (TypeError, ValueError):
        return default


def suggest(prefix: str, actors: Iterable[ActorRecord], limit: int = 10,
            types: Iterable[str] = ()) -> list[ActorRecord]:
    """Entities whose names start with (or contain) `prefix`, starts first; of one of
    `types` (class IRIs) when given."""
    wanted = normalise(prefix)
    if not wanted:
        return []
    wanted_types = set(types)
    starts, contains = [], []
    for actor in actors:
        if wanted_types and not actor.types & wanted_types:
            continue
        names = [normalise(n) for n in actor.names]
        if any(n.startswith(wanted) for n in names):
            starts.append(actor)
        elif any(wanted in n for n in names):
            contains.append(actor)
    ordered = sorted(starts, key=lambda a: a.name) + sorted(contains, key=lambda a: a.name)
    return ordered[:limit]


def extend(ids: Iterable[str], properties: Iterable[str], entities: dict[str, ActorRecord]
           ) -> dict[str, dict[str, list[dict[str, str]]]]:
    """Data extension: for each entity IRI, the values of each wanted property as the
    W3C API's cells (`{"str": ...}`); an unknown entity or property gives empty cells."""
    rows: dict[str, dict[str, list[dict[str, str]]]] = {}
    for iri in ids:
        entity = entities.get(iri)
        rows[iri] = {pid: [{"str": value} for value in _values_of(entity, pid)]
                     for pid in properties}
    return rows


def _values_of(entity: ActorRecord | None, pid: str) -> list[str]:
    return [] if entity is None else sorted(entity.shown.get(pid, set()))
