"""A store's failure under a request gets the same answer on every route, in one line: the
client's fault is a 4xx (a query the engine refuses: 400; an answer the requested format
cannot carry: 406), the store's a 5xx (a remote store's server answering wrongly: 502),
and a failure of the server's side writes one log line, never a traceback.

The table is `store_failure` (api/sparql/execution.py); these are real requests: /sparql
with the query run in this process (the in-memory store, or a disk store with query
isolation off) and in a worker process (a disk store), a named query, and the routes with
no handler of their own, on a remote store whose server sends garbage.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pyoxigraph import NamedNode, RdfFormat, Triple, parse

from tests.api.conftest import (
    IRIS,
    NGINX_PAGE,
    NO_ROWS,
    WRITER,
    AppClient,
    api_settings,
    app_then_answering,
)
from tests.conftest import empty_remote_env

A, B, C = (NamedNode(f"http://example.org/{name}") for name in "abc")
TRIPLE_TERM = f"<<( {A} {B} {C} )>>"
ENTITY = IRIS.entity("actor", "triple-term")
# an RDF 1.2 triple term as object: Turtle and N-Triples write it, JSON-LD cannot
CONSTRUCT = f"CONSTRUCT {{ {A} {B} {TRIPLE_TERM} }} WHERE {{}}"
CANNOT_CARRY = ("the answer cannot be written as application/ld+json: JSON-LD does not "
                "support RDF 1.2 yet; ask for another format (text/turtle, "
                "application/n-triples)")
# pyoxigraph's message for this one goes on over several lines (the characters expected)
MULTI_LINE_ERROR = "SELECT * WHERE { ?s ?p ?o } GROUP BY ?x ORDER BY ?s"
MULTI_LINE_START = 'malformed query: error at 1:52: expected one of "$", "(", ":", "<", "?"'

# where the query runs: in this process (memory; a disk store with isolation off), in a
# query worker (a disk store), or on a real `oxigraph serve` (remote)
WHERE_QUERIES_RUN = ["memory", "in-process", "worker", "remote"]


@pytest.fixture(params=WHERE_QUERIES_RUN)
def empty_api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AppClient]:
    """The app over an empty store, queries run where the parameter says."""
    if request.param == "memory":
        settings = api_settings()
    elif request.param == "remote":
        env = empty_remote_env(request, "remote")
        settings = api_settings("remote", query_url=env["TSR_QUERY_URL"],
                                update_url=env["TSR_UPDATE_URL"],
                                graph_store_url=env["TSR_GRAPH_STORE_URL"])
    else:
        settings = api_settings(str(tmp_path / "store"),
                                query_isolation=request.param == "worker")
    client = AppClient(settings, data=False)
    try:
        yield client
    finally:
        client.close()


def test_an_answer_json_ld_cannot_carry_is_406_in_one_line(empty_api: AppClient) -> None:
    """Before: 500 "the query failed: ..." on /sparql (the same error was a 400 on the named
    queries). The query is right and its answer exists: in Turtle it is 200."""
    refused = empty_api.get("/sparql", params={"query": CONSTRUCT},
                            headers={"Accept": "application/ld+json"})
    assert refused.status_code == 406
    assert refused.headers["content-type"].startswith("text/plain")
    assert refused.text == CANNOT_CARRY + "\n"
    turtle = empty_api.get("/sparql", params={"query": CONSTRUCT},
                           headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200, turtle.text
    read = {Triple(q.subject, q.predicate, q.object)
            for q in parse(turtle.content, RdfFormat.TURTLE)}
    assert read == {Triple(A, B, Triple(A, B, C))}


def test_a_multi_line_message_is_answered_in_its_first_line(empty_api: AppClient) -> None:
    """In this process as in a worker (which always cut it): one line."""
    response = empty_api.get("/sparql", params={"query": MULTI_LINE_ERROR},
                             headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 400
    assert response.text.startswith(MULTI_LINE_START)
    assert response.text.count("\n") == 1 and response.text.endswith("\n")


def test_an_evaluation_error_is_400_on_sparql(empty_api: AppClient) -> None:
    """A well-formed query the engine refuses as it evaluates it: the query's fault (before:
    500 "the query failed: ..." on /sparql, 400 on the named queries)."""
    response = empty_api.get("/sparql", params={"query": f"SELECT ({A}(1) AS ?x) {{}}"},
                             headers={"Accept": "application/sparql-results+json"})
    message = f"The custom function {A} is not supported"
    if empty_api.app.state.store.kind == "remote":
        # departure: oxigraph serve answers it with a 500, its own failure as far as the API
        # can tell, passed on as 502 (bad gateway), as the app's handler answers it
        assert response.status_code == 502
        assert response.json()["detail"].endswith(f"/query answered 500: {message}")
        return
    assert response.status_code == 400
    assert response.text == f"the query cannot be evaluated: {message}\n"


@pytest.mark.parametrize("store", ["memory", "disk"])
def test_a_named_query_answers_as_sparql_does(store: str, tmp_path: Path) -> None:
    """`api-describe` (a named CONSTRUCT) of a resource whose statement holds a triple term:
    406 in JSON-LD (before: 500 with a traceback, the serialiser's error unhandled), 200 in
    Turtle; the graph through the Graph Store GET too (before: 500 with a traceback)."""
    client = AppClient(api_settings("memory" if store == "memory" else str(tmp_path / "s")),
                       data=False)
    try:
        written = client.post("/sparql", headers=WRITER, data={
            "update": f"INSERT DATA {{ GRAPH <urn:x:g> {{ {A} {B} {TRIPLE_TERM} . "
                      f"{ENTITY} {B} {TRIPLE_TERM} }} }}"})
        assert written.status_code == 204, written.text
        path = "/api/queries/api-describe"
        refused = client.get(path, params={"item": A.value},
                             headers={"Accept": "application/ld+json"})
        assert refused.status_code == 406
        assert refused.json() == {"detail": f"query api-describe: {CANNOT_CARRY}"}
        turtle = client.get(path, params={"item": A.value}, headers={"Accept": "text/turtle"})
        assert turtle.status_code == 200, turtle.text
        assert Triple(A, B, Triple(A, B, C)) in {
            Triple(q.subject, q.predicate, q.object)
            for q in parse(turtle.content, RdfFormat.TURTLE)}
        # the Graph Store GET of that graph, in the protocol's plain text as /sparql
        graph = client.get("/store", params={"graph": "urn:x:g"},
                           headers={**WRITER, "Accept": "application/ld+json"})
        assert graph.status_code == 406
        assert graph.text == CANNOT_CARRY + "\n"
        # the entity document's JSON-LD is framed by the API, from the triples one by one
        # when the engine's JSON-LD cannot carry them (as on a remote store): the same 406
        # (before: a 500 with a traceback, then a 200 that wrote the triple term as an @id)
        document = client.get("/id/actor/triple-term", headers={"Accept": "application/ld+json"})
        assert document.status_code == 406, document.text
        assert document.json()["detail"].startswith(
            "the answer cannot be written as application/ld+json: JSON-LD does not support "
            "RDF 1.2 triple terms")
        turtle = client.get("/id/actor/triple-term", headers={"Accept": "text/turtle"})
        assert turtle.status_code == 200
        assert Triple(ENTITY, B, Triple(A, B, C)) in {
            Triple(q.subject, q.predicate, q.object)
            for q in parse(turtle.content, RdfFormat.TURTLE)}
    finally:
        client.close()


# a predicate that ends with no XML name: RDF/XML cannot write it (store/rdf_xml.py)
NO_XML_NAME = NamedNode("http://example.org/terms/1")
NOT_IN_RDF_XML = ("the answer cannot be written as RDF/XML: its predicate "
                  f"<{NO_XML_NAME.value}> does not end with an XML name; ask for another format "
                  "(text/turtle, application/n-triples, application/ld+json)")


def test_a_graph_rdf_xml_cannot_write_is_406_not_broken_xml(empty_api: AppClient) -> None:
    """Before: 200 with `<oxprefix:>` elements, which no XML parser reads (pyoxigraph's
    writer). The same graph is 200 in Turtle; a graph RDF/XML can write is 200 and parses."""
    # the unwritable statement last, after 2,000 others (more than the first chunk holds:
    # a refusal met once the answer had begun could only cut it)
    rows = " ".join(f"({n} UNDEF UNDEF)" for n in range(2_000))
    query = (f'CONSTRUCT {{ {A} {B} ?n . ?x ?y "v" }} WHERE {{ VALUES (?n ?x ?y) {{ {rows} '
             f"(2000 {A} {NO_XML_NAME}) }} }}")
    refused = empty_api.post("/sparql", data={"query": query},
                             headers={"Accept": "application/rdf+xml"})
    assert refused.status_code == 406, refused.text
    assert refused.text == NOT_IN_RDF_XML + "\n"
    turtle = empty_api.post("/sparql", data={"query": query}, headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200
    assert len(list(parse(turtle.content, RdfFormat.TURTLE))) == 2_002
    fine = empty_api.get("/sparql", params={"query": f'CONSTRUCT {{ {A} {B} "w" }} WHERE {{}}'},
                         headers={"Accept": "application/rdf+xml"})
    assert fine.status_code == 200
    assert [q.predicate for q in parse(fine.content, RdfFormat.RDF_XML)] == [B]


def test_an_entity_document_rdf_xml_cannot_write_is_406(tmp_path: Path) -> None:
    client = AppClient(api_settings(str(tmp_path / "s")), data=False)
    try:
        written = client.post("/sparql", headers=WRITER, data={
            "update": f'INSERT DATA {{ GRAPH <urn:x:g> {{ {ENTITY} {NO_XML_NAME} "v" }} }}'})
        assert written.status_code == 204, written.text
        refused = client.get("/id/actor/triple-term", headers={"Accept": "application/rdf+xml"})
        assert refused.status_code == 406
        assert refused.json() == {"detail": NOT_IN_RDF_XML}
        turtle = client.get("/id/actor/triple-term", headers={"Accept": "text/turtle"})
        assert turtle.status_code == 200
        assert NO_XML_NAME in {q.predicate for q in parse(turtle.content, RdfFormat.TURTLE)}
    finally:
        client.close()


@pytest.fixture(scope="module")
def api_on_garbage() -> Iterator[AppClient]:
    """An app whose remote store's port a server answering HTML pages took."""
    yield from app_then_answering(NGINX_PAGE)


# one row, then bytes that do not parse: met only while the rows are read
ROW = ('{"n": {"type": "literal", "value": "3"}, '
       + ", ".join(f'"{name}": {{"type": "uri", "value": "http://example.org/{name}"}}'
                   for name in ("g", "item", "s", "p", "o")) + "}")
BROKEN_ROWS = ('{"head": {"vars": ["n", "g", "item", "s", "p", "o"]}, "results": '
               f'{{"bindings": [{ROW}, {{"n": nonsense').encode()


@pytest.fixture(scope="module")
def api_on_broken_rows() -> Iterator[AppClient]:
    """The same, the server that took the port answering one row, then garbage."""
    yield from app_then_answering(BROKEN_ROWS)


@pytest.fixture(scope="module")
def api_on_no_rows() -> Iterator[AppClient]:
    """The same, the server that took the port answering every query with no row."""
    yield from app_then_answering(NO_ROWS)


UNREADABLE = "remote store sent unreadable results: Parser error at line 1 column 1"


@pytest.mark.parametrize("path", [
    "/.well-known/void", "/health", "/dumps/tsr.ttl", "/dumps/tsr.nq.gz",
    '/reconcile?queries={"q0":{"query":"atelier"}}', "/store?graph=urn:x:g",
    "/api/queries/cq04-jobs-by-year", "/api/actors", "/id/actor/atelier",
    "/sparql?query=SELECT * { ?s ?p ?o }",
])
def test_a_store_sending_garbage_is_a_502_in_one_line_and_one_log_line(
        api_on_garbage: AppClient, path: str, caplog: pytest.LogCaptureFixture) -> None:
    """Before: a 500 "Internal Server Error" with a traceback in the log on the routes with
    no handler of their own (VoID, /health, the dumps, /reconcile, the Graph Store GET);
    the app's handler of StoreError answers them now, as the others."""
    with caplog.at_level(logging.INFO):
        response = api_on_garbage.get(path, headers={**WRITER, "Accept": "application/json"})
    assert response.status_code == 502, response.text
    detail = response.json()["detail"]
    assert detail.startswith(UNREADABLE)
    assert "\n" not in detail
    failures = [record for record in caplog.records if record.name == "uvicorn.error"]
    assert [record.getMessage() for record in failures] == [
        f"GET {urlsplit(path).path}: 502 {detail}"]
    assert not any(record.exc_info for record in caplog.records)


def test_a_browser_gets_the_failure_as_a_page(api_on_garbage: AppClient) -> None:
    response = api_on_garbage.get("/health", headers={"Accept": "text/html"})
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert UNREADABLE in response.text


@pytest.mark.parametrize("path", [
    "/api/actors", "/id/actor/atelier", "/api/queries/cq04-jobs-by-year", "/health",
])
def test_a_count_answered_with_no_row_is_a_502_in_one_line(
        api_on_no_rows: AppClient, path: str, caplog: pytest.LogCaptureFixture) -> None:
    """A COUNT always answers one row: a remote store's answer without it is the store's
    failure (before: a 500 with a traceback, from the mark read before the data, or the
    store's size on /health)."""
    with caplog.at_level(logging.INFO):
        response = api_on_no_rows.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 502, response.text
    base = api_on_no_rows.app.state.store.location
    assert response.json() == {"detail": f"the remote store at {base} answered a COUNT "
                                         "without its count (no row)"}
    failures = [record for record in caplog.records if record.name == "uvicorn.error"]
    assert [record.getMessage() for record in failures] == [
        f"GET {path}: 502 {response.json()['detail']}"]
    assert not any(record.exc_info for record in caplog.records)


@pytest.mark.parametrize("path", [
    "/api/actors", "/id/actor/atelier", "/api/queries/cq04-jobs-by-year", "/health",
    "/.well-known/void",
])
def test_rows_that_stop_parsing_are_a_502_in_one_line(
        api_on_broken_rows: AppClient, path: str, caplog: pytest.LogCaptureFixture) -> None:
    """A remote store's answer is parsed as it streams in: past its first row, what does not
    parse is met while the rows are read (before: a SyntaxError escaping the route, a 500
    with a traceback, and pyoxigraph's results dropped on the event loop)."""
    with caplog.at_level(logging.INFO):
        response = api_on_broken_rows.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 502, response.text
    detail = response.json()["detail"]
    assert detail.startswith("remote store sent unreadable results: Parser error at line 1 "
                             "between columns"), detail
    assert "\n" not in detail
    failures = [record for record in caplog.records if record.name == "uvicorn.error"]
    assert [record.getMessage() for record in failures] == [f"GET {path}: 502 {detail}"]
    assert not any(record.exc_info for record in caplog.records)


def test_a_background_rebuild_that_meets_a_failing_store_logs_one_line(
        api_on_garbage: AppClient, caplog: pytest.LogCaptureFixture) -> None:
    """The search index read again in the background (a request found it stale): the store's
    failure is one log line, as a request's (before: the traceback, as text)."""
    index = api_on_garbage.app.state.services.search_index
    with caplog.at_level(logging.INFO):
        # another mark than the one it was built at: a rebuild starts; waited for
        index.latest(wait=30, mark=(-1, -1))
    lines = [record.getMessage() for record in caplog.records
             if record.name == "api.resources.kept_snapshot"]
    assert lines, "no rebuild was logged"
    for line in lines:
        assert line.startswith(f"{index.name}: rebuild failed: {UNREADABLE}"), line
        assert "\n" not in line
