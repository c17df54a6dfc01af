"""The portal's browse lists (actors, projects, outputs, partnerships) with their facets,
held in memory and read again when the store changes.

What a list holds, in which order, and how many of its items have each facet value is
defined by the named queries `queries/browse-{kind}.rq` and `queries/browse-{kind}-facets.rq`
(a data scientist reproduces a page with them; a test holds this module to their answers).
Asked of the store, a facet count walks every item of the list for every facet: a second
and more per page on a million triples. Here the facts those queries read are read once per
store change (one query, in the background as the other indexes are), then each reader
kind's view is computed from them in Python:

* the items of a kind in the list's order, so that an item is a bit position and a set of
  items an `int` (a bit set): filtering ANDs the sets of the values asked for, a facet
  count is the `bit_count()` of an AND, a page is found among the set bits;
* what each row shows (names, labels' concepts, years), with names of linked entities.

A reader sees what its graphs hold: the facts are kept with their graph, and a view joins
only the facts of the reader's graphs, as the query does on the union of those graphs
(restricted sources never reach an anonymous reader). Text search (`q`) goes through the
search index (search_index.py), which looks in the same properties as the queries' `q`.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from store.namespaces import RDF, TSR

from .kept_snapshot import KeptSnapshot

YEAR_FACETS = frozenset({"year"})
# Views kept per snapshot (one per set of reader graphs: anonymous readers, token holders).
_CACHED_VIEWS = 8


@dataclass(frozen=True)
class Kind:
    """One browsable list: its name in URLs, its class, its facets (the parameters of its
    named query, in the order the page shows them) and its named queries."""
    name: str
    item_class: str
    facets: tuple[str, ...]
    searchable: bool = True

    @property
    def query(self) -> str:
        return f"browse-{self.name}"

    @property
    def facets_query(self) -> str:
        return f"browse-{self.name}-facets"


KINDS: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("actors", TSR + "Actor", ("sector", "type", "legal_form", "region", "department",
                                    "investment_form", "research_field", "programme")),
    Kind("projects", TSR + "Project", ("programme", "year", "status", "participation_level",
                                        "region", "department", "research_field")),
    Kind("outputs", TSR + "Output", ("type", "year", "programme")),
    Kind("partnerships", TSR + "Partnership", ("type", "year", "programme"),
         searchable=False),
)}
SECTORS = (TSR + "TSRActor", TSR + "ESRActor")
# The classes a search result may have, most specific kinds of the portal first.
RESULT_CLASSES = (TSR + "Actor", TSR + "Project", TSR + "Output", TSR + "Programme",
                  TSR + "Network")
_CLASSES = (*SECTORS, *(kind.item_class for kind in KINDS.values()), TSR + "Programme",
            TSR + "Network")
# The properties the named queries read (and the rows show).
_PROPERTIES = tuple(TSR + name for name in (
    "name", "acronym", "title", "code", "actorType", "legalForm", "region", "department",
    "investmentForm", "researchField", "fieldRegion", "fieldDepartment", "projectStatus",
    "participationLevel", "outputType", "partnershipType", "actor", "partner", "project",
    "programme", "year", "startDate", "endDate", "startYear", "endYear"))
# facet name -> property, per kind, for the facets read straight off the item
_DIRECT = {
    "actors": {"type": "actorType", "legal_form": "legalForm", "region": "region",
               "department": "department", "investment_form": "investmentForm",
               "research_field": "researchField"},
    "projects": {"status": "projectStatus", "participation_level": "participationLevel",
                 "region": "fieldRegion", "department": "fieldDepartment",
                 "research_field": "researchField"},
    "outputs": {"type": "outputType", "year": "year"},
    "partnerships": {"type": "partnershipType", "year": "startYear"},
}


@dataclass(frozen=True)
class Facts:
    """The facts the browse queries read, each with its graph: by property local name, the
    (graph number, subject, object's value) triples; and the typed subjects."""
    graphs: dict[str, int]
    by_property: dict[str, list[tuple[int, str, str]]]
    typed: list[tuple[int, str, str]]  # (graph, subject, class)
    views: dict[tuple[str, ...], View] = field(default_factory=dict, compare=False)
    lock: threading.Lock = field(default_factory=threading.Lock, compare=False)

    def view(self, graphs: Sequence[str]) -> View:
        """The lists as a reader of `graphs` sees them (computed once per snapshot)."""
        key = tuple(sorted(graphs))
        found = self.views.get(key)
        if found is None:
            with self.lock:
                found = self.views.get(key)
                if found is None:
                    found = View.of(self, key)
                    if len(self.views) >= _CACHED_VIEWS:
                        self.views.clear()
                    self.views[key] = found
        return found


class BrowseIndex(KeptSnapshot[Facts]):
    """The facts of the browse lists, for one store, rebuilt in the background when the
    store changes (see kept_snapshot.py); safe to use from worker threads."""

    name = "browse-index"

    def _read(self) -> Facts:
        graphs: dict[str, int] = {}
        strings: dict[str, str] = {}  # one str per distinct value: IRIs repeat a lot

        def graph_number(name: str) -> int:
            number = graphs.get(name)
            if number is None:
                number = graphs[name] = len(graphs)
            return number

        properties = " ".join(f"<{p}>" for p in _PROPERTIES)
        by_property: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
        rows = self._store.query(
            f"SELECT ?g ?s ?p ?o WHERE {{ VALUES ?p {{ {properties} }} GRAPH ?g {{ ?s ?p ?o }} "
            "FILTER(isIRI(?s)) }", default_graph=[])
        for row in rows:
            subject, value = row["s"].value, row["o"].value
            by_property[row["p"].value[len(TSR):]].append((
                graph_number(row["g"].value), strings.setdefault(subject, subject),
                strings.setdefault(value, value)))
        classes = " ".join(f"<{c}>" for c in _CLASSES)
        typed = []
        for row in self._store.query(
                f"SELECT ?g ?s ?c WHERE {{ VALUES ?c {{ {classes} }} GRAPH ?g {{ ?s <{RDF}type> ?c }} "
                "FILTER(isIRI(?s)) }", default_graph=[]):
            subject = row["s"].value
            typed.append((graph_number(row["g"].value), strings.setdefault(subject, subject),
                          row["c"].value))
        return Facts(graphs, dict(by_property), typed)


class _Union:
    """The facts of some graphs, joined as the union default graph joins them."""

    def __init__(self, facts: Facts, graphs: Iterable[str]) -> None:
        visible = {facts.graphs[g] for g in graphs if g in facts.graphs}
        self.values: dict[str, dict[str, list[str]]] = {}
        for prop, triples in facts.by_property.items():
            by_subject: dict[str, list[str]] = defaultdict(list)
            for graph, subject, value in triples:
                if graph in visible:
                    by_subject[subject].append(value)
            # a fact in two visible graphs is one triple of the union
            self.values[prop] = {s: sorted(set(v)) if len(v) > 1 else v
                                 for s, v in by_subject.items()}
        self.classes: dict[str, set[str]] = defaultdict(set)
        for graph, subject, cls in facts.typed:
            if graph in visible:
                self.classes[cls].add(subject)

    def of(self, prop: str, subject: str) -> list[str]:
        return self.values.get(prop, {}).get(subject, [])

    def subjects(self, prop: str) -> dict[str, list[str]]:
        return self.values.get(prop, {})


@dataclass
class KindView:
    """One list as one reader kind sees it."""
    kind: Kind
    items: list[str]  # IRIs, in the list's order
    position: dict[str, int]
    facets: dict[str, dict[str, int]]  # facet -> value -> bit set of items
    rows: list[dict[str, Any]]  # what each item's row shows, by position
    everything: int = 0  # the bit set of every item
    counts_of_all: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    def select(self, chosen: dict[str, str], among: int | None = None) -> int:
        """The bit set of the items with every chosen facet value (and in `among`)."""
        selected = self.everything if among is None else among & self.everything
        for facet, value in chosen.items():
            selected &= self.facets.get(facet, {}).get(value, 0)
        return selected

    def counts(self, selected: int) -> dict[str, list[tuple[str, int]]]:
        """Per facet, (value, how many selected items have it) for values with some."""
        if selected == self.everything and self.counts_of_all:
            return self.counts_of_all
        found: dict[str, list[tuple[str, int]]] = {}
        for facet in self.kind.facets:
            values = []
            for value, bits in self.facets.get(facet, {}).items():
                count = (bits & selected).bit_count()
                if count:
                    values.append((value, count))
            found[facet] = values
        return found

    def page(self, selected: int, start: int, size: int) -> list[int]:
        """Positions of the selected items number `start` to `start + size - 1`."""
        return set_bits(selected, start, size)

    def bits_of(self, items: Iterable[str]) -> int:
        """The bit set of those of `items` that are in this list."""
        return bit_set(self.position[item] for item in items if item in self.position)


@dataclass
class View:
    """Every list, and the kinds of entities, as a reader of some graphs sees them."""
    kinds: dict[str, KindView]
    classes: dict[str, set[str]]  # class IRI -> its visible instances among _CLASSES
    names: dict[str, str]  # entity IRI -> its display name

    @classmethod
    def of(cls, facts: Facts, graphs: Sequence[str]) -> View:
        union = _Union(facts, graphs)
        names = _names(union)
        kinds = {name: _kind_view(KINDS[name], union, names) for name in KINDS}
        return cls(kinds, union.classes, names)


def _names(union: _Union) -> dict[str, str]:
    """The name of every entity: its name, else its title, else its code (least first)."""
    names: dict[str, str] = {}
    for prop in ("code", "title", "name"):  # the later wins
        for subject, values in union.subjects(prop).items():
            names[subject] = min(values)
    return names


def _sort_key(values: list[str]) -> str | None:
    """`MIN(LCASE(STR(?v)))`; None when unbound (sorts first, as SPARQL's ORDER BY does)."""
    return min(value.lower() for value in values) if values else None


def _ordered(keys: dict[str, tuple[tuple[int, str]]]) -> list[str]:
    return sorted(keys, key=lambda item: (*keys[item], item))


def _unbound_first(value: str | None) -> tuple[int, str]:
    return (0, "") if value is None else (1, value)


def _kind_view(kind: Kind, union: _Union, names: dict[str, str]) -> KindView:
    members = union.classes.get(kind.item_class, set())
    if kind.name == "actors":
        named = union.subjects("name")
        keys = {item: (_unbound_first(_sort_key(named[item])),) for item in members
                if item in named}
        items = _ordered(keys)
    elif kind.name == "projects":
        keys = {item: (_unbound_first(_sort_key(union.of("title", item))),) for item in members}
        items = _ordered(keys)
    elif kind.name == "outputs":
        # ORDER BY DESC(?when) ?sort ?item: the newest first, no year last
        by_title = sorted(members, key=lambda item: (
            _unbound_first(_sort_key(union.of("title", item))), item))
        years = {item: min(union.of("year", item), default=None) for item in members}
        items = sorted(by_title, key=lambda item: _unbound_first(years[item]), reverse=True)
        # reverse=True keeps equal keys in their order: sorted() is stable either way
    else:
        keys = {item: (_unbound_first(min(union.of("startYear", item), default=None)),)
                for item in members}
        items = _ordered(keys)
    position = {item: number for number, item in enumerate(items)}
    values: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for facet, prop in _DIRECT[kind.name].items():
        subjects = union.subjects(prop)
        for item, number in position.items():
            for value in subjects.get(item, ()):
                values[facet][value[:4] if facet in YEAR_FACETS else value].append(number)
    if kind.name == "actors":
        for sector in SECTORS:
            values["sector"][sector] = [position[item] for item in union.classes.get(sector, ())
                                        if item in position]
    if kind.name == "projects":
        for item, number in position.items():
            for start in union.of("startDate", item):
                values["year"][start[:4]].append(number)
    _programme_values(kind, union, position, values)
    facets = {facet: {value: bit_set(numbers) for value, numbers in by_value.items()}
              for facet, by_value in values.items()}
    rows = [_row(kind, item, union, names) for item in items]
    view = KindView(kind, items, position, facets, rows, everything=(1 << len(items)) - 1)
    view.counts_of_all = view.counts(view.everything)
    return view


def _programme_values(kind: Kind, union: _Union, position: dict[str, int],
                      values: dict[str, dict[str, list[int]]]) -> None:
    """The programme facet: the programme of a funding (anything with tsr:project and
    tsr:programme) of the project the item is linked to, as the queries join them."""
    programmes_of: dict[str, set[str]] = defaultdict(set)  # project -> programmes
    funded = union.subjects("programme")
    for funding, projects in union.subjects("project").items():
        for programme in funded.get(funding, ()):
            for project in projects:
                programmes_of[project].add(programme)
    found: dict[str, set[str]] = defaultdict(set)  # item -> programmes
    if kind.name == "projects":
        for project, programmes in programmes_of.items():
            if project in position:
                found[project] |= programmes
    elif kind.name == "actors":
        # anything linking an actor to a project: a participation (or a partnership)
        linked = union.subjects("project")
        for link, actors in union.subjects("actor").items():
            for project in linked.get(link, ()):
                for actor in actors:
                    if actor in position:
                        found[actor] |= programmes_of.get(project, set())
    else:  # outputs and partnerships: through their own tsr:project
        for item in position:
            for project in union.of("project", item):
                found[item] |= programmes_of.get(project, set())
    for item, programmes in found.items():
        for programme in programmes:
            values["programme"][programme].append(position[item])


def _row(kind: Kind, item: str, union: _Union, names: dict[str, str]) -> dict[str, Any]:
    """What the list shows of one item: text, and IRIs (concepts, entities) the page labels."""
    first = _first_of(union, item)
    if kind.name == "actors":
        return {"name": first("name"), "acronym": first("acronym"),
                "type": first("actorType"), "region": first("region"),
                "department": first("department"),
                "sector": next((s for s in SECTORS if item in union.classes.get(s, ())), None)}
    if kind.name == "projects":
        return {"name": first("title") or first("code") or "", "code": first("code"),
                "start": (first("startDate") or "")[:4] or None,
                "end": (first("endDate") or "")[:4] or None,
                "status": first("projectStatus"), "region": first("fieldRegion")}
    if kind.name == "outputs":
        authors = sorted(union.of("author", item), key=lambda a: names.get(a, a))
        return {"name": first("title") or "", "year": first("year"), "type": first("outputType"),
                "project": first("project"), "authors": authors}
    return {"actor": first("actor"), "partner": first("partner"),
            "type": first("partnershipType"), "start": first("startYear"),
            "end": first("endYear"), "project": first("project")}


def _first_of(union: _Union, item: str) -> Any:
    def first(prop: str) -> str | None:
        values = union.of(prop, item)
        return min(values) if values else None
    return first


def bit_set(positions: Iterable[int]) -> int:
    """An int whose bits are set at `positions`."""
    numbers = list(positions)
    if not numbers:
        return 0
    flags = bytearray(max(numbers) // 8 + 1)
    for number in numbers:
        flags[number >> 3] |= 1 << (number & 7)
    return int.from_bytes(flags, "little")


def set_bits(bits: int, start: int, size: int) -> list[int]:
    """Positions of the set bits of `bits` number `start` to `start + size - 1` (from the
    least significant), found in C: the bits as text, searched and counted."""
    if bits <= 0 or size <= 0:
        return []
    text = bin(bits)[:1:-1]  # bit n is character n
    at = 0
    if start:
        # the least position with `start` set bits before it
        low, high = 0, len(text)
        while low < high:
            middle = (low + high) // 2
            if text.count("1", 0, middle) < start:
                low = middle + 1
            else:
                high = middle
        at = low
    found: list[int] = []
    while len(found) < size:
        at = text.find("1", at)
        if at < 0:
            break
        found.append(at)
        at += 1
    return found
