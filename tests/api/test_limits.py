"""Limits of the public endpoint: timeout, row cap, body size, SERVICE allow-list, CORS.

The row cap, body size, allow-list and CORS are the API's own: they run on every engine
(the `on_engines` marker; `capped` is the app on the store of the module's `api`). The
timeout tests (`tight`) stay embedded-only by design: they rest on the embedded store's
query workers (store/isolation.py: a query stopped at its deadline, a quick one answered
beside it) and on SLOW's cost in Oxigraph; on a remote engine the deadline is that of the
HTTP request to the engine."""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from api.named_queries import parse_named_query
from api.routes.named_queries import query_router

from .conftest import WRITER, AppClient, api_settings, bindings, engine_of, serving_app, sparql

# About two seconds of engine time on the example data, whatever the timeout says.
SLOW = ("SELECT (COUNT(*) AS ?n) { {SELECT ?a {?a ?b ?c} LIMIT 2000} "
        "{SELECT ?d {?d ?e ?f} LIMIT 2000} {SELECT ?g {?g ?h ?i} LIMIT 6} }")


@pytest.fixture(scope="module")
def tight() -> Iterator[AppClient]:
    client = AppClient(api_settings(query_timeout=0.3, result_limit=5, max_body_bytes=2048,
                                    cors_origins=["https://dashboard.example"]))
    _settle(client)
    try:
        yield client
    finally:
        time.sleep(2.5)  # let the abandoned slow query end before the store closes
        client.close()


LIMITS = {"result_limit": 5, "max_body_bytes": 2048,
          "cors_origins": ["https://dashboard.example"]}


@pytest.fixture(scope="module")
def capped(api: AppClient) -> Iterator[AppClient]:
    """An app with a row cap of 5, a 2 KiB body limit and one CORS origin, on the engine of
    the module's `api`: in memory an app of its own, on a remote engine the same server,
    already loaded."""
    if engine_of(api) == "memory":
        yield from serving_app(**LIMITS)
        return
    store = api.app.state.store
    client = AppClient(api_settings(store="remote", query_url=store.query_url,
                                    update_url=store.update_url,
                                    graph_store_url=store.graph_store_url, **LIMITS),
                       data=False)
    try:
        yield client
    finally:
        client.close()


def _settle(client: AppClient) -> None:
    """Wait for the work a fresh app does in the background (counting the store's quads,
    building its indexes): with a 0.3 s timeout, a first query racing it for the
    interpreter can miss its deadline, which is not what the timeout tests are about."""
    deadline = time.monotonic() + 30
    while client.get("/health").json().get("quads") is None and time.monotonic() < deadline:
        time.sleep(0.05)
    sparql(client, "ASK { ?s ?p ?o }")


def test_timeout_gives_503_and_server_keeps_serving(tight: AppClient) -> None:
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        slow = pool.submit(sparql, tight, SLOW)
        time.sleep(0.05)
        started = time.monotonic()
        health = tight.get("/health")
        quick = sparql(tight, "ASK { ?s ?p ?o }")
        answered_in = time.monotonic() - started
        response = slow.result()
    assert health.status_code == 200 and quick.json()["boolean"] is True
    assert answered_in < 0.3
    assert response.status_code == 503
    assert response.text.strip() == ("the query ran longer than 0.3 s, the server's query "
                                     "timeout; simplify it or add a LIMIT")


def test_result_cap_is_announced_and_marked(capped: AppClient) -> None:
    response = sparql(capped, "SELECT ?s WHERE { ?s ?p ?o }")
    assert response.headers["tsr-result-limit"] == "5"
    body = response.json()
    assert len(body["results"]["bindings"]) == 5
    assert body["truncated"]["limit"] == 5
    small = sparql(capped, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3").json()
    assert len(small["results"]["bindings"]) == 3 and "truncated" not in small
    turtle = sparql(capped, "CONSTRUCT WHERE { ?s ?p ?o }", format="turtle").text
    assert turtle.rstrip().endswith("narrow the query or page through it with LIMIT/OFFSET")


def test_named_queries_have_the_same_deadline(tight: AppClient) -> None:
    """A named query runs as /sparql runs one: the same deadline (embedded only, as the
    timeout is)."""
    tight.app.include_router(query_router([parse_named_query("slow-count", SLOW)]))
    slow = tight.get("/api/queries/slow-count")
    assert slow.status_code == 503
    assert slow.json()["detail"] == ("query slow-count: the query ran longer than 0.3 s, the "
                                     "server's query timeout; simplify it or add a LIMIT")


def test_named_queries_have_the_same_row_cap(capped: AppClient) -> None:
    """A named query runs as /sparql runs one: the same row cap."""
    capped.app.include_router(query_router([
        parse_named_query("every-subject", "SELECT ?s WHERE { ?s ?p ?o }")]))
    answer = capped.get("/api/queries/every-subject")
    assert answer.headers["tsr-result-limit"] == "5"
    assert len(answer.json()["results"]["bindings"]) == 5
    assert answer.json()["truncated"]["limit"] == 5


def test_body_limit_413(capped: AppClient) -> None:
    big = ("ASK { ?s ?p ?o }" + " " * 4000).encode()

    async def undeclared() -> AsyncIterator[bytes]:  # chunked: no Content-Length
        for start in range(0, len(big), 1000):
            yield big[start:start + 1000]

    for content in (big, undeclared()):
        response = capped.post("/sparql", content=content,
                              headers={"Content-Type": "application/sparql-query"})
        assert response.status_code == 413
        assert response.text.strip() == ("request body too large: this server accepts at most "
                                         "2048 bytes (setting max_body_bytes)")
    assert capped.post("/sparql", data={"query": "ASK {}"}).status_code == 200


@pytest.mark.parametrize(("query", "message"), [
    ("SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
     "SERVICE <http://127.0.0.1:9/sparql> is not on this server's allow-list (allowed: "
     "https://query.wikidata.org/sparql); no request was made"),
    ("PREFIX x: <http://127.0.0.1:9/> SELECT * { service silent x:sparql { ?s ?p ?o } }",
     "SERVICE <http://127.0.0.1:9/sparql> is not on this server's allow-list (allowed: "
     "https://query.wikidata.org/sparql); no request was made"),
    ("SELECT * {\n  VALUES ?e { <http://127.0.0.1:9/> }\n  SERVICE ?e { ?s ?p ?o } }",
     "SERVICE ?e at line 3, column 11: the endpoint of a SERVICE call must be a fixed IRI on "
     "the server's allow-list"),
])
def test_service_outside_allowlist_is_refused(api: AppClient, query: str, message: str) -> None:
    response = sparql(api, query)
    assert response.status_code == 400
    assert response.text.strip() == message


def test_service_word_in_a_literal_is_not_a_call(api: AppClient) -> None:
    rows = bindings(sparql(api, 'SELECT ?x { BIND("SERVICE <http://127.0.0.1:9/>" AS ?x) }'))
    assert rows == [{"x": "SERVICE <http://127.0.0.1:9/>"}]


def test_service_refused_in_updates_too(api: AppClient) -> None:
    response = api.post("/sparql", headers=WRITER, data={
        "update": "INSERT { GRAPH <urn:g> { ?s ?p ?o } } WHERE { SERVICE <http://127.0.0.1:9/> "
                  "{ ?s ?p ?o } }"})
    assert response.status_code == 400 and "allow-list" in response.text


def test_cors(capped: AppClient, api: AppClient) -> None:
    allowed = sparql(capped, "ASK {}", {"Origin": "https://dashboard.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://dashboard.example"
    other = sparql(capped, "ASK {}", {"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in other.headers
    anyone = sparql(api, "ASK {}", {"Origin": "https://elsewhere.example"})
    assert anyone.headers["access-control-allow-origin"] == "*"
    preflight = api.request("OPTIONS", "/sparql", headers={
        "Origin": "https://x.example", "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200
    refused = api.request("OPTIONS", "/store", headers={
        "Origin": "https://x.example", "Access-Control-Request-Method": "PUT"})
    assert refused.status_code == 400


def test_service_on_the_allow_list_is_called(oxigraph_url: str) -> None:
    remote = f"{oxigraph_url}/query"
    httpx.post(f"{oxigraph_url}/update", content='INSERT DATA { <urn:x:a> <urn:x:label> "from afar" }',
               headers={"Content-Type": "application/sparql-update"}).raise_for_status()
    federated = AppClient(api_settings(service_allowlist=[remote]), data=False)
    try:
        rows = bindings(sparql(federated, f"SELECT ?o {{ SERVICE <{remote}> {{ <urn:x:a> ?p ?o }} }}"))
    finally:
        federated.close()
        httpx.post(f"{oxigraph_url}/update", content="DROP SILENT ALL",
                   headers={"Content-Type": "application/sparql-update"}).raise_for_status()
    assert rows == [{"o": "from afar"}]


def test_failing_service_on_the_allow_list_is_a_502() -> None:
    from tests.servers import free_port

    dead = f"http://127.0.0.1:{free_port()}/sparql"  # nothing listens there
    federated = AppClient(api_settings(service_allowlist=[dead]), data=False)
    try:
        response = sparql(federated, f"SELECT * {{ SERVICE <{dead}> {{ ?s ?p ?o }} }}")
    finally:
        federated.close()
    assert response.status_code == 502
    assert response.text.startswith("a SERVICE endpoint failed: ")


# Real processes (servers, the CLI, a browser) or stores loaded for the module: out of the
# edit-test loop, `pytest -m "not slow"`; CI runs every test
pytestmark = [pytest.mark.slow, pytest.mark.on_engines]
