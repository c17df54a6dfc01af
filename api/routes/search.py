"""`/api/search?q=`: names, titles, codes and identifiers, ignoring case and accents.

The in-memory index (api/resources/search_index.py) finds the matching items in the graphs
the reader may see, in the order of `queries/api-search.rq`, and so the total; the named
query then runs with the page's items bound (and `q`, `class` as RDF terms), and the items
are described as on every list route. While the index is being built (first search, or the
store changed), the named query answers alone, as a list route does.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pyoxigraph import Literal, NamedNode

from ..named_queries import NamedQuery, shipped_queries
from ..resources.documents import RDF_RESPONSES, collection_response, rdf_media_type
from ..resources.negotiation import LANG_QUERY, Language, reader_language
from ..resources.neighbourhood import Labels, LabelsOf
from ..resources.ordered_items import OrderedItems, OrderedItemsOf, ordered_items
from ..resources.pagination import PageRequest, page_of, page_request
from ..resources.routes import describe_all
from ..resources.running import (
    Reader,
    ReaderOf,
    bind,
    query_parameters,
    request_values,
    with_signature,
)
from ..resources.search_index import Item, SearchIndex, SearchIndexOf
from ..resources.specialise import specialised, with_items

router = APIRouter(prefix="/api/search", tags=["search"])
QUERY = shipped_queries()["api-search"]
DESCRIBE = shipped_queries()["api-describe"]


def search(request: Request, lang: Language | None, who: Reader, index: SearchIndex,
           labels: Labels, lists: OrderedItems, page: PageRequest, **filters: Any) -> Response:
    media = rdf_media_type(request)
    language = reader_language(request, lang)
    bindings = bind(QUERY, request_values(QUERY, filters), who.settings.base_iri)
    text = bindings["_q"]
    assert isinstance(text, Literal)
    wanted = bindings.get("_class")
    snapshot = index.ready(mark=who.mark)
    if snapshot is None or who.view.made < index.built:
        # the store changed since the reader's graphs were listed: list them again, for
        # the index and for the named query alike
        who = who.listed_again()
    view = who.view
    if snapshot is None:  # the index is being (re)built: the named query answers meanwhile
        matches = ordered_items(lists, who, _cut_to(bindings), bindings)
    else:
        matches = index.search(snapshot, text.value, view.graphs,
                               wanted if isinstance(wanted, NamedNode) else None,
                               whole_store=who.graphs is None)
    chosen, total = page_of(matches, page)
    items = chosen if snapshot is None else _confirmed(who, chosen, bindings)
    triples = describe_all(who, labels, DESCRIBE, items)
    return collection_response(request, triples, items, total=total, page=page,
                               lang=language, media=media)


def _confirmed(reader: Reader, chosen: list[Item], bindings: dict[str, Any]) -> list[Item]:
    """The page's items as the named query gives them, run on those items alone (a blank
    node, which VALUES cannot name, is kept as the index found it)."""
    iris = [item for item in chosen if isinstance(item, NamedNode)]
    if not iris:
        return chosen
    query = _cut_to(bindings)
    query = dataclasses.replace(query, text=with_items(query.text, iris))
    kept = {row["item"] for row in reader.run(query, bindings, isolated=True)}
    return [item for item in chosen if item in kept or not isinstance(item, NamedNode)]


def _cut_to(bindings: dict[str, Any]) -> NamedQuery:
    """The named query without the filters of parameters not given (see specialise.py)."""
    return dataclasses.replace(QUERY, text=specialised(QUERY.text, [n[1:] for n in bindings]))


_keyword = inspect.Parameter.KEYWORD_ONLY
with_signature(search, [
    inspect.Parameter("request", _keyword, annotation=Request),
    inspect.Parameter("lang", _keyword, annotation=Language | None, default=LANG_QUERY),
    inspect.Parameter("who", _keyword, annotation=ReaderOf),
    inspect.Parameter("index", _keyword, annotation=SearchIndexOf),
    inspect.Parameter("labels", _keyword, annotation=LabelsOf),
    inspect.Parameter("lists", _keyword, annotation=OrderedItemsOf),
    inspect.Parameter("page", _keyword, annotation=PageRequest, default=Depends(page_request)),
    *query_parameters(QUERY),
])
router.add_api_route(
    "", search, methods=["GET"], summary="Search", response_class=Response,
    description=f"{QUERY.description}\n\nRuns the named query `api-search` (also at "
    "/api/queries/api-search) on the page's items, found by an index of the folded values; "
    "each item is described by `api-describe`.",
    responses=RDF_RESPONSES, name="api-search")
