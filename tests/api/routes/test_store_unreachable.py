"""A remote store that stops answering is the server's failure, not the client's: a named
query answers 502 with one line saying which store, never a 400 or a 500 with a
traceback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.conftest import AppClient, api_settings
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
