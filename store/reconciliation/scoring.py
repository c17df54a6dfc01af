"""Reconciling names (and identifiers) against the observatory's actors.

The logic behind the W3C Reconciliation API at `/reconcile` (api/routes/reconcile.py):
the actors a reader may see are read once per request, then each query is scored.

Scores are 0..100: the name similarity (`names.similarity`, best of the actor's names and
acronym), then the property constraints: an identifier that equals the actor's makes it a
sure match (100, `match: true`); one that differs costs 30; a place (region, department,
commune) that agrees adds 5 and one that differs costs 20. A name equal to the actor's,
with no constraint against it and no other candidate as good, is a match too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import NamedNode

from ..base import Store
from ..namespaces import RDF, SKOS, TSR
from .names import normalise, similarity

IDENTIFIER_PROPERTIES = ("siren", "siret", "rna", "rnsr", "ror", "idref", "wikidata",
                         "halStructure", "orcid")
PLACE_PROPERTIES = ("region", "department", "commune", "communeCode")
PROPERTY_NAMES = {
    "siren": "SIREN", "siret": "SIRET", "rna": "RNA", "rnsr": "RNSR", "ror": "ROR",
    "idref": "IdRef", "wikidata": "Wikidata", "halStructure": "HAL structure",
    "orcid": "ORCID", "region": "Region", "department": "Department", "commune": "Commune",
    "communeCode": "Commune code (INSEE)",
}
MIN_SCORE = 30.0
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
    """Actors (anything named with a tsr: class other than programme/network) and their
    names, types, identifiers and places; places also by notation and label."""
    if not graphs:
        return {}
    wanted = ("name", "acronym", *IDENTIFIER_PROPERTIES, *PLACE_PROPERTIES)
    values = " ".join(f"<{TSR}{name}>" for name in wanted)
    excluded = ", ".join(f"<{TSR}{name}>" for name in _NOT_ACTORS)
    rows = store.query(f"""
        SELECT ?a ?p ?v ?label WHERE {{
          ?a <{TSR}name> [] ; a ?class .
          FILTER(STRSTARTS(STR(?class), "{TSR}") && ?class NOT IN ({excluded}))
          {{ VALUES ?p {{ {values} <{RDF}type> }} ?a ?p ?v }}
          OPTIONAL {{ ?v <{SKOS}notation>|<{SKOS}prefLabel> ?label }}
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
        if name in ("name", "acronym"):
            if value not in actor.names:
                # the full name first: it is what people read in the candidate list
                actor.names.insert(len(actor.names) if name == "acronym" else 0, value)
            continue
        actor.values[name].add(_plain(value))
        actor.shown[name].add(value)
        if isinstance(row["v"], NamedNode):
            actor.values[name].add(_plain(value.rsplit("/", 1)[-1]))
        if row["label"] is not None:
            actor.values[name].add(_plain(row["label"].value))
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
    score = 100.0 * max((similarity(text, name) for name in actor.names), default=0.0) \
        if text else 0.0
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


def suggest(prefix: str, actors: Iterable[ActorRecord], limit: int = 10) -> list[ActorRecord]:
    """Actors whose names start with (or contain) `prefix`, starts first."""
    wanted = normalise(prefix)
    if not wanted:
        return []
    starts, contains = [], []
    for actor in actors:
        names = [normalise(n) for n in actor.names]
        if any(n.startswith(wanted) for n in names):
            starts.append(actor)
        elif any(wanted in n for n in names):
            contains.append(actor)
    ordered = sorted(starts, key=lambda a: a.name) + sorted(contains, key=lambda a: a.name)
    return ordered[:limit]
