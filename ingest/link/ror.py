"""`tsr link ror --dump FILE`: organisations matched against a ROR data dump (schema v2).

The dump (the zip as distributed, or its extracted JSON array) is read one record at a
time with ijson, never whole. Rules, strongest first (a weaker rule is only used for an
actor that no stronger rule matched):

0. `ror:id`: the actor's `tsr:ror` is the record's id;
1. `ror:wikidata`, `ror:isni`: an id the actor holds is among the record's `external_ids`;
2. `ror:name+country`: the normalised name (or an alias/label of the record) is the
   actor's name in the same country; similar names score by `names.similarity` and are
   linked at `NAME_THRESHOLD` and above, and sent to review between `REVIEW_FLOOR` and it.

Links are `owl:sameAs`/`schema:sameAs <https://ror.org/…>`, plus `tsr:ror` for actors that
lack it, all in `{base}graph/links/ror`.
"""

from __future__ import annotations

import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import ijson
from pyoxigraph import NamedNode

from store import Store
from store.namespaces import DataIris
from store.rdf_files import BadInputError
from store.reconciliation.names import distinctive_tokens, normalise, similarity

from .matching import Candidate, decide, links_for, missing_identifier_links
from .records import LinkRun, save_run
from .review import BELOW_THRESHOLD, ReviewItem
from .subjects import Subject, graphs_except, read_actors, read_names

ROR_PREFIX = "https://ror.org/"
NAME_THRESHOLD = 0.92
REVIEW_FLOOR = 0.75
# The observatory's actors are French organisations.
ACTOR_COUNTRY = "FR"


@dataclass
class RorResult:
    run: LinkRun
    review: list[ReviewItem]
    records_read: int
    triples: int = 0


def link_ror(store: Store, iris: DataIris, dump: Path, *, write: bool = True) -> RorResult:
    run = LinkRun("ror", dump.resolve().as_uri(), iris)
    graphs = graphs_except(store, run.graph)
    actors = read_actors(store, graphs)
    for iri, names in read_names(store, graphs).items():
        actor = actors.setdefault(iri, Subject(NamedNode(iri)))
        actor.label = actor.label or names[0]
        actor.ids["name"].update(names)
    index = _ActorIndex(actors.values())
    candidates: list[Candidate] = []
    near_misses: list[ReviewItem] = []
    count = 0
    for record in read_dump(dump):
        count += 1
        found, missed = index.match(record)
        candidates += found
        near_misses += missed
    accepted, review = decide("ror", candidates)
    linked = {c.subject.iri.value for c in accepted}
    review += [item for item in near_misses if item.subject not in linked]
    run.links = links_for(accepted) + missing_identifier_links(accepted, "ror", ROR_PREFIX)
    run.reviewed = len(review)
    result = RorResult(run, review, count)
    if write:
        result.triples = save_run(store, run)
    return result


class _ActorIndex:
    def __init__(self, actors: Iterable[Subject]) -> None:
        self.by_id: dict[tuple[str, str], list[Subject]] = defaultdict(list)
        self.by_name: dict[str, list[Subject]] = defaultdict(list)
        self.by_token: dict[str, list[tuple[str, Subject]]] = defaultdict(list)
        for actor in actors:
            for kind in ("ror", "wikidata", "isni"):
                for value in actor.ids.get(kind, ()):
                    self.by_id[(kind, _id_form(kind, value))].append(actor)
            for name in actor.ids.get("name", ()):
                self.by_name[normalise(name)].append(actor)
                for token in distinctive_tokens(name):
                    self.by_token[token].append((name, actor))

    def match(self, record: dict[str, Any]) -> tuple[list[Candidate], list[ReviewItem]]:
        ror = str(record.get("id", ""))
        if not ror.startswith(ROR_PREFIX) or record.get("status") == "withdrawn":
            return [], []
        found = [Candidate(actor, ror, "ror:id", "ror", ror[len(ROR_PREFIX):], 0)
                 for actor in self.by_id.get(("ror", ror[len(ROR_PREFIX):]), ())]
        for kind, value in _external_ids(record):
            found += [Candidate(actor, ror, f"ror:{kind}", kind, value, 1)
                      for actor in self.by_id.get((kind, value), ())]
        if _country(record) != ACTOR_COUNTRY:
            return found, []
        missed: list[ReviewItem] = []
        for name in _record_names(record):
            found += [Candidate(actor, ror, "ror:name+country", "name", name, 2, 1.0)
                      for actor in self.by_name.get(normalise(name), ())]
            for actor_name, actor, score in self._similar(name):
                if score >= NAME_THRESHOLD:
                    found.append(Candidate(actor, ror, "ror:name+country", "name", name, 3, score))
                elif score >= REVIEW_FLOOR:
                    missed.append(ReviewItem("ror", actor.iri.value, actor.label,
                                             f"name={actor_name}", (ror,), "ror:name+country",
                                             BELOW_THRESHOLD, score))
        return found, missed

    def _similar(self, name: str) -> Iterator[tuple[str, Subject, float]]:
        seen: set[tuple[str, str]] = set()
        exact = normalise(name)
        for token in distinctive_tokens(name):
            for actor_name, actor in self.by_token.get(token, ()):
                key = (actor_name, actor.iri.value)
                if key in seen or normalise(actor_name) == exact:
                    continue
                seen.add(key)
                yield actor_name, actor, similarity(actor_name, name)


def _external_ids(record: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for external in record.get("external_ids") or ():
        kind = external.get("type")
        if kind in ("wikidata", "isni"):
            for value in external.get("all") or ():
                yield kind, _id_form(kind, str(value))


def _record_names(record: dict[str, Any]) -> list[str]:
    return [str(n["value"]) for n in record.get("names") or ()
            if n.get("value") and "acronym" not in (n.get("types") or ())]


def _country(record: dict[str, Any]) -> str | None:
    for location in record.get("locations") or ():
        details = location.get("geonames_details") or {}
        if details.get("country_code"):
            return str(details["country_code"])
    return None


def _id_form(kind: str, value: str) -> str:
    if kind == "isni":
        return value.replace(" ", "").upper()
    if kind == "ror":
        return value.strip().removeprefix(ROR_PREFIX).lower()
    return value.strip().upper()


# -- reading the dump ----------------------------------------------------------------------

def read_dump(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a ROR v2 dump, one at a time, from a `.zip` or a `.json` file."""
    with _open_dump(path) as (handle, name):
        try:
            for record in ijson.items(handle, "item"):
                if not isinstance(record, dict):
                    raise BadInputError(f"{name}: not a ROR dump (expected an array of records)")
                yield record
        except ijson.JSONError as error:
            raise BadInputError(f"{name}: not valid JSON: {error}") from None


@contextmanager
def _open_dump(path: Path) -> Iterator[tuple[IO[bytes], str]]:
    if not path.is_file():
        raise BadInputError(f"{path}: no such file")
    if not zipfile.is_zipfile(path):
        with path.open("rb") as handle:
            yield handle, str(path)
        return
    with zipfile.ZipFile(path) as archive:
        member = _dump_member(archive, path)
        with archive.open(member) as handle:
            yield handle, f"{path}:{member}"


def _dump_member(archive: zipfile.ZipFile, path: Path) -> str:
    # Dumps since v1.45 hold a v1 file and a `…_schema_v2.json` file: take the v2 one.
    names = [n for n in archive.namelist() if n.endswith(".json")]
    v2 = [n for n in names if "schema_v2" in n]
    if v2:
        return v2[0]
    if len(names) == 1:
        return names[0]
    raise BadInputError(f"{path}: no ROR schema v2 JSON file in the zip (found: "
                        f"{', '.join(names) or 'no JSON file'})")
