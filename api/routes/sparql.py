"""`/sparql`: the SPARQL 1.1 Protocol (query and update) over the store.

Queries are public and read the graphs the reader may see (see api/sparql/dataset.py);
updates need the write token. Results stream from a worker thread (api/sparql/execution.py).
"""

from __future__ import annotations

import io
import time
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from store.base import QueryStopped, StoreFault
from store.isolation import QueryPool
from store.single_scan import Scan, scan_of
from store.sparql_breadth import BreadthError, check_breadth
from store.sparql_nesting import NestingError, check_nesting

from ..deps import get_settings_of, get_store, may_see_restricted
from ..resources.running import reader_source
from ..sparql.auth import require_write_token
from ..sparql.call_check import ParseStopped, checked_calls
from ..sparql.calls import UncheckedCall, may_call, unlisted_call
from ..sparql.cap import LIMIT_HEADER
from ..sparql.dataset import request_dataset, visibility
from ..sparql.description import public_base, service_description
from ..sparql.direct import DirectRoute
from ..sparql.errors import ProtocolError
from ..sparql.execution import (
    QUERY_FAILURES,
    ChunkWriter,
    QueryTimeout,
    client_key,
    log_failure,
    query_pool,
    query_runner,
    respond,
    stopped,
    store_failure,
)
from ..sparql.jobs import ANSWER, write_answer
from ..sparql.negotiation import GRAPH_TYPES, RESULT_TYPES, MediaType, NotAcceptable, choose
from ..sparql.request import (
    FORM,
    INLINE_BYTES,
    QUERY_TYPE,
    UPDATE_TYPE,
    Operation,
    read_operation,
)
from ..sparql.text import SparqlFacts, read_sparql, unlisted_service
from ..sparql.writers import Cap, write_graph

router = APIRouter(tags=["sparql"], route_class=DirectRoute)
# the most rows of a single-pattern lookup answered on the event loop (`_answer_on_loop`):
# a thousand rows are written in about a millisecond
LOOP_ROWS = 1000
# a longer text is read in a thread: the lexer takes about 9 us a token, so a text of
# parentheses or other one-character tokens held the event loop 35 ms for 4,000 of them
# (api/sparql/text.py reads most texts only up to their query form; not those that name
# a dataset or a SERVICE); a light query is a few hundred characters
LEX_ON_LOOP_CHARS = 1000

TRUNCATION_NOTE = (
    f"At most `result_limit` rows (or triples) are returned; the `{LIMIT_HEADER}` header "
    "gives the limit, and a cut result says so in SPARQL JSON (`truncated` member), "
    "SPARQL XML, Turtle, N-Triples and RDF/XML (a closing comment).")
_POST_BODY: dict[str, Any] = {"requestBody": {"content": {
    FORM: {"schema": {"type": "object", "properties": {
        "query": {"type": "string"}, "update": {"type": "string"},
        "default-graph-uri": {"type": "array", "items": {"type": "string"}},
        "named-graph-uri": {"type": "array", "items": {"type": "string"}},
        "format": {"type": "string"}}}},
    QUERY_TYPE: {"schema": {"type": "string"}},
    UPDATE_TYPE: {"schema": {"type": "string"}},
}}}


# The GET parameters, for the OpenAPI document only: read_operation reads them itself (as
# the protocol says: a repeated `query` is an error, not "the last one"), so FastAPI is not
# given them to parse and validate on every request (a fifth of a point lookup's time).
_GET_PARAMETERS: dict[str, Any] = {"parameters": [
    {"name": "query", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "The SPARQL query."},
    {"name": "default-graph-uri", "in": "query", "required": False,
     "schema": {"type": "array", "items": {"type": "string"}}},
    {"name": "named-graph-uri", "in": "query", "required": False,
     "schema": {"type": "array", "items": {"type": "string"}}},
    {"name": "format", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "Result format for browsers: json, xml, csv, tsv, turtle, ntriples, "
     "rdfxml, jsonld (wins over Accept)."},
]}


@router.get(
    "/sparql", summary="SPARQL query (GET), or the service description without a query",
    description="SPARQL 1.1 Protocol query operation. Without `query`, the SPARQL Service "
    "Description (Turtle, N-Triples, RDF/XML or JSON-LD). " + TRUNCATION_NOTE,
    response_class=Response, openapi_extra=_GET_PARAMETERS)
async def sparql_get(request: Request) -> Response:
    try:
        operation = await read_operation(request)
        if operation.query is None:
            return await _describe_service(request, operation)
        return await _run_query(request, operation)
    except ProtocolError as error:
        return error.response()


@router.post(
    "/sparql", summary="SPARQL query or update (POST form or direct body)",
    description="SPARQL 1.1 Protocol: a form with `query` or `update`, or the text itself as "
    f"`{QUERY_TYPE}` / `{UPDATE_TYPE}`. Updates need the write token. " + TRUNCATION_NOTE,
    response_class=Response, openapi_extra=_POST_BODY)
async def sparql_post(request: Request) -> Response:
    try:
        operation = await read_operation(request)
        if operation.update is not None:
            return await _run_update(request, operation)
        return await _run_query(request, operation)
    except ProtocolError as error:
        return error.response()


async def _read_checked(request: Request, text: str, what: str) -> SparqlFacts:
    """The text's lexical facts, once its nesting is known to be safe for any parser."""
    if len(text) > LEX_ON_LOOP_CHARS:
        return await run_in_threadpool(_read_checked_now, request, text, what)
    return _read_checked_now(request, text, what)


async def _check_breadth(text: str, what: str) -> None:
    """Refuse chains too long to evaluate in this process (store/sparql_breadth.py)."""
    try:
        if len(text) > INLINE_BYTES:
            await run_in_threadpool(check_breadth, text, what)
        else:
            check_breadth(text, what)
    except BreadthError as error:
        raise ProtocolError(400, str(error)) from None


def _read_checked_now(request: Request, text: str, what: str) -> SparqlFacts:
    try:
        check_nesting(text, get_settings_of(request).max_query_nesting, what)
    except NestingError as error:
        raise ProtocolError(400, str(error)) from None
    return read_sparql(text)


async def _check_calls(request: Request, facts: SparqlFacts, text: str, update: bool) -> None:
    """Refuse SERVICE and LOAD calls off the allow-lists, as the parsed text has them."""
    settings = get_settings_of(request)
    refusal = unlisted_service(facts, settings.service_allowlist)  # the lexical reading
    # a long text is searched for the words in a thread too (10 MB: 28 ms)
    if refusal is None and (len(text) > LEX_ON_LOOP_CHARS or may_call(text)):
        try:  # up to seconds of parsing: in a worker process (api/sparql/call_check.py)
            calls = await run_in_threadpool(
                checked_calls, text, update, client=client_key(request),
                timeout=settings.query_timeout, memory_bytes=settings.query_memory_bytes)
        except UncheckedCall as error:
            raise ProtocolError(400, str(error)) from None
        except ParseStopped as error:
            raise ProtocolError(503, str(error), {"Retry-After": "10"}) from None
        except QueryStopped as error:
            raise stopped(error) from None
        refusal = unlisted_call(calls, settings.service_allowlist, settings.load_allowlist)
        facts.service_targets.extend(calls.services)
    if refusal:
        raise ProtocolError(400, refusal)


async def _run_query(request: Request, operation: Operation) -> Response:
    assert operation.query is not None
    text = operation.query
    scan = scan_of(text)
    if scan is not None:  # its strict form leaves the lexical checks nothing to find
        facts = SparqlFacts(operation=scan.form)
    else:
        facts = await _read_checked(request, text, "query")
        if facts.is_update:
            raise ProtocolError(400, "this is a SPARQL update: send it as 'update' (POST "
                                     f"form) or with Content-Type {UPDATE_TYPE}")
        await _check_calls(request, facts, text, update=False)
    graph_result = facts.operation in ("CONSTRUCT", "DESCRIBE")
    try:
        media = choose(GRAPH_TYPES if graph_result else RESULT_TYPES,
                       request.headers.get("accept"), operation.format)
    except NotAcceptable as error:
        raise ProtocolError(406, str(error)) from None
    settings = get_settings_of(request)
    store = get_store(request)
    graphs = visibility(request)
    include_restricted = may_see_restricted(request)
    pool = query_pool(store)
    # one index scan, bounded by the result cap, runs here: a worker's process hop would be
    # a quarter of a point lookup's time (store/single_scan.py); but not while the server
    # writes: a worker reads the checkpoint from before the write, never a graph that a
    # staged replacement has emptied and not yet refilled
    isolated = pool is not None and (bool(store.writing) or scan is None)
    if not isolated and scan is None:  # nothing could stop the engine here
        await _check_breadth(text, "query")
    deadline = time.monotonic() + settings.query_timeout
    client = client_key(request)
    try:
        whole = _answer_on_loop(request, text, scan, facts, operation, media, pool)
    except QUERY_FAILURES as error:
        raise _failed(request, error, "query") from None
    if whole is not None:
        return Response(whole, media_type=media.content_type, headers={
            LIMIT_HEADER: str(settings.result_limit), "Vary": "Accept"})

    def produce(writer: ChunkWriter) -> None:
        # in the worker: listing graphs touches the store, the event loop must not wait on it
        view = graphs.view_of(store, settings, include_restricted)
        dataset = request_dataset(facts, operation.default_graph_uris,
                                  operation.named_graph_uris, view.graphs,
                                  whole_store=view.is_whole_store(store))
        if isolated:  # a worker process, stopped at the deadline
            assert pool is not None
            writer.stop_at(deadline)
            pool.run(ANSWER, (text, dataset.default_graph, dataset.named_graphs, media.name,
                              settings.result_limit),
                     writer.write, deadline=deadline, client=client,
                     abandoned=writer.abandoned, query=text)
            return
        result = store.query(text, default_graph=dataset.default_graph,
                             named_graphs=dataset.named_graphs)
        write_answer(result, media, writer, settings.result_limit)

    try:
        first, rest = await query_runner(request.app.state, pool).start(
            produce, settings.query_timeout)
    except (QueryTimeout, *QUERY_FAILURES) as error:
        raise _failed(request, error, "query", service_calls=bool(facts.service_targets)
                      ) from None

    return respond(first, rest, media.content_type, {
        LIMIT_HEADER: str(settings.result_limit), "Vary": "Accept"})


def _answer_on_loop(request: Request, text: str, scan: Scan | None, facts: SparqlFacts,
                    operation: Operation, media: MediaType, pool: QueryPool | None
                    ) -> bytes | None:
    """The whole answer of a small single scan, computed here on the event loop, or None
    when the query must take a thread (and perhaps a worker process).

    A point lookup is a few index entries (about 0.1 ms with its serialisation); handing it
    to a thread cost more than that in thread wake-ups and in the interpreter lock passed
    back and forth, and under load each of those waits for a core: with 64 paced clients
    (bench/hostile.py g) the lookups' p99 was many times the idle server's. Only when
    nothing else must be read first: an embedded store (a remote one is an HTTP call), no
    write under way (a staged replacement's readers get the checkpoint from before it, in
    a worker), and the reader's graphs known without listing them."""
    store = get_store(request)
    if (not store.capabilities.local_change_mark or store.writing
            or scan is None or not scan.bounded_by(LOOP_ROWS)):
        return None
    view = visibility(request).cached(may_see_restricted(request), store)
    whole_store = None if view is None else view.known_whole_store(store)
    if view is None or whole_store is None:
        return None
    dataset = request_dataset(facts, operation.default_graph_uris, operation.named_graph_uris,
                              view.graphs, whole_store=whole_store)
    if pool is not None:  # the workers' runaways keep off a core while lookups come here
        pool.answering()
    body = io.BytesIO()
    result = store.query(text, default_graph=dataset.default_graph,
                         named_graphs=dataset.named_graphs)
    write_answer(result, media, body, get_settings_of(request).result_limit)
    return body.getvalue()


async def _run_update(request: Request, operation: Operation) -> Response:
    require_write_token(request)
    assert operation.update is not None
    if operation.using_graph_uris or operation.default_graph_uris or operation.named_graph_uris:
        raise ProtocolError(400, "using-graph-uri / using-named-graph-uri are not supported: "
                                 "put USING or WITH in the update itself")
    facts = await _read_checked(request, operation.update, "update")
    # updates run in this process; and before the SERVICE/LOAD check, whose parse of a
    # long chain is slow
    await _check_breadth(operation.update, "update")
    await _check_calls(request, facts, operation.update, update=True)
    store = get_store(request)
    try:
        await run_in_threadpool(store.update, operation.update)
    except QUERY_FAILURES as error:
        raise _failed(request, error, "update",
                      service_calls=bool(facts.service_targets)) from None
    # the readers' graphs are listed again: the store's write count moved (VisibleGraphs)
    return Response(status_code=204)


def _failed(request: Request, error: Exception, what: str, *,
            service_calls: bool = False) -> Exception:
    """What a failure under a query or update is answered as (`store_failure`, the table
    every route uses): the store's own failure (StoreFault) itself, which the app's handler
    answers (502, as on every route), else the protocol's one line of text."""
    if isinstance(error, StoreFault):
        return error
    failure = store_failure(error, what, service_calls=service_calls)
    log_failure(f"{request.method} {request.url.path}", failure)
    return failure


async def _describe_service(request: Request, operation: Operation) -> Response:
    accept = request.headers.get("accept", "")
    if operation.format is None and accept.lower().startswith("text/html"):
        # a person who opened the endpoint in a browser: show the query editor
        return RedirectResponse("/query", status_code=303)
    try:
        media = choose(GRAPH_TYPES, accept, operation.format)
    except NotAcceptable as error:
        raise ProtocolError(406, str(error)) from None
    base = public_base(request)
    visible = (await run_in_threadpool(reader_source(request).view)).graphs
    triples = service_description(f"{base}/sparql", visible, f"{base}/.well-known/void")
    chunks: list[bytes] = []

    class Collect:
        def write(self, data: bytes) -> None:
            chunks.append(data)

    write_graph(triples, media, Collect(), Cap(len(triples)))
    return Response(b"".join(chunks), media_type=media.content_type, headers={"Vary": "Accept"})
