"""An in-memory index of the values `/api/search` looks in, per source graph.

Oxigraph has no text index: `queries/api-search.rq` reads every name, title, code and
identifier of the store and folds its case and accents with ten REPLACEs (half a second on
a million triples). This index holds those values already folded, grouped by the graph
they come from, so a search reads only the graphs the reader may see (restricted sources
stay invisible) and answers which items match, in the query's order, with their total.
The route then runs the named query with the page's items bound, as every curated route
runs its query.

It is built on the first search and rebuilt when the store may have changed (see
store_state.py), in the background: meanwhile the named query answers searches alone.
At a million triples it holds 75,034 values of 31,907 items in about 8 MB and takes 1.2 to
2.5 s to build (the engine decodes every value); a lookup takes 1 to 13 ms (80 ms for a
text found in 31,000 items).
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from pyoxigraph import BlankNode, NamedNode

from store.namespaces import RDFS, TSR

from .kept_snapshot import KeptSnapshot

# The properties the search looks in: the same as the UNION branches of
# queries/api-search.rq (a test holds the two together).
SEARCHED_PROPERTIES = tuple(TSR + name for name in (
    "name", "acronym", "title", "code", "siren", "siret", "rna", "rnsr", "ror", "idref",
    "orcid", "doi", "halId", "wikidata"))
# What the query's REPLACEs do after LCASE, character by character.
_ACCENT_FOLDS = str.maketrans({
    **dict.fromkeys("àáâãäå", "a"), **dict.fromkeys("èéêë", "e"),
    **dict.fromkeys("ìíîï", "i"), **dict.fromkeys("òóôõö", "o"),
    **dict.fromkeys("ùúûü", "u"), "ç": "c", "œ": "oe", "æ": "ae",
    **dict.fromkeys("ýÿ", "y"), "ñ": "n",
})
# Class filters remembered (per class and set of graphs) until the store changes.
_CACHED_CLASSES = 64
# Between two values of a graph's text; a search text holding it is matched value by value.
_SEPARATOR = "\x00"

_UNRANKED = 1 << 62
Item = NamedNode | BlankNode  # what a list names: a subject of the store


def fold_value(text: str) -> str:
    """A stored value as the query folds it: `REPLACE(…REPLACE(LCASE(STR(?value))…)`.

    >>> fold_value("Économie SOLIDAIRE, Œuvre")
    'economie solidaire, oeuvre'
    """
    return text.lower().translate(_ACCENT_FOLDS)


class GraphValues:
    """The searched values of one graph. `text` is every folded value, joined, so that one
    `str.find` scans them all; value n begins at `starts[n]`, belongs to item number
    `items[n]` and has `ranks[n]` as its place in the query's sort (see `Snapshot`)."""

    def __init__(self) -> None:
        self.folded: list[str] = []  # while the graph is read; then joined into `text`
        self.text = ""
        self.starts = array("q")
        self.items = array("q")
        self.ranks = array("q")

    def seal(self) -> None:
        offset = 0
        for value in self.folded:
            self.starts.append(offset)
            offset += len(value) + 1
        self.text = _SEPARATOR.join(self.folded)
        self.folded = []

    def value(self, number: int) -> str:
        """The folded value `number`."""
        following = number + 1
        end = self.starts[following] - 1 if following < len(self.starts) else len(self.text)
        return self.text[self.starts[number]:end]

    def matches(self, text: str) -> Iterator[tuple[int, bool]]:
        """(value number, does the value start with `text`) for each value containing it."""
        if _SEPARATOR in text or not text:
            values = (self.value(n) for n in range(len(self.starts)))
            yield from ((n, v.startswith(text)) for n, v in enumerate(values) if text in v)
            return
        starts, last = self.starts, len(self.starts) - 1
        found = self.text.find(text)
        while found != -1:
            number = bisect_right(starts, found) - 1
            yield number, found == starts[number]  # the first hit in a value
            if number == last:
                return
            found = self.text.find(text, starts[number + 1])


@dataclass(frozen=True)
class Snapshot:
    """The index of the store as it was at one moment. Ranks order every value of every
    graph by `LCASE(STR(?value))` then by item as SPARQL orders terms (blank nodes first),
    so an item's least rank among its matching values is its place in
    `ORDER BY ?sort ?item` (its `?sort` is the least of those values)."""
    graphs: dict[str, GraphValues]
    items: list[Item]
    numbers: dict[Item, int]
    # items of a class (and its subclasses) in a set of graphs: (class, *graphs): numbers
    classes: dict[tuple[str, ...], frozenset[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: Iterable[tuple[str, Item, str]]) -> Snapshot:
        graphs: dict[str, GraphValues] = {}
        items: list[Item] = []
        numbers: dict[Item, int] = {}
        keys: list[tuple[str, bool, str, GraphValues, int]] = []
        for graph, item, value in rows:
            values = graphs.get(graph)
            if values is None:
                values = graphs[graph] = GraphValues()
            number = numbers.get(item)
            if number is None:
                number = numbers[item] = len(items)
                items.append(item)
            lowered = value.lower()
            keys.append((lowered, isinstance(item, NamedNode), item.value, values,
                         len(values.folded)))
            values.folded.append(lowered.translate(_ACCENT_FOLDS))
            values.items.append(number)
        for values in graphs.values():
            values.ranks.extend([0] * len(values.folded))
            values.seal()
        keys.sort(key=lambda key: key[:3])
        for rank, (*_, values, position) in enumerate(keys):
            values.ranks[position] = rank
        return cls(graphs, items, numbers)

    def search(self, text: str, graphs: Iterable[NamedNode],
               among: Collection[int] | None = None) -> list[Item]:
        best: dict[int, int] = {}  # item number: least rank of a matching value
        starting: set[int] = set()
        for graph in graphs:
            values = self.graphs.get(graph.value)
            if values is None:
                continue
            items, ranks = values.items, values.ranks
            for number, at_start in values.matches(text):
                item, rank = items[number], ranks[number]
                if rank < best.get(item, _UNRANKED):
                    best[item] = rank
                if at_start:
                    starting.add(item)
        if among is not None:  # item numbers of the class asked for
            best = {item: rank for item, rank in best.items() if item in among}
        # DESC(?starts) first: an item with no value starting with the text goes after all
        later = _UNRANKED
        order = sorted(best, key=lambda item: best[item] + (0 if item in starting else later))
        return [self.items[item] for item in order]


class SearchIndex(KeptSnapshot[Snapshot]):
    """Searched values per graph, for one store, rebuilt in the background when the store
    changes (see kept_snapshot.py); safe to use from worker threads."""

    name = "search-index"

    def search(self, snapshot: Snapshot, text: str, graphs: Iterable[NamedNode],
               wanted: NamedNode | None = None, *, whole_store: bool = False) -> list[Item]:
        """Items with a value in one of `graphs` containing `text` (folded, as the query's
        `?_q`), of class `wanted` if given, in the query's order. `whole_store`: `graphs`
        are every graph of the store (the class is then looked up on the engine's union,
        several times cheaper than on a list of graphs)."""
        graph_list = list(graphs)
        among = None if wanted is None else self._of_class(snapshot, wanted, graph_list,
                                                            whole_store)
        return snapshot.search(text, graph_list, among)

    def _of_class(self, snapshot: Snapshot, wanted: NamedNode, graphs: list[NamedNode],
                  whole_store: bool) -> frozenset[int]:
        """Items of class `wanted` or a subclass in `graphs` (the query's `class` filter),
        asked of the store once per class and graphs for each snapshot."""
        graph_list = sorted(graphs, key=lambda graph: graph.value)
        key = (wanted.value, *(graph.value for graph in graph_list))
        known = snapshot.classes.get(key)
        if known is None:
            dataset = None if whole_store else graph_list
            rows = self._store.query(
                f"SELECT DISTINCT ?item WHERE {{ ?item a/<{RDFS}subClassOf>* ?class }}",
                {"class": wanted}, default_graph=dataset, named_graphs=dataset)
            numbers = snapshot.numbers
            known = frozenset(numbers[row["item"]] for row in rows if row["item"] in numbers)
            if len(snapshot.classes) >= _CACHED_CLASSES:
                snapshot.classes.clear()
            snapshot.classes[key] = known
        return known

    def size(self) -> tuple[int, int, int]:
        """(items, values, characters of folded text) held, for reports."""
        snapshot = self.fresh()
        graphs = snapshot.graphs.values()
        return (len(snapshot.items), sum(len(v.starts) for v in graphs),
                sum(len(v.text) for v in graphs))

    def _read(self) -> Snapshot:
        properties = " ".join(f"<{p}>" for p in SEARCHED_PROPERTIES)
        rows = self._store.query(
            f"SELECT ?g ?item ?value WHERE {{ VALUES ?property {{ {properties} }} "
            f"GRAPH ?g {{ ?item ?property ?value }} FILTER(!isBlank(?value)) }}",
            default_graph=[])
        return Snapshot.of((row["g"].value, row["item"], row["value"].value) for row in rows)


def search_index(request: Request) -> SearchIndex:
    """The app's index (a service: api/services.py; it reads the store on the first search)."""
    index: SearchIndex = request.app.state.services.search_index
    return index


async def search_index_service(request: Request) -> SearchIndex:
    """`search_index` as a dependency (`async`: on the event loop, no thread hop)."""
    return search_index(request)


SearchIndexOf = Annotated[SearchIndex, Depends(search_index_service)]
