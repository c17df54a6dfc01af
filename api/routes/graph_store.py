"""`/store`: the SPARQL 1.1 Graph Store HTTP Protocol. Reading (GET, HEAD) is public and
sees what `/sparql` sees (restricted graphs need the read token); writing needs the write
token.

`?graph=IRI` names a graph; `?default` is the default graph, which here is the union of the
named graphs (as on `/sparql`): it can be read, not written (405), since a triple in no
named graph would belong to no source.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pyoxigraph import NamedNode, RdfFormat, Triple, parse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from store import StoreError
from store.base import StoreFault
from store.entailment import entailed_triples
from store.model import shipped_type_rules

from ..deps import get_settings_of, get_store
from ..resources.running import reader_source
from ..sparql.auth import require_write_token
from ..sparql.dataset import EMPTY_GRAPH
from ..sparql.errors import ProtocolError
from ..sparql.execution import (
    QUERY_FAILURES,
    ChunkWriter,
    QueryTimeout,
    log_failure,
    query_runner,
    respond,
    store_failure,
)
from ..sparql.negotiation import GRAPH_TYPES, NotAcceptable, choose
from ..sparql.writers import Cap, write_graph

router = APIRouter(tags=["sparql"])

GraphParameter = Annotated[str | None, Query(description="IRI of the graph to act on.")]
DefaultParameter = Annotated[str | None, Query(
    description="Present (empty) to act on the default graph instead.")]
_BODY = {"requestBody": {"content": {
    media.media_type: {"schema": {"type": "string"}} for media in GRAPH_TYPES}}}
_READ_ONLY_DEFAULT = (
    "the default graph here is the union of the named graphs: it can be read, not written; "
    "name a graph with ?graph=IRI")


def _target(graph: str | None, default: str | None) -> NamedNode | None:
    """The named graph the request is about, or None for the default graph."""
    if (graph is None) == (default is None):
        raise ProtocolError(400, "name exactly one graph: ?graph=IRI or ?default")
    if graph is None:
        return None
    try:
        return NamedNode(graph)
    except ValueError as error:
        raise ProtocolError(400, f"?graph= is not a valid IRI: {error}") from None


def _exists(request: Request, graph: NamedNode) -> bool:
    # the graph named as the dataset too: Virtuoso matches a GRAPH <g> outside the named
    # graphs with one empty solution (tests/store/test_engines.py)
    return bool(get_store(request).query(f"ASK {{ GRAPH {graph} {{ ?s ?p ?o }} }}",
                                         default_graph=[graph], named_graphs=[graph]))


async def _read_triples(request: Request, graph: NamedNode) -> list[Triple]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        rdf_format = RdfFormat.from_media_type(content_type) if content_type else None
    except ValueError:
        rdf_format = None
    if rdf_format is None or rdf_format.supports_datasets:
        raise ProtocolError(415, f"unsupported Content-Type {content_type or 'none'}: send "
                                 + ", ".join(media.media_type for media in GRAPH_TYPES))
    body = await request.body()
    try:
        return [Triple(quad.subject, quad.predicate, quad.object)
                for quad in parse(body, rdf_format, base_iri=graph.value)]
    except SyntaxError as error:
        raise ProtocolError(400, f"the body is not valid {rdf_format.name}: {error}") from None


@router.get("/store", summary="Read a graph (Graph Store Protocol)", response_class=Response)
async def read_graph(request: Request, graph: GraphParameter = None,
                     default: DefaultParameter = None,
                     format: Annotated[str | None, Query()] = None) -> Response:
    try:
        target = _target(graph, default)
        try:
            media = choose(GRAPH_TYPES, request.headers.get("accept"), format)
        except NotAcceptable as error:
            raise ProtocolError(406, str(error)) from None
        store = get_store(request)
        # a read, as on /sparql: the graphs this reader may see (a restricted one is missing
        # without the read token), and the default graph is their union
        view = await run_in_threadpool(reader_source(request).view)
        if target is not None and (target not in view.graphs
                                   or not await run_in_threadpool(_exists, request, target)):
            raise ProtocolError(404, f"no graph <{target.value}> in the store")
        settings = get_settings_of(request)
        sources = [target] if target is not None else (view.graphs or [EMPTY_GRAPH])

        def produce(writer: ChunkWriter) -> None:
            triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                                  default_graph=sources)
            # the whole graph, as the dumps give it: the row cap is for queries
            write_graph(triples, media, writer, Cap(2**63))

        try:
            first, rest = await query_runner(request.app.state).start(
                produce, settings.query_timeout)
        except StoreFault:
            raise  # the store's failure: the app's handler answers 502, as on every route
        except (QueryTimeout, *QUERY_FAILURES) as error:
            # the deadline (503), a graph the format cannot carry (406)...: as /sparql says
            failure = store_failure(error)
            log_failure(f"{request.method} {request.url.path}", failure)
            raise failure from None

        return respond(first, rest, media.content_type)
    except ProtocolError as error:
        return error.response()


@router.put("/store", summary="Replace a graph (Graph Store Protocol)", response_class=Response,
            openapi_extra=_BODY)
async def put_graph(request: Request, graph: GraphParameter = None,
                    default: DefaultParameter = None) -> Response:
    return await _write(request, graph, default, replace=True)


@router.post("/store", summary="Add to a graph (Graph Store Protocol)", response_class=Response,
             openapi_extra=_BODY)
async def post_graph(request: Request, graph: GraphParameter = None,
                     default: DefaultParameter = None) -> Response:
    return await _write(request, graph, default, replace=False)


async def _write(request: Request, graph: str | None, default: str | None, *,
                 replace: bool) -> Response:
    try:
        require_write_token(request)
        target = _target(graph, default)
        if target is None:
            raise ProtocolError(405, _READ_ONLY_DEFAULT, {"Allow": "GET, HEAD"})
        triples = await _read_triples(request, target)
        triples += entailed_triples(triples, shipped_type_rules())  # materialised classes
        store = get_store(request)
        existed = await run_in_threadpool(_exists, request, target)
        try:
            if replace:
                await run_in_threadpool(store.replace_graph, target, triples)
            else:
                await run_in_threadpool(store.add, triples, target)
        except StoreFault:
            raise  # the store's failure: the app's handler answers 502, as on every route
        except StoreError as error:
            failure = store_failure(error, "write")
            log_failure(f"{request.method} {request.url.path}", failure)
            raise failure from None
        # the readers' graphs are listed again: the store's write count moved (VisibleGraphs)
        created = not existed and bool(triples)
        return Response(status_code=201 if created else 204)
    except ProtocolError as error:
        return error.response()


@router.delete("/store", summary="Delete a graph (Graph Store Protocol)", response_class=Response)
async def delete_graph(request: Request, graph: GraphParameter = None,
                       default: DefaultParameter = None) -> Response:
    try:
        require_write_token(request)
        target = _target(graph, default)
        if target is None:
            raise ProtocolError(405, _READ_ONLY_DEFAULT, {"Allow": "GET, HEAD"})
        if not await run_in_threadpool(_exists, request, target):
            raise ProtocolError(404, f"no graph <{target.value}> in the store")
        await run_in_threadpool(get_store(request).drop_graph, target)
        return Response(status_code=204)
    except ProtocolError as error:
        return error.response()
