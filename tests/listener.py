"""A local HTTP listener that counts the connections made to it: the witness that the server
under test called (or did not call) an outside address."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

EMPTY_RESULTS = b'{"head": {"vars": []}, "results": {"bindings": []}}'
TURTLE = b'<urn:x:loaded> <urn:x:from> "the listener" .\n'


@dataclass
class Listener:
    base: str
    connections: int = 0
    paths: list[str] = field(default_factory=list)


class _Counting(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, witness: Listener, *args: Any) -> None:
        self.witness = witness
        super().__init__(*args)

    def get_request(self) -> tuple[socket.socket, Any]:
        accepted = super().get_request()
        self.witness.connections += 1
        return accepted


class _Answer(BaseHTTPRequestHandler):
    """SPARQL results for SERVICE calls; Turtle under /rdf, HTML elsewhere (LOAD sources)."""

    def _answer(self) -> None:
        server = self.server
        assert isinstance(server, _Counting)
        server.witness.paths.append(self.path)
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        if self.path.startswith("/rdf"):
            body, kind = TURTLE, "text/turtle"
        elif self.path.startswith("/html"):
            body, kind = b"<html><body>not RDF</body></html>", "text/html"
        else:
            body, kind = EMPTY_RESULTS, "application/sparql-results+json"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@contextmanager
def counting_listener() -> Iterator[Listener]:
    server = _Counting(Listener(""), ("127.0.0.1", 0), _Answer)
    server.witness.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.witness
    finally:
        server.shutdown()
        server.server_close()
