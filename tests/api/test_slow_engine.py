"""A query the engine behind a remote store does not answer in time: the backend's deadline
answers (the store's call fails, the API says 503), and the observatory keeps serving.

On a Virtuoso of its own (started for this module, a few seconds): the case seen once on the
session's Virtuoso (a query that never answered, and the engine stuck after it) would stall
every later test there. Here the engine is kept busy by a query it cannot finish before its
own limit (MaxQueryExecutionTime, 8 s), far past the observatory's deadlines.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Triple

from store import Settings
from store.base import QueryTimeout
from store.remote import RemoteStore
from tests.api.conftest import AppClient, api_settings
from tests.servers import virtuoso_env, virtuoso_server

GRAPH = NamedNode("http://example.org/slow")
# four copies of 300 triples joined: 8.1e9 rows to count, minutes of work for the engine
SLOW = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?s ?h "
        "FILTER(STR(?b) < STR(?d) && STR(?f) < STR(?h)) }")


@pytest.fixture(scope="module")
def private_virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A Virtuoso of this module's own, that stops a query after 8 s, holding 300 triples."""
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso-slow"), max_seconds=8) as base:
        env = virtuoso_env(base)
        with RemoteStore(env["TSR_QUERY_URL"], env["TSR_UPDATE_URL"],
                         env["TSR_GRAPH_STORE_URL"]) as store:
            store.add([Triple(NamedNode(f"http://example.org/s{i}"),
                              NamedNode("http://example.org/p"), Literal(f"v{i}"))
                       for i in range(300)], GRAPH)
        yield env


def test_the_store_call_fails_at_its_deadline(private_virtuoso: dict[str, str]) -> None:
    env = private_virtuoso
    with RemoteStore(env["TSR_QUERY_URL"], env["TSR_UPDATE_URL"],
                     env["TSR_GRAPH_STORE_URL"]) as store:
        started = time.monotonic()
        with pytest.raises(QueryTimeout, match="did not answer within 1 s, the server's query "
                           "timeout"):
            list(store.query(SLOW, timeout=1))
        assert time.monotonic() - started < 6  # the backend's deadline, not the engine's 8 s
        # the engine still answers others while it works on that query
        assert store.count(GRAPH) == 300


def test_the_api_answers_503_and_keeps_serving(private_virtuoso: dict[str, str],
                                               tmp_path: Path) -> None:
    env = private_virtuoso
    client = AppClient(api_settings("remote", query_url=env["TSR_QUERY_URL"],
                                    update_url=env["TSR_UPDATE_URL"],
                                    graph_store_url=env["TSR_GRAPH_STORE_URL"],
                                    query_timeout=1.5), data=False)
    try:
        with ThreadPoolExecutor(2) as pool:
            started = time.monotonic()
            slow = pool.submit(client.get, "/sparql", params={"query": SLOW})
            time.sleep(0.3)  # the slow query is under way in the engine
            health = client.get("/health")
            light = client.get("/sparql", params={
                "query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH.value}> {{ ?s ?p ?o }} }}"},
                headers={"Accept": "application/sparql-results+json"})
            answer = slow.result(timeout=30)
            waited = time.monotonic() - started
        assert answer.status_code == 503, answer.text
        assert "longer than 1.5 s" in answer.text
        assert waited < 6  # the API's deadline, not the engine's 8 s
        assert health.status_code == 200, health.text
        assert light.status_code == 200, light.text
        assert light.json()["results"]["bindings"][0]["n"]["value"] == "300"
    finally:
        client.close()


def test_a_named_query_past_its_deadline_is_a_503(private_virtuoso: dict[str, str]) -> None:
    """Named queries and curated routes run on a remote store with the query timeout as
    the HTTP call's: past it, the same 503 as on /sparql and on the embedded store (it was
    a 400, as if the query were at fault)."""
    from fastapi import HTTPException

    from api.named_queries import NamedQuery
    from api.resources.running import run_query_over
    env = private_virtuoso
    slow = NamedQuery(name="slow", text=SLOW, form="SELECT")
    store = RemoteStore(env["TSR_QUERY_URL"], env["TSR_UPDATE_URL"], env["TSR_GRAPH_STORE_URL"])
    with store, pytest.raises(HTTPException) as refused:
        run_query_over(store, Settings(store="remote", query_timeout=1.0), "someone", slow,
                       {}, None, None)
    assert refused.value.status_code == 503
    assert refused.value.detail == ("query slow: the remote store did not answer within 1 s, "
                                    "the server's query timeout; simplify the query or add a "
                                    "LIMIT")
    assert refused.value.headers == {"Retry-After": "10"}
