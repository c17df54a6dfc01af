"""A remote store that stops answering is the server's failure, not the client's: a named
query answers 502 with one line saying which store, never a 400 or a 500 with a
traceback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.conftest import WRITER, AppClient, api_settings
from tests.servers import oxigraph_server


@pytest.fixture
def api_whose_store_went_away() -> Iterator[AppClient]:
    """An app on a real `oxigraph serve`, which is stopped once the app has started."""
    with oxigraph_server() as base:
        client = AppClient(api_settings(store="remote", query_url=f"{base}/query",
                                        update_url=f"{base}/update",
                                        graph_store_url=f"{base}/store"), data=False)
    try:
        yield client
    finally:
        client.close()


def test_a_named_query_on_an_unreachable_store_is_a_502(
        api_whose_store_went_away: AppClient) -> None:
    response = api_whose_store_went_away.get(
        "/api/queries/cq04-jobs-by-year", headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 502, response.text
    detail = response.json()["detail"]
    assert detail.startswith("cannot reach remote store at http://127.0.0.1:")
    assert "\n" not in detail


@pytest.mark.parametrize("path", ["/api/actors", "/api/actors/atelier", "/id/actor/atelier",
                                  "/api/search?q=atelier"])
def test_every_route_on_an_unreachable_store_is_a_502(
        api_whose_store_went_away: AppClient, path: str) -> None:
    """The curated lists, entity documents and search say it as the named queries do: the
    app's handler of StoreError, the one place that answers it (api/error_pages.py)."""
    response = api_whose_store_went_away.get(path, headers={"Accept": "application/ld+json"})
    assert response.status_code == 502, response.text
    detail = response.json()["detail"]
    assert detail.startswith("cannot reach remote store at http://127.0.0.1:")
    assert "\n" not in detail


def test_sparql_on_an_unreachable_store_is_a_502(api_whose_store_went_away: AppClient) -> None:
    """/sparql too: a query or an update the store cannot be reached for is not a 500."""
    query = api_whose_store_went_away.get(
        "/sparql", params={"query": "SELECT * { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"})
    update = api_whose_store_went_away.post("/sparql", headers=WRITER, data={
        "update": "INSERT DATA { GRAPH <urn:x:g> { <urn:x:a> <urn:x:b> <urn:x:c> } }"})
    for response in (query, update):
        assert response.status_code == 502, response.text
        assert response.json()["detail"].startswith(
            "cannot reach remote store at http://127.0.0.1:")
