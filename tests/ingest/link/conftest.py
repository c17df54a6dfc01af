"""Real servers for the linker tests: a Wikidata stand-in (`oxigraph serve` with a fixture in
Wikidata's shape), a HAL-like search API, and a server that misbehaves on demand."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pyoxigraph import NamedNode, RdfFormat

from store import Settings, Store, open_store
from store.namespaces import DataIris
from tests.servers import oxigraph_server

HERE = Path(__file__).parent
FIXTURES = HERE.parent.parent / "fixtures"
OBSERVATORY = HERE / "observatory.ttl"
WIKIDATA_FIXTURE = FIXTURES / "wikidata" / "wikidata.ttl"
HAL_DOCUMENTS = FIXTURES / "hal" / "documents.json"
ROR_JSON = FIXTURES / "ror" / "ror-slice-schema_v2.json"
ROR_ZIP = FIXTURES / "ror" / "v9.99-2026-01-01-ror-data.zip"
IRIS = DataIris("https://data.tsr-observatory.org/")
SOURCE = IRIS.source_graph("observatory.ttl")

Answer = tuple[int, dict[str, str], bytes]


def load_observatory(store: Store, path: Path = OBSERVATORY) -> None:
    with path.open("rb") as handle:
        store.load(handle, RdfFormat.TURTLE, IRIS.source_graph(path.name))


@pytest.fixture
def observatory(tmp_path: Path) -> Iterator[Store]:
    """An embedded store holding the test observatory in its own source graph."""
    store = open_store(Settings(store=str(tmp_path / "store")))
    load_observatory(store)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(scope="session")
def wikidata_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`oxigraph serve` holding the Wikidata-shaped fixture in its default graph."""
    with oxigraph_server(tmp_path_factory.mktemp("wikidata")) as base:
        response = httpx.post(f"{base}/store?default", content=WIKIDATA_FIXTURE.read_bytes(),
                              headers={"Content-Type": "text/turtle"})
        assert response.status_code in (200, 201, 204), response.text
        yield base


@pytest.fixture(scope="session")
def wikidata_endpoint(wikidata_base: str) -> str:
    return f"{wikidata_base}/query"


class ScriptedServer:
    """A real HTTP server on loopback that first plays a script of faults, then answers.

    Faults: "429" (with Retry-After: 1), "500", "503", "malformed" (200, broken JSON),
    "timeout" (answers after `slow_seconds`), "close" (drops the connection unanswered).
    """

    def __init__(self, answer: Callable[[str, str, dict[str, str], bytes], Answer]) -> None:
        self.answer = answer
        self.script: list[str] = []
        self.requests: list[dict[str, Any]] = []
        self.slow_seconds = 3.0  # past the tests' 2 s client timeout, with room on a busy machine
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                server.requests.append({"method": self.command, "path": self.path,
                                        "headers": headers, "body": body,
                                        "time": time.monotonic()})
                fault = server.script.pop(0) if server.script else "ok"
                if fault == "close":
                    self.close_connection = True
                    return
                if fault == "timeout":
                    time.sleep(server.slow_seconds)
                if fault in ("429", "500", "503"):
                    extra = {"Retry-After": "1"} if fault == "429" else {}
                    self._send(int(fault), extra, b"try later")
                elif fault == "malformed":
                    self._send(200, {"Content-Type": "application/json"}, b'{"results": {"bin')
                else:
                    self._send(*server.answer(self.command, self.path, headers, body))

            def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            do_GET = do_POST = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> ScriptedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def proxy_to(base: str) -> Callable[[str, str, dict[str, str], bytes], Answer]:
    """Answer by forwarding the request to a real server (the Wikidata stand-in)."""

    def answer(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        forwarded = {k: v for k, v in headers.items() if k in ("content-type", "accept")}
        response = httpx.request(method, base + path, content=body, headers=forwarded)
        return response.status_code, {"Content-Type": response.headers["content-type"]}, \
            response.content

    return answer


def hal_answer(documents: list[dict[str, Any]]) -> Callable[[str, str, dict[str, str], bytes], Answer]:
    """HAL's search API on a fixture: `fq` on structId_i / structRnsrIdExt_s /
    structRorIdExt_s, `rows`, `cursorMark` paging, `response.docs` in Solr's JSON."""

    def matches(doc: dict[str, Any], fq: str) -> bool:
        for field, value in re.findall(r'(\w+):("[^"]*"|\d+)', fq):
            wanted = value.strip('"').upper()
            if wanted in {str(v).upper() for v in _as_list(doc.get(field))}:
                return True
        return False

    def answer(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
        found = [d for d in documents if matches(d, query.get("fq", ""))]
        rows = int(query.get("rows", "30"))
        cursor = query.get("cursorMark", "*")
        start = 0 if cursor == "*" else int(cursor)
        page = found[start:start + rows]
        following = str(start + len(page)) if page else cursor
        payload = {"response": {"numFound": len(found), "start": 0, "docs": page},
                   "nextCursorMark": following}
        return 200, {"Content-Type": "application/json"}, json.dumps(payload).encode()

    return answer


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def hal_documents() -> list[dict[str, Any]]:
    return json.loads(HAL_DOCUMENTS.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def triples_of(store: Store, graph: NamedNode) -> set[tuple[str, str, str]]:
    rows = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}",
                       default_graph=[])
    return {(str(r["s"]), str(r["p"]), str(r["o"])) for r in rows}
