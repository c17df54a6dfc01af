"""`/api/queries/{name}`: every `queries/*.rq` file is a route, documented by its header.

The routes are made when this module is imported (at app creation), one per file, so the
OpenAPI document lists each query with its parameters; a new `.rq` file is a new route.
A named query is answered as `/sparql` answers: chosen by the same format table, run by the
same runner under the same deadline (`query_timeout`: 503 past it), written by the same
writer under the same row cap (`result_limit`).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request, Response

from store.base import StoreFault

from ..confidentiality import published_answers, published_table
from ..deps import get_settings_of, get_store
from ..named_queries import NamedQuery, shipped_queries
from ..resources.running import (
    bind,
    query_failure,
    query_parameters,
    reader,
    request_values,
    with_signature,
)
from ..sparql.cap import LIMIT_HEADER
from ..sparql.execution import (
    QUERY_FAILURES,
    ChunkWriter,
    QueryTimeout,
    query_pool,
    query_runner,
    respond,
)
from ..sparql.jobs import write_answer
from ..sparql.negotiation import NotAcceptable, choose, table_for
from ..sparql.text import unlisted_service


def query_router(queries: Iterable[NamedQuery]) -> APIRouter:
    """One GET route per named query under /api/queries."""
    router = APIRouter(prefix="/api/queries", tags=["named queries"])
    for query in queries:
        _add_route(router, query)
    return router


def _add_route(router: APIRouter, query: NamedQuery) -> None:
    offered = table_for(query.form)
    facts = query.facts

    async def endpoint(request: Request, format: str | None, **values: Any) -> Response:  # noqa: A002
        try:
            media = choose(offered, request.headers.get("accept"), format)
        except NotAcceptable as error:
            raise HTTPException(406, str(error)) from None
        settings = get_settings_of(request)
        refusal = unlisted_service(facts, settings.service_allowlist)
        if refusal:
            raise HTTPException(400, f"query {query.name}: {refusal}")
        bindings = bind(query, request_values(query, values), settings.base_iri)

        def produce(writer: ChunkWriter) -> None:
            # in a runner thread, as /sparql's queries: the same deadline, row cap and writer
            who = reader(request)
            if query.published:
                # aggregates over restricted sources too, small groups suppressed (secret
                # statistique)
                result = published_table(published_answers(request), who, query,
                                         bindings, isolated=True).solutions()
            else:
                result = who.run(query, bindings, isolated=True)
            try:
                write_answer(result, media, writer, settings.result_limit)
            finally:
                # pyoxigraph objects must die on the thread that made them
                del result

        try:
            first, rest = await query_runner(request.app.state, query_pool(
                get_store(request))).start(produce, settings.query_timeout)
        except StoreFault:
            raise  # the store's failure: the app's handler answers 502
        except (QueryTimeout, *QUERY_FAILURES) as error:
            # as /sparql answers: the deadline (503), an error the engine meets reading the
            # results or a failed SERVICE call, an answer the format cannot carry (406)
            raise query_failure(query, error) from None
        return respond(first, rest, media.content_type, {
            LIMIT_HEADER: str(settings.result_limit), "Vary": "Accept"})

    keyword = inspect.Parameter.KEYWORD_ONLY
    names = ", ".join(media.name for media in offered)
    with_signature(endpoint, [
        inspect.Parameter("request", keyword, annotation=Request),
        inspect.Parameter("format", keyword, annotation=str | None, default=Query(
            None, description=f"Result format ({names}); overrides Accept.")),
        *query_parameters(query),
    ])
    content = {media.media_type: {"schema": {"type": "string"}} for media in offered}
    router.add_api_route(
        f"/{query.name}", endpoint, methods=["GET"], name=f"query-{query.name}",
        summary=query.summary or query.name, description=_description(query),
        response_class=Response,
        responses={200: {"description": "The query's results, at most `result_limit` rows "
                                         f"(the `{LIMIT_HEADER}` header), as on /sparql.",
                         "content": content},
                   400: {"description": "A parameter value of the wrong form, or a SERVICE "
                                         "endpoint that is not on the allow-list."},
                   502: {"description": "A SERVICE endpoint the query calls failed, or "
                                         "the store did (a remote store's server)."},
                   406: {"description": "None of the accepted media types (or `format`) fits "
                                         "the query's result, or the chosen one cannot "
                                         "carry this answer (JSON-LD of an RDF 1.2 triple "
                                         "term)."},
                   503: {"description": "The query ran past the query timeout, or the "
                                         "query workers are all busy (`Retry-After`)."}},
    )


def _description(query: NamedQuery) -> str:
    parts = [query.description]
    if query.summary_fr:
        parts.append(f"*{query.summary_fr}*")
    if query.question:
        parts.append(f"Competency question: {query.question}.")
    if query.published:
        parts.append(f"A published aggregate: `{query.published[0]}` counts the actors behind "
                     "a row; for a reader without the read token, a row from fewer actors than "
                     "the confidentiality threshold shows `secret statistique` in "
                     + ", ".join(f"`{c}`" for c in query.published[1:]) + ".")
    if query.tuned:
        parts.append(f"The query as written below; a tuned twin (`queries/{query.name}.tuned.rq`, "
                     "the same rows) runs in its place.")
    parts.append(f"```sparql\n{query.readable_text.strip()}\n```")
    return "\n\n".join(part for part in parts if part)


router = query_router(shipped_queries().values())
