"""What the browse pages show, from the browse index (api/resources/browse_index.py): the
chosen filters read as the named queries read them, the facets with their counts and links,
a page of rows, and the links that reproduce the page with the named queries.

A filter is a query parameter of `queries/browse-{kind}.rq`, with the same values (a concept
notation such as `region=84`, a programme key, `sector=TSRActor`, a year): the page's
"reproduce" links are the same parameters sent to `/api/queries/browse-{kind}` and
`/api/queries/browse-{kind}-facets`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, HTTPException, Request
from pyoxigraph import Literal, NamedNode

from store.namespaces import TSR, TSRV, DataIris, slug

from ..deps import get_settings_of
from ..named_queries import ParameterValueError, shipped_queries
from ..resources.browse_index import KINDS, RESULT_CLASSES, BrowseIndex, Kind, KindView, View
from ..resources.model_docs import page_of
from ..resources.running import Reader
from ..resources.search_index import SearchIndex, search_index
from .i18n import Translator, label

PER_PAGE = 25
MAX_PER_PAGE = 100
# facet values shown before "all values" (a facet of a hundred departments would fill a page)
SHOWN_VALUES = 10
# query parameters the pages read besides the filters
PAGE_PARAMETERS = ("page", "per_page", "all", "lang")
STALE_AFTER = 2.0  # seconds a page waits for the lists of a store just written to


def browse_index(request: Request) -> BrowseIndex:
    """The app's browse index (a service: api/services.py; rebuilt in the background when
    the store changes)."""
    index: BrowseIndex = request.app.state.services.browse_index
    return index


@dataclass(frozen=True)
class Indexes:
    """The services the browse pages read (api/services.py): the lists' index (rebuilt in
    the background when the store changes) and the search index."""
    lists: BrowseIndex
    search: SearchIndex


async def indexes(request: Request) -> Indexes:
    """The app's `Indexes` (a dependency: `async`, on the event loop)."""
    return Indexes(browse_index(request), search_index(request))


IndexesOf = Annotated[Indexes, Depends(indexes)]


def reader_view(index: BrowseIndex, reader: Reader) -> View:
    """The lists as this reader sees them. After a write, a page waits up to
    `STALE_AFTER` seconds for the index to be read again, then shows the lists built before
    the write while the rebuild goes on (the first build is waited for): at a million
    triples a rebuild takes tens of seconds, and every browse page waited for it.
    Views are made of the reader's graphs as they are now, so a withdrawn or restricted
    source leaves the lists at once; only its new or changed facts wait for the rebuild."""
    facts = index.latest(wait=STALE_AFTER, mark=reader.mark) or index.fresh()
    if reader.view.made < index.built:
        reader = reader.listed_again()  # graphs may have come or gone since they were listed
    return facts.view([graph.value for graph in reader.view.graphs])


def search_matches(index: SearchIndex, reader: Reader, text: str) -> list[str]:
    """IRIs of the entities whose searched values contain `text` (folded), in the order of
    queries/api-search.rq, among the reader's graphs."""
    snapshot = index.latest(wait=STALE_AFTER, mark=reader.mark) or index.fresh()
    # the graphs as listed now (`reader_view` may have listed them again)
    graphs = reader.visibility.view_of(reader.store, reader.settings, reader.sees_all).graphs
    return [item.value for item in index.search(snapshot, text, graphs)
            if isinstance(item, NamedNode)]


def chosen_filters(request: Request, kind: Kind) -> tuple[dict[str, str], dict[str, str]]:
    """(the request's filters as given, the same as index keys); 400 for a malformed one."""
    query = shipped_queries()[kind.query]
    given = {param.name: request.query_params[param.name] for param in query.params
             if request.query_params.get(param.name, "").strip()}
    try:
        bound = query.bindings(dict(given), get_settings_of(request).base_iri)
    except ParameterValueError as error:
        raise HTTPException(400, str(error)) from None
    keys = {name[1:]: term.value for name, term in bound.items()
            if isinstance(term, NamedNode | Literal)}
    return given, keys


def parameter_value(facet: str, value: str, base: str) -> str:
    """A facet value as a filter's query parameter (what the named query accepts)."""
    if facet == "sector":
        return value.removeprefix(TSR)
    if facet == "programme":
        return value.removeprefix(f"{base}id/programme/")
    if value.startswith(TSRV):
        notation = value.rsplit("/", 1)[1]
        return notation if slug(notation) == notation else value
    return value


def page_number(request: Request, name: str, default: int, highest: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= highest:
        raise HTTPException(400, f"parameter {name}: {raw!r} is not a number from 1 to {highest}")
    return int(raw)


@dataclass
class FacetValue:
    text: str
    count: int
    href: str
    chosen: bool


@dataclass
class Facet:
    name: str
    title: str
    values: list[FacetValue]
    hidden: int = 0  # values not shown (see "all values")
    all_href: str = ""
    chosen_text: str | None = None
    remove_href: str = ""


@dataclass
class BrowsePage:
    kind: Kind
    total: int
    rows: list[dict[str, Any]]
    facets: list[Facet]
    chosen: list[Facet]
    page: int
    pages: int
    per_page: int
    links: dict[str, str]  # prev, next, first, last
    reproduce: dict[str, str]  # list, facets, csv, xlsx
    query_text: str
    kinds: list[dict[str, Any]] = field(default_factory=list)


class Labeller:
    """Labels of facet values and row cells in the page's language."""

    def __init__(self, view: View, lang: str) -> None:
        self.view, self.lang, self.t = view, lang, Translator(lang)

    def value(self, facet: str, value: str) -> str:
        if facet == "sector":
            return self.t(f"browse.sector.{value.removeprefix(TSR)}")
        if facet == "programme":
            return self.view.names.get(value, value.rsplit("/", 1)[-1])
        if facet in ("year",):
            return value
        return label(value, self.lang)

    def name(self, iri: str | None) -> str:
        if iri is None:
            return ""
        return self.view.names.get(iri, iri.rsplit("/", 1)[-1])

    def concept(self, iri: str | None) -> str:
        return "" if iri is None else label(iri, self.lang)


def _url(path: str, params: dict[str, str]) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def browse_page(request: Request, who: Reader, indexes: Indexes, kind: Kind, lang: str
                ) -> BrowsePage:
    """The page of `/browse/{kind}` this request asks for (`who`: its reader; `request`:
    its filters and page)."""
    view = reader_view(indexes.lists, who)
    listed = view.kinds[kind.name]
    given, keys = chosen_filters(request, kind)
    query_text = given.get("q", "")
    among = None
    if "q" in keys:
        among = listed.bits_of(search_matches(indexes.search, who, keys.pop("q")))
    selected = listed.select(keys, among)
    total = selected.bit_count()
    per_page = page_number(request, "per_page", PER_PAGE, MAX_PER_PAGE)
    pages = max(1, -(-total // per_page))
    page = min(page_number(request, "page", 1, 1_000_000), pages)
    labeller = Labeller(view, lang)
    base = DataIris(who.settings.base_iri).base
    path = f"/browse/{kind.name}"
    keep = {"lang": lang, **given}
    if per_page != PER_PAGE:
        keep["per_page"] = str(per_page)
    opened = request.query_params.get("all", "")
    facets, chosen = _facets(listed, selected, given, keys, keep, opened, labeller, base, path)
    positions = listed.page(selected, (page - 1) * per_page, per_page)
    rows = [row_of(kind, listed, n, labeller, base) for n in positions]
    links = {"first": _url(path, {**keep, "page": "1"}), "last": _url(path, {**keep, "page": str(pages)})}
    if page > 1:
        links["prev"] = _url(path, {**keep, "page": str(page - 1)})
    if page < pages:
        links["next"] = _url(path, {**keep, "page": str(page + 1)})
    reproduce = {"list": _url(f"/api/queries/{kind.query}", given),
                 "facets": _url(f"/api/queries/{kind.facets_query}", given),
                 "csv": _url(f"{path}.csv", {"lang": lang, **given}),
                 "xlsx": _url(f"{path}.xlsx", {"lang": lang, **given})}
    return BrowsePage(kind, total, rows, facets, chosen, page, pages, per_page, links,
                      reproduce, query_text, kinds=kind_tabs(view, lang, kind.name))


def kind_tabs(view: View, lang: str, current: str | None) -> list[dict[str, Any]]:
    """The four lists with their totals, for the tabs above a list."""
    return [{"name": name, "href": f"/browse/{name}?lang={lang}",
             "count": len(view.kinds[name].items), "current": name == current}
            for name in KINDS]


def _facets(listed: KindView, selected: int, given: dict[str, str], keys: dict[str, str],
            keep: dict[str, str], opened: str, labeller: Labeller, base: str, path: str
            ) -> tuple[list[Facet], list[Facet]]:
    counts = listed.counts(selected)
    facets, chosen = [], []
    for name in listed.kind.facets:
        started = name == "year" and listed.kind.name in ("projects", "partnerships")
        title = labeller.t("browse.facet.start_year" if started else f"browse.facet.{name}")
        entries = []
        for value, count in counts.get(name, []):
            param = parameter_value(name, value, base)
            entries.append(FacetValue(
                labeller.value(name, value), count,
                _url(path, {**keep, name: param}), keys.get(name) == value))
        if name == "year":
            entries.sort(key=lambda entry: entry.text, reverse=True)
        else:
            entries.sort(key=lambda entry: (-entry.count, entry.text.lower()))
        facet = Facet(name, title, entries)
        if name in given:
            facet.chosen_text = labeller.value(name, keys[name]) if name in keys else given[name]
            facet.remove_href = _url(path, {k: v for k, v in keep.items() if k != name})
            chosen.append(facet)
        if len(entries) > SHOWN_VALUES + 2 and opened != name:
            facet.hidden = len(entries) - SHOWN_VALUES
            facet.values = entries[:SHOWN_VALUES]
            facet.all_href = _url(path, {**keep, "all": name}) + f"#facet-{name}"
        if entries:
            facets.append(facet)
    return facets, chosen


def row_of(kind: Kind, listed: KindView, number: int, labeller: Labeller, base: str
           ) -> dict[str, Any]:
    """One item's row: its link and the cells the page and the exports show."""
    iri = listed.items[number]
    row = listed.rows[number]
    href = page_of(iri, base)
    name = labeller.name

    def link(target: str | None) -> dict[str, str] | None:
        return None if target is None else {"text": name(target), "href": page_of(target, base),
                                            "iri": target}

    concept = labeller.concept
    if kind.name == "actors":
        text = row["name"] + (f" ({row['acronym']})" if row["acronym"] else "")
        cells = [concept(row["type"]), concept(row["region"]), concept(row["department"])]
        return {"iri": iri, "href": href, "text": text, "cells": cells}
    if kind.name == "projects":
        years = "–".join(y for y in (row["start"], row["end"]) if y)
        return {"iri": iri, "href": href, "text": row["name"],
                "cells": [row["code"] or "", years, concept(row["status"]), concept(row["region"])]}
    if kind.name == "outputs":
        return {"iri": iri, "href": href, "text": row["name"],
                "cells": [row["year"] or "", concept(row["type"])],
                "links": [link(row["project"])]}
    years = "–".join(y for y in (row["start"], row["end"]) if y)
    return {"iri": iri, "href": href, "text": concept(row["type"]) or labeller.t("browse.partnership"),
            "cells": [years], "links": [link(row["actor"]), link(row["partner"]),
                                        link(row["project"])]}


def columns(kind: Kind, t: Translator) -> list[str]:
    """The headers of a list's table and exports, after the first (the item)."""
    return [t(f"browse.column.{name}") for name in COLUMNS[kind.name]]


COLUMNS = {
    "actors": ("type", "region", "department"),
    "projects": ("code", "years", "status", "region"),
    "outputs": ("year", "output_type", "project"),
    "partnerships": ("years", "actor", "partner", "project"),
}


@dataclass
class SearchPage:
    text: str
    total: int
    rows: list[dict[str, Any]]
    by_kind: list[dict[str, Any]]
    page: int
    pages: int
    links: dict[str, str]
    reproduce: dict[str, str]


def search_page(request: Request, who: Reader, indexes: Indexes, text: str, lang: str
                ) -> SearchPage:
    """`/browse?q=`: what api-search finds, with how many of each list it holds."""
    query = shipped_queries()["api-search"]
    try:
        folded = query.bindings({"q": text}, who.settings.base_iri)["_q"].value
    except ParameterValueError as error:
        raise HTTPException(400, str(error)) from None
    view = reader_view(indexes.lists, who)
    matches = search_matches(indexes.search, who, folded)
    labeller = Labeller(view, lang)
    base = DataIris(who.settings.base_iri).base
    by_kind = []
    for name, kind in KINDS.items():
        if kind.searchable:
            count = view.kinds[name].bits_of(matches).bit_count()
            if count:
                by_kind.append({"name": name, "count": count,
                                "href": _url(f"/browse/{name}", {"lang": lang, "q": text})})
    total = len(matches)
    pages = max(1, -(-total // PER_PAGE))
    page = min(page_number(request, "page", 1, 1_000_000), pages)
    rows = []
    for iri in matches[(page - 1) * PER_PAGE:page * PER_PAGE]:
        of_class = next((cls for cls in RESULT_CLASSES if iri in view.classes.get(cls, ())),
                        None)
        rows.append({"iri": iri, "href": page_of(iri, base), "text": labeller.name(iri),
                     "kind": label(of_class, lang) if of_class else ""})
    keep = {"lang": lang, "q": text}
    links = {}
    if page > 1:
        links["prev"] = _url("/browse", {**keep, "page": str(page - 1)})
    if page < pages:
        links["next"] = _url("/browse", {**keep, "page": str(page + 1)})
    reproduce = {"query": _url("/api/queries/api-search", {"q": text}),
                 "api": _url("/api/search", {"q": text})}
    return SearchPage(text, total, rows, by_kind, page, pages, links, reproduce)


def export_rows(request: Request, who: Reader, indexes: Indexes, kind: Kind, lang: str
                ) -> tuple[list[str], list[list[str]]]:
    """Every item of the filtered list (no paging): headers and rows of text."""
    view = reader_view(indexes.lists, who)
    listed = view.kinds[kind.name]
    _, keys = chosen_filters(request, kind)
    among = (listed.bits_of(search_matches(indexes.search, who, keys.pop("q")))
             if "q" in keys else None)
    selected = listed.select(keys, among)
    labeller = Labeller(view, lang)
    base = DataIris(who.settings.base_iri).base
    t = labeller.t
    headers = [t("browse.column.iri"), t(f"browse.column.first.{kind.name}"), *columns(kind, t)]
    rows = []
    for number in listed.page(selected, 0, len(listed.items)):
        row = row_of(kind, listed, number, labeller, base)
        linked = [link["text"] if link else "" for link in row.get("links", [])]
        rows.append([row["iri"], row["text"], *row["cells"], *linked])
    return headers, rows
