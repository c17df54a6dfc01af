"""The two shapes every curated route has: a paged list (a SELECT of `?item` in order, then
each item described) and one resource (a CONSTRUCT of its neighbourhood). Route modules
call these with their named queries, so a route's filters are its query's parameters."""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from pyoxigraph import BlankNode, NamedNode, Triple

from store.namespaces import DataIris

from ..deps import get_settings_of
from ..named_queries import NamedQuery, shipped_queries
from ..sparql.direct import INVALID_PARAMETERS, DirectRoute
from .documents import (
    RDF_RESPONSES,
    TURTLE,
    collection_response,
    entity_response,
    rdf_media_type,
)
from .entity_cache import entity_get, kept_or_built
from .negotiation import LANG_PARAMETER, LANG_QUERY, Language, query_language, reader_language
from .neighbourhood import Labels, LabelsOf, incoming_headers, labels_service, neighbourhood
from .ordered_items import OrderedItems, OrderedItemsOf, ordered_items
from .pagination import PageRequest, page_of, page_request
from .running import (
    Reader,
    ReaderOf,
    bind,
    query_parameters,
    request_values,
    with_signature,
)
from .specialise import specialised

_KEY_PATTERN = r"^[a-z0-9][a-z0-9~-]*$"  # `~`: a key local to a source (CONVENTIONS.md)


def _common_parameters(**services: Any) -> list[inspect.Parameter]:
    """`request`, `lang`, and the services the endpoint takes (name: its annotation, a
    dependency)."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    return [
        inspect.Parameter("request", keyword, annotation=Request),
        inspect.Parameter("lang", keyword, annotation=Language | None, default=LANG_QUERY),
        *(inspect.Parameter(name, keyword, annotation=annotation)
          for name, annotation in services.items()),
    ]


def add_list_route(router: APIRouter, path: str, *, query_name: str, summary: str,
                   describe_name: str = "api-describe") -> None:
    """GET `path`: a page of the items `query_name` selects, each described by `describe_name`."""
    query = shipped_queries()[query_name]
    describe = shipped_queries()[describe_name]
    clashes = {"lang", "page", "per_page"} & {param.name for param in query.params}
    if clashes:  # the list route's own parameters
        raise ValueError(f"queries/{query_name}.rq may not declare {sorted(clashes)}")

    def endpoint(request: Request, lang: Language | None, who: Reader, labels: Labels,
                 lists: OrderedItems, page: PageRequest, **filters: Any) -> Response:
        media = rdf_media_type(request)
        language = reader_language(request, lang)
        bindings = bind(query, request_values(query, filters), who.settings.base_iri)
        # one query gives the page and the total (the sort reads every match anyway, and a
        # separate COUNT would walk them a second time); its items are kept for the next
        # pages while the store is unchanged
        ordered = ordered_items(lists, who, _for_filters(query, frozenset(bindings)), bindings)
        items, total = page_of(ordered, page)
        triples = describe_all(who, labels, describe, items)
        return collection_response(request, triples, items, total=total, page=page,
                                   lang=language, media=media)

    page_parameter = inspect.Parameter("page", inspect.Parameter.KEYWORD_ONLY,
                                       annotation=PageRequest, default=Depends(page_request))
    with_signature(endpoint, [
        *_common_parameters(who=ReaderOf, labels=LabelsOf, lists=OrderedItemsOf),
        page_parameter, *query_parameters(query)])
    router.add_api_route(
        path, endpoint, methods=["GET"], summary=summary, response_class=Response,
        description=f"{query.description}\n\nRuns the named query `{query_name}` "
        f"(also at /api/queries/{query_name}); each item is described by `{describe_name}`.",
        responses=RDF_RESPONSES, name=query_name,
    )


@cache
def _for_filters(query: NamedQuery, given: frozenset[str]) -> NamedQuery:
    """`query` without the optional filters of parameters not given (see specialise.py)."""
    return dataclasses.replace(query, text=specialised(query.text, [n[1:] for n in given]))


def describe_all(reader: Reader, labels: Labels, describe: NamedQuery,
                 items: Sequence[NamedNode | BlankNode]) -> list[Triple]:
    """What `describe` gives for each item, in one query (`?_item` takes every IRI of the
    page from a trailing VALUES block; a blank node, which VALUES cannot name, is described
    on its own), run in a query worker as the list's own query, and the labels of the
    resources they point to (from the label index)."""
    iris = [item for item in items if isinstance(item, NamedNode)]
    triples: list[Triple] = []
    if iris:
        values = " ".join(str(iri) for iri in iris)  # N-Triples form, escaped by pyoxigraph
        page_query = dataclasses.replace(
            describe, text=f"{describe.text}\nVALUES ?_item {{ {values} }}")
        triples.extend(reader.run(page_query, {}, isolated=True))
    for item in items:
        if not isinstance(item, NamedNode):
            triples.extend(reader.run(describe, {"_item": item}, isolated=True))
    # the items' own labels are among their statements
    named = {triple.object for triple in triples if isinstance(triple.object, NamedNode)}
    named.difference_update(items)
    if named:
        triples.extend(labels.of(reader, named))
    return triples


def add_entity_route(router: APIRouter, path: str, *, iri_of: Any, what: str, summary: str,
                     query_name: str = "api-entity") -> None:
    """GET `path` (one `{id}` path parameter): one resource, 404 when the data lacks it.

    The most frequent request of all, so it is a DirectRoute: the endpoint reads its `id`,
    `lang` and services itself (`_entity_parameters`), with the checks and the one-line 422
    FastAPI's dependency solving gave, which cost about a tenth of a built document's time
    on the event loop (bench/HISTORY.md)."""
    query = shipped_queries()[query_name]

    async def endpoint(request: Request) -> Response:
        key, lang = _entity_parameters(request)
        labels = await labels_service(request)
        entity = await entity_get(request)
        media = rdf_media_type(request)
        iri: NamedNode = iri_of(request, key)
        language = reader_language(request, lang)

        def build(who: Reader) -> Response:
            found = neighbourhood(who, labels, iri, query, as_statements=media != TURTLE,
                                  lang=language)
            if found.empty:
                raise HTTPException(404, f"no {what} {key!r} in the data")
            return entity_response(request, found.triples, iri, lang=language, media=media,
                                   headers=incoming_headers(found, who.settings.incoming_limit),
                                   grouped=found.grouped)

        return await kept_or_built(entity, (query_name, iri.value, language, media), build)

    responses = {**RDF_RESPONSES, 404: {"description": f"No such {what} (or not visible)."},
                 422: INVALID_PARAMETERS}
    router.add_api_route(path, endpoint, methods=["GET"], summary=summary,
                         response_class=Response, responses=responses,
                         route_class_override=DirectRoute,
                         openapi_extra={"parameters": [
                             {**_KEY_PARAMETER, "description": f"Key of the {what}"},
                             LANG_PARAMETER]},
                         description=f"{query.description}\n\nRuns the named query "
                         f"`{query_name}`, then `api-labels` for the IRIs it names.")


# what `_entity_parameters` checks, as the OpenAPI document declares it
_KEY_MAX = 300
_KEY_PARAMETER: dict[str, Any] = {
    "name": "id", "in": "path", "required": True,
    "schema": {"type": "string", "pattern": _KEY_PATTERN, "maxLength": _KEY_MAX}}
_KEY = re.compile(_KEY_PATTERN.removeprefix("^").removesuffix("$"))  # for fullmatch: no `$`


def _entity_parameters(request: Request) -> tuple[str, Language | None]:
    """The path's `id` and the query's `lang` (the last one given), or a
    RequestValidationError with pydantic's words for what FastAPI checked before (the
    app's handler makes it the one-line 422)."""
    key: str = request.path_params["id"]
    problems: list[dict[str, Any]] = []
    if len(key) > _KEY_MAX:
        problems.append({"loc": ("path", "id"), "type": "string_too_long",
                         "msg": f"String should have at most {_KEY_MAX} characters"})
    elif not _KEY.fullmatch(key):
        problems.append({"loc": ("path", "id"), "type": "string_pattern_mismatch",
                         "msg": f"String should match pattern '{_KEY_PATTERN}'"})
    language = query_language(request, problems)
    if problems:
        raise RequestValidationError(problems)
    return key, language


def minted(kind: str) -> Any:
    """`iri_of` for entities minted by the ingest: `{base}id/{kind}/{key}`."""
    def iri_of(request: Request, key: str) -> NamedNode:
        return DataIris(get_settings_of(request).base_iri).entity(kind, key)
    return iri_of
