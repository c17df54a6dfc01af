"""The portal's tests: the in-process app over the example data plus two indicator files of
2025, one public and one restricted (see README.md here), with a read token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.pipeline import IngestOptions, ingest_files
from store import Settings, Store, open_store

from ..api.conftest import READ_TOKEN, WRITE_TOKEN, AppClient, api_settings, ingest_test_data
from ..loaded import load_ingested
from ..servers import served_app

HERE = Path(__file__).resolve().parent
PUBLIC_2025 = HERE / "public-indicators-2025.csv"
RESTRICTED_2025 = HERE / "restricted-indicators.csv"


def load_portal_data(store: Store) -> None:
    """The portal's test data, ingested once per session (tests/loaded.py)."""
    load_ingested(store, ingest_portal_data)


def ingest_portal_data(store: Store) -> None:
    ingest_test_data(store)
    settings = api_settings()
    ingest_files(store, [PUBLIC_2025], settings, IngestOptions(source="public-2025"))
    ingest_files(store, [RESTRICTED_2025], settings,
                 IngestOptions(restricted=True, source="restricted-2025"))


@pytest.fixture(scope="module")
def api() -> Iterator[AppClient]:
    client = AppClient(api_settings(read_token=READ_TOKEN, write_token=WRITE_TOKEN), data=False)
    try:
        load_portal_data(client.app.state.store)
        yield client
    finally:
        client.close()


@pytest.fixture(autouse=True)
def no_remembered_language(request: pytest.FixtureRequest) -> None:
    """Each test starts as a new reader: the client forgets the `lang` cookie a page set."""
    if "api" in request.fixturenames:
        request.getfixturevalue("api").client.cookies.clear()


@pytest.fixture(scope="session")
def served_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`tsr serve` on an on-disk store with the portal's test data; yields its base URL.
    One for the session: the page tests only read."""
    location = tmp_path_factory.mktemp("portal") / "store"
    with open_store(Settings(store=str(location))) as store:
        load_portal_data(store)
    with served_app(location, {"TSR_READ_TOKEN": READ_TOKEN}) as server:
        yield server.base
