"""`/api/search?q=`: names, titles, codes and identifiers, ignoring case and accents.

The in-memory index (api/resources/search_index.py) finds the matching items in the graphs
the reader may see, in the order of `queries/api-search.rq`, and so the total; the named
query then runs with the page's items bound (and `q`, `class` as RDF terms), and the items
are described as on every list route.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pyoxigraph import Literal, NamedNode

from ..named_queries import shipped_queries
from ..resources.documents import RDF_RESPONSES, collection_response, rdf_media_type
from ..resources.negotiation import LANG_QUERY, Language, reader_language
from ..resources.pagination import PageRequest, page_of, page_request
from ..resources.routes import describe_all
from ..resources.running import bind, query_parameters, request_values, run_query, with_signature
from ..resources.search_index import Item, SearchIndex
from ..resources.specialise import specialised, with_items
from ..resources.store_state import store_state
from ..sparql.dataset import visibility

router = APIRouter(prefix="/api/search", tags=["search"])
QUERY = shipped_queries()["api-search"]
DESCRIBE = shipped_queries()["api-describe"]


def search_index(request: Request) -> SearchIndex:
    """The app's index, made on first use (it reads the store on the first search)."""
    index: SearchIndex | None = getattr(request.app.state, "search_index", None)
    if index is None:
        index = request.app.state.search_index = SearchIndex(store_state(request))
    return index


def search(request: Request, lang: Language | None, page: PageRequest,
           **filters: Any) -> Response:
    media = rdf_media_type(request)
    language = reader_language(request, lang)
    bindings = bind(request, QUERY, request_values(QUERY, filters))
    text = bindings["_q"]
    assert isinstance(text, Literal)
    wanted = bindings.get("_class")
    index = search_index(request)
    built = index.refresh()
    readers = visibility(request)
    if readers.view(request).made < built:
        # the store changed since the reader's graphs were listed (another process's
        # ingest into a remote store): list them again, with the data the index read
        readers.forget()
    matches = index.search(text.value, readers.view(request).graphs,
                           wanted if isinstance(wanted, NamedNode) else None)
    chosen, total = page_of(matches, page)
    items = _confirmed(request, chosen, bindings)
    triples = describe_all(request, DESCRIBE, items)
    return collection_response(request, triples, items, total=total, page=page,
                               lang=language, media=media)


def _confirmed(request: Request, chosen: list[Item], bindings: dict[str, Any]) -> list[Item]:
    """The page's items as the named query gives them, run on those items alone (a blank
    node, which VALUES cannot name, is kept as the index found it)."""
    iris = [item for item in chosen if isinstance(item, NamedNode)]
    if not iris:
        return chosen
    query = dataclasses.replace(QUERY, text=with_items(
        specialised(QUERY.text, [name[1:] for name in bindings]), iris))
    kept = {row["item"] for row in run_query(request, query, bindings)}
    return [item for item in chosen if item in kept or not isinstance(item, NamedNode)]


_keyword = inspect.Parameter.KEYWORD_ONLY
with_signature(search, [
    inspect.Parameter("request", _keyword, annotation=Request),
    inspect.Parameter("lang", _keyword, annotation=Language | None, default=LANG_QUERY),
    inspect.Parameter("page", _keyword, annotation=PageRequest, default=Depends(page_request)),
    *query_parameters(QUERY),
])
router.add_api_route(
    "", search, methods=["GET"], summary="Search", response_class=Response,
    description=f"{QUERY.description}\n\nRuns the named query `api-search` (also at "
    "/api/queries/api-search) on the page's items, found by an index of the folded values; "
    "each item is described by `api-describe`.",
    responses=RDF_RESPONSES, name="api-search")
