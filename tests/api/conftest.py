"""Fixtures of the API protocol tests: a loaded store, the app in-process, a real server.

The data: the example dataset in a public source graph, the model graph, and one
restricted source (marked as CONVENTIONS.md says: `G tsr:restricted true` in the
restricted provenance graph) holding an actor nobody anonymous may see.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import rdflib
from pyoxigraph import NamedNode, RdfFormat, parse

from api.app import create_app
from ingest.pipeline import IngestOptions, ingest_files
from store import Settings, Store, open_store
from store.namespaces import DataIris
from tests.conftest import REMOTE_ENGINES, empty_remote_env, remote_settings
from tests.loaded import load_ingested
from tests.servers import oxigraph_server, served_app

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "tsr-example.ttl"
EXAMPLE_WORKBOOK = REPO / "examples" / "tsr-example.xlsx"
SECRET_SURVEY = Path(__file__).with_name("secret-survey.csv")
IRIS = DataIris(Settings().base_iri)
EXAMPLE_SOURCE = "tsr-example"  # as `tsr quickstart` loads it
PUBLIC_GRAPH = IRIS.source_graph(EXAMPLE_SOURCE)
SECRET_SOURCE = "secret-survey"
SECRET_GRAPH = IRIS.source_graph(SECRET_SOURCE)
# an actor without identifier: its name is a key local to its source
SECRET_KEY = f"{SECRET_SOURCE}~name-organisation-secrete"
SECRET_ACTOR = IRIS.entity("actor", SECRET_KEY)
SECRET_NAME = "Organisation secrète"
RESTRICTED_LOG = NamedNode(f"{IRIS.base}graph/provenance/restricted")
WRITE_TOKEN = "write-secret"
READ_TOKEN = "read-secret"
READER = {"Authorization": f"Bearer {READ_TOKEN}"}
WRITER = {"Authorization": f"Bearer {WRITE_TOKEN}"}


def ingest_test_data(store: Store) -> None:
    """The example workbook and a restricted survey, loaded as users load them: `tsr ingest`."""
    settings = api_settings()
    ingest_files(store, [EXAMPLE_WORKBOOK], settings, IngestOptions(source=EXAMPLE_SOURCE))
    ingest_files(store, [SECRET_SURVEY], settings,
                 IngestOptions(restricted=True, source=SECRET_SOURCE))


def load_test_data(store: Store) -> None:
    """The test data of `ingest_test_data`, ingested once per session (tests/loaded.py)."""
    load_ingested(store, ingest_test_data)


def api_settings(store: str = "memory", **overrides: Any) -> Settings:
    values: dict[str, Any] = {"store": store, "write_token": WRITE_TOKEN,
                              "read_token": READ_TOKEN, "public_url": "http://testserver"}
    values.update(overrides)
    return Settings(**values)


class AppClient:
    """The app in-process behind httpx's ASGITransport, with its lifespan running.

    The app lives on an event loop in a background thread, so tests stay plain functions.
    """

    def __init__(self, settings: Settings, data: bool = True) -> None:
        self.app = create_app(settings)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._stop: asyncio.Event | None = None
        ready: Future[None] = Future()
        self._lifespan = asyncio.run_coroutine_threadsafe(self._run(ready), self._loop)
        ready.result(timeout=30)
        if data:
            load_test_data(self.app.state.store)
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app),
                                        base_url="http://testserver")

    async def _run(self, ready: Future[None]) -> None:
        self._stop = asyncio.Event()
        async with self.app.router.lifespan_context(self.app):
            ready.set_result(None)
            await self._stop.wait()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return asyncio.run_coroutine_threadsafe(
            self.client.request(method, url, **kwargs), self._loop).result(timeout=60)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.client.aclose(), self._loop).result(timeout=10)
        assert self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._lifespan.result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


def serving_app(**overrides: Any) -> Iterator[AppClient]:
    """An app with the test data and these settings, for a fixture to yield."""
    client = AppClient(api_settings(**overrides))
    try:
        yield client
    finally:
        client.close()


# what a "SPARQL server" that is not one answers to every request
NGINX_PAGE = b"<html><body>Welcome to nginx!\n</body></html>"
# well-formed results of no row, to every query (a COUNT among them)
NO_ROWS = b'{"head": {"vars": ["n"]}, "results": {"bindings": []}}'


class _Canned(BaseHTTPRequestHandler):
    """Answers every request 200 with `body`, as SPARQL JSON results."""

    body = b""

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


class _Reusing(ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True


def app_then_answering(body: bytes, **overrides: Any) -> Iterator[AppClient]:
    """An app (these settings) that started on a real `oxigraph serve`, whose port another
    server then took: one that answers every request with `body`. For a fixture to yield."""
    with oxigraph_server() as base:
        client = AppClient(api_settings(store="remote", query_url=f"{base}/query",
                                        update_url=f"{base}/update",
                                        graph_store_url=f"{base}/store", **overrides),
                           data=False)
    handler = type("Answers", (_Canned,), {"body": body})
    server = _Reusing(("127.0.0.1", urlsplit(base).port or 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield client
    finally:
        client.close()
        server.shutdown()
        server.server_close()


# the stores the API's store-facing tests run on: in memory, and each remote engine
ENGINES = ["memory", *REMOTE_ENGINES]


def serving_on(request: pytest.FixtureRequest, engine: str,
               **overrides: Any) -> Iterator[AppClient]:
    """An app with the test data on the store `engine` names (one of ENGINES): the
    in-memory store, or the session's server of a remote engine, emptied first."""
    if engine == "memory":
        yield from serving_app(**overrides)
        return
    env = empty_remote_env(request, engine)
    yield from serving_app(store="remote", query_url=env["TSR_QUERY_URL"],
                           update_url=env["TSR_UPDATE_URL"],
                           graph_store_url=env["TSR_GRAPH_STORE_URL"], **overrides)


def engine_of(api: AppClient) -> str:
    """`memory`, or the engine profile of the app's remote store (store/engines.py)."""
    engine = getattr(api.app.state.store, "engine", None)
    return "memory" if engine is None else str(engine.name)


# Virtuoso's parser names the line of a syntax error, not its column (a departure the API
# passes on: its 400 answer carries the engine's message)
VIRTUOSO_SYNTAX_ERROR = "Virtuoso 37000 Error SP030: SPARQL compiler, line {line}: syntax error"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A module marked `on_engines` gets its `api` and its `fresh_api` on every store of
    ENGINES."""
    if not metafunc.definition.get_closest_marker("on_engines"):
        return
    if "api" in metafunc.fixturenames:
        metafunc.parametrize("api", ENGINES, indirect=True, scope="module")
    if "fresh_api" in metafunc.fixturenames:
        metafunc.parametrize("fresh_api", ENGINES, indirect=True)


@pytest.fixture(scope="module")
def api(request: pytest.FixtureRequest) -> Iterator[AppClient]:
    """The app with the test data: in memory, or on the store the module's `on_engines`
    marker gives it (its tests then run once per engine)."""
    yield from serving_on(request, getattr(request, "param", "memory"))


def fresh_serving(request: pytest.FixtureRequest, **overrides: Any) -> Iterator[AppClient]:
    """An app of its own with the test data and these settings, for a test that writes: in
    memory, or on the store the module's `on_engines` marker gives the fixture. A remote
    engine's server is the session's, which the module's `api` may be reading: it is
    emptied and loaded for the test, and after it emptied and loaded again, so the writes
    end with the test."""
    engine = getattr(request, "param", "memory")
    yield from serving_on(request, engine, **overrides)
    if engine != "memory":
        with open_store(remote_settings(empty_remote_env(request, engine))) as store:
            load_test_data(store)


@pytest.fixture
def fresh_api(request: pytest.FixtureRequest) -> Iterator[AppClient]:
    """An app of its own, for a test that writes (fresh_serving)."""
    yield from fresh_serving(request)


def sparql(api: AppClient, query: str, headers: dict[str, str] | None = None,
           **params: Any) -> httpx.Response:
    return api.get("/sparql", params={"query": query, **params}, headers=headers or {})


def parse_rdf(data: bytes, rdflib_format: str) -> set[Any]:
    """Triples of an RDF document; JSON-LD read by pyoxigraph (rdflib's reader warns)."""
    if rdflib_format == "json-ld":
        return {(q.subject, q.predicate, q.object) for q in parse(data, RdfFormat.JSON_LD)}
    return set(rdflib.Graph().parse(data=data, format=rdflib_format))


def bindings(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return [{name: term["value"] for name, term in row.items()}
            for row in response.json()["results"]["bindings"]]


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`tsr serve` on an on-disk store loaded with the test data, with the write and read
    tokens; yields its base URL. One for the session: the tests using it only read."""
    location = tmp_path_factory.mktemp("served") / "store"
    with open_store(Settings(store=str(location))) as store:
        load_test_data(store)
    # the deadline covers a whole streamed answer (a million rows: 100 MB of TSV)
    with served_app(location, {"TSR_WRITE_TOKEN": WRITE_TOKEN, "TSR_READ_TOKEN": READ_TOKEN,
                               "TSR_RESULT_LIMIT": "2000000",
                               "TSR_QUERY_TIMEOUT": "60"}) as server:
        yield server.base
