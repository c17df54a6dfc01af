"""Fixtures shared by the whole suite: stores on every backend, real servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from store import Settings, Store, open_store
from store.remote import RemoteStore

from .servers import oxigraph_server, remote_env

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def oxigraph_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real `oxigraph serve` (on-disk) for the session; tests use their own graphs."""
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph-serve")) as base:
        yield base


def _clear_remote(base: str) -> None:
    remote = RemoteStore(f"{base}/query", f"{base}/update", f"{base}/store")
    with remote:
        remote.update("DROP SILENT ALL")


@pytest.fixture(params=["embedded", "remote"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store on each backend: embedded on disk, and a real `oxigraph serve`."""
    if request.param == "embedded":
        settings = Settings(store=str(tmp_path / "store"))
    else:
        base = request.getfixturevalue("oxigraph_url")
        _clear_remote(base)
        env = remote_env(base)
        settings = Settings(store="remote", query_url=env["TSR_QUERY_URL"],
                            update_url=env["TSR_UPDATE_URL"],
                            graph_store_url=env["TSR_GRAPH_STORE_URL"])
    store = open_store(settings)
    try:
        yield store
    finally:
        store.close()
