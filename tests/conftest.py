"""Fixtures shared by the whole suite: stores on every backend, real servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from store import Settings, Store, open_store
from store.remote import RemoteStore

from .servers import oxigraph_server, remote_env, virtuoso_env, virtuoso_server

REPO = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test on a remote engine is `slow`: a real Virtuoso takes 6 s to start on an
    idle machine and a minute on a loaded one, and answers several times slower than
    Oxigraph; the same tests on `oxigraph serve` doubled the edit-test loop (`pytest -m
    "not slow"`: 266 s with them, the embedded store's variant being the same code above
    the store). CI runs them all."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        params = list(callspec.params.values()) if callspec is not None else []
        if (any("virtuoso" in name for name in getattr(item, "fixturenames", ()))
                or any(isinstance(value, str) and value in REMOTE_ENGINES for value in params)):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def oxigraph_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real `oxigraph serve` (on-disk) for the session; tests use their own graphs."""
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph-serve")) as base:
        yield base


@pytest.fixture(scope="session")
def virtuoso_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real Virtuoso for the session (SPARQL Update and Graph Store open to the loopback)."""
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as base:
        yield base


# the remote engines every backend test runs on, beside the embedded store
REMOTE_ENGINES = {"remote": ("oxigraph_url", remote_env), "virtuoso": ("virtuoso_url", virtuoso_env)}


def empty_remote_env(request: pytest.FixtureRequest, engine: str) -> dict[str, str]:
    """TSR_* settings of the session's server of that engine, emptied of every graph."""
    fixture, env_of = REMOTE_ENGINES[engine]
    env = env_of(request.getfixturevalue(fixture))
    with RemoteStore(env["TSR_QUERY_URL"], env["TSR_UPDATE_URL"],
                     env["TSR_GRAPH_STORE_URL"]) as remote:
        remote.clear()
    return env


def remote_settings(env: dict[str, str]) -> Settings:
    return Settings(store="remote", query_url=env["TSR_QUERY_URL"],
                    update_url=env["TSR_UPDATE_URL"], graph_store_url=env["TSR_GRAPH_STORE_URL"])


@pytest.fixture(params=["embedded", *REMOTE_ENGINES])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store on each backend: embedded on disk, a real `oxigraph serve` (`remote`)
    and a real Virtuoso."""
    if request.param == "embedded":
        settings = Settings(store=str(tmp_path / "store"))
    else:
        settings = remote_settings(empty_remote_env(request, request.param))
    store = open_store(settings)
    try:
        yield store
    finally:
        store.close()
