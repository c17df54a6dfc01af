"""`/api/queries/{name}`: every `queries/*.rq` file is a route, documented by its header.

The routes are made when this module is imported (at app creation), one per file, so the
OpenAPI document lists each query with its parameters; a new `.rq` file is a new route.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from enum import StrEnum
from io import BytesIO
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request, Response

from store.results import FormatMismatch, ResultFormat, write_result

from ..deps import get_settings_of
from ..named_queries import NamedQuery, shipped_queries
from ..resources.negotiation import choose_media_type
from ..resources.running import (
    bind,
    query_parameters,
    request_values,
    run_query,
    with_signature,
)
from ..sparql.execution import forget_frames
from ..sparql.text import unlisted_service

SOLUTION_TYPES = {
    "application/sparql-results+json": ResultFormat.json,
    "application/json": ResultFormat.json,
    "application/sparql-results+xml": ResultFormat.xml,
    "application/xml": ResultFormat.xml,
    "text/csv": ResultFormat.csv,
    "text/tab-separated-values": ResultFormat.tsv,
}
GRAPH_TYPES = {
    "text/turtle": ResultFormat.turtle,
    "application/ld+json": ResultFormat.jsonld,
    "application/n-triples": ResultFormat.ntriples,
    "application/rdf+xml": ResultFormat.rdfxml,
}


class QueryFormat(StrEnum):
    json = "json"
    xml = "xml"
    csv = "csv"
    tsv = "tsv"
    turtle = "turtle"
    jsonld = "jsonld"
    ntriples = "ntriples"
    rdfxml = "rdfxml"


def query_router(queries: Iterable[NamedQuery]) -> APIRouter:
    """One GET route per named query under /api/queries."""
    router = APIRouter(prefix="/api/queries", tags=["named queries"])
    for query in queries:
        _add_route(router, query)
    return router


def _add_route(router: APIRouter, query: NamedQuery) -> None:
    offered = GRAPH_TYPES if query.returns_graph else SOLUTION_TYPES
    facts = query.facts

    def endpoint(request: Request, format: QueryFormat | None, **values: Any) -> Response:  # noqa: A002
        media, result_format = _choose_format(request, offered, format)
        refusal = unlisted_service(facts, get_settings_of(request).service_allowlist)
        if refusal:
            raise HTTPException(400, f"query {query.name}: {refusal}")
        bindings = bind(request, query, request_values(query, values))
        result = run_query(request, query, bindings, isolated=True)
        body = BytesIO()
        try:
            write_result(result, body, result_format)
        except FormatMismatch as error:
            raise HTTPException(400, str(error)) from None
        except OSError as error:
            # pyoxigraph reports a failed SERVICE call while the results are read; the
            # error's frames hold the result, which must not travel to the event loop
            forget_frames(error)
            if not facts.service_targets:
                raise
            raise HTTPException(502, f"query {query.name}: a SERVICE endpoint failed: {error}") from None
        finally:
            # release the engine's result on this worker thread, not with the exception's
            # frames on the event loop (pyoxigraph objects must die where they were made)
            del result
        charset = "; charset=utf-8" if media.startswith("text/") else ""
        return Response(body.getvalue(), media_type=media + charset)

    keyword = inspect.Parameter.KEYWORD_ONLY
    names = ", ".join(f.value for f in QueryFormat if _media_of(f, offered))
    with_signature(endpoint, [
        inspect.Parameter("request", keyword, annotation=Request),
        inspect.Parameter("format", keyword, annotation=QueryFormat | None, default=Query(
            None, description=f"Result format ({names}); overrides Accept.")),
        *query_parameters(query),
    ])
    content = {media: {"schema": {"type": "string"}} for media in offered}
    router.add_api_route(
        f"/{query.name}", endpoint, methods=["GET"], name=f"query-{query.name}",
        summary=query.summary or query.name, description=_description(query),
        response_class=Response,
        responses={200: {"description": "The query's results.", "content": content},
                   400: {"description": "A parameter value of the wrong form, or a SERVICE "
                                         "endpoint that is not on the allow-list."},
                   502: {"description": "A SERVICE endpoint the query calls failed."},
                   406: {"description": "None of the accepted media types is offered."}},
    )


def _choose_format(request: Request, offered: dict[str, ResultFormat],
                   given: QueryFormat | None) -> tuple[str, ResultFormat]:
    if given is not None:
        media = _media_of(given, offered)
        if media is None:
            raise HTTPException(400, f"format {given.value} does not fit this query; use "
                                + ", ".join(sorted({f.value for f in offered.values()})))
        return media, offered[media]
    media = choose_media_type(request.headers.get("accept"), list(offered))
    if media is None:
        raise HTTPException(406, "acceptable media types here: " + ", ".join(offered))
    return media, offered[media]


def _media_of(given: QueryFormat, offered: dict[str, ResultFormat]) -> str | None:
    return next((media for media, fmt in offered.items() if fmt.value == given.value), None)


def _description(query: NamedQuery) -> str:
    parts = [query.description]
    if query.summary_fr:
        parts.append(f"*{query.summary_fr}*")
    if query.question:
        parts.append(f"Competency question: {query.question}.")
    parts.append(f"```sparql\n{query.text.strip()}\n```")
    return "\n\n".join(part for part in parts if part)


router = query_router(shipped_queries().values())
