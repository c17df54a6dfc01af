"""Restricted sources stay restricted on every path; the read token shows them."""

from __future__ import annotations

import gzip
import time

import pytest
import rdflib

from .conftest import (
    READER,
    SECRET_ACTOR,
    SECRET_GRAPH,
    SECRET_NAME,
    AppClient,
    bindings,
    parse_rdf,
    sparql,
)

SECRET = SECRET_GRAPH.value


# the app on the in-memory store and on each remote engine (whose ways with a request's
# dataset differ: store/engines.py)
pytestmark = pytest.mark.on_engines


QUERIES = {
    "default graph": "SELECT ?o WHERE { ?s ?p ?o }",
    "GRAPH ?g": "SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }",
    "GRAPH <restricted>": f"SELECT ?o WHERE {{ GRAPH <{SECRET}> {{ ?s ?p ?o }} }}",
    "FROM": f"SELECT ?o FROM <{SECRET}> WHERE {{ ?s ?p ?o }}",
    "FROM NAMED": f"SELECT ?o FROM NAMED <{SECRET}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "relative FROM": (f"BASE <{SECRET.rsplit('/', 1)[0]}/> "
                      f"SELECT ?o FROM <{SECRET.rsplit('/', 1)[1]}> {{ ?s ?p ?o }}"),
}


def _values(response: object) -> set[str]:
    return {row["o"] for row in bindings(response)}  # type: ignore[arg-type]


@pytest.mark.parametrize("path", QUERIES)
def test_select_paths_hide_restricted_graph(api: AppClient, path: str) -> None:
    assert SECRET_NAME not in _values(sparql(api, QUERIES[path]))
    assert SECRET_NAME in _values(sparql(api, QUERIES[path], READER))


@pytest.mark.parametrize("limit", ["LIMIT 50", ""])
def test_point_lookup_hides_restricted_graph(api: AppClient, limit: str) -> None:
    """A lookup of one pattern with a LIMIT is answered on the event loop from the cached
    view of the reader's graphs (api/routes/sparql.py), without one in a thread: the same
    graphs either way, asked twice so that the second answer comes from the cache."""
    lookup = f"SELECT ?o WHERE {{ <{SECRET_ACTOR.value}> ?p ?o }} {limit}"
    for _ in range(2):
        assert SECRET_NAME not in _values(sparql(api, lookup))
        assert SECRET_NAME in _values(sparql(api, lookup, READER))


def test_dataset_parameters_cannot_name_restricted_graph(api: AppClient) -> None:
    query = "SELECT ?o WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    params = {"default-graph-uri": SECRET, "named-graph-uri": SECRET}
    assert _values(sparql(api, query, **params)) == set()
    assert SECRET_NAME in _values(sparql(api, query, READER, **params))


def test_describe_hides_restricted_graph(api: AppClient) -> None:
    query = f"DESCRIBE <{SECRET_ACTOR.value}>"
    assert parse_rdf(sparql(api, query, {"Accept": "application/n-triples"}).content, "nt") == set()
    described = parse_rdf(sparql(api, query, {**READER, "Accept": "application/n-triples"}).content,
                          "nt")
    assert {triple[0] for triple in described} == {rdflib.URIRef(SECRET_ACTOR.value)}
    assert (rdflib.URIRef(SECRET_ACTOR.value), rdflib.URIRef("https://w3id.org/tsr-observatory/ontology#name"),
            rdflib.Literal(SECRET_NAME)) in described


def test_graph_listing_and_provenance_log_hidden(api: AppClient) -> None:
    graphs = {row["g"] for row in bindings(sparql(
        api, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"))}
    assert SECRET not in graphs
    assert not any(g.endswith("graph/provenance/restricted") for g in graphs)
    with_token = {row["g"] for row in bindings(sparql(
        api, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", READER))}
    assert SECRET in with_token


def test_wrong_read_token_sees_public_only(api: AppClient) -> None:
    response = sparql(api, QUERIES["GRAPH ?g"], {"Authorization": "Bearer nope"})
    assert SECRET_NAME not in _values(response)


def test_dumps_hide_restricted_graph(api: AppClient) -> None:
    public = gzip.decompress(api.get("/dumps/tsr.nq.gz").content).decode()
    assert SECRET not in public and SECRET_NAME not in public and public.count("\n") > 1000
    private = gzip.decompress(api.get("/dumps/tsr.nq.gz", headers=READER).content).decode()
    assert f'"{SECRET_NAME}" <{SECRET}> .' in private
    turtle = api.get("/dumps/tsr.ttl").content
    assert SECRET_NAME not in turtle.decode()
    assert len(parse_rdf(turtle, "turtle")) > 1000
    assert SECRET_NAME in api.get("/dumps/tsr.ttl", headers=READER).text


def test_void_and_service_description_hide_restricted_graph(api: AppClient) -> None:
    for url in ("/.well-known/void", "/sparql"):
        assert SECRET not in api.get(url, headers={"Accept": "application/n-triples"}).text
        assert SECRET in api.get(url, headers={**READER, "Accept": "application/n-triples"}).text


def test_health_counts_no_restricted_quad_for_anonymous_readers(api: AppClient) -> None:
    """The size of a restricted source is not public: anonymous /health counts the graphs
    an anonymous reader may query; the read token sees the whole store."""
    store = api.app.state.store
    secret = store.count(SECRET_GRAPH)
    assert secret > 0
    health: dict[str, int | None] = {}
    for who, headers in (("anonymous", {}), ("reader", READER)):
        for _ in range(100):  # counted in the background: null until it is ready
            health[who] = api.get("/health", headers=headers).json()["quads"]
            if health[who] is not None:
                break
            time.sleep(0.05)
    assert health["reader"] == store.count()
    assert health["anonymous"] is not None
    assert health["anonymous"] <= store.count() - secret
