"""What every category shares: the server under test, the listener that counts outgoing
connections, the cases, a POST to /sparql."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.servers import free_port, wait_for

from .process_tree import tree

ROOT = Path(__file__).resolve().parents[2]
TSR = str(Path(sys.executable).with_name("tsr"))
EXAMPLE = ROOT / "examples" / "tsr-example.xlsx"
WRITE_TOKEN, READ_TOKEN = "hostile-write", "hostile-read"
QUERY_TIMEOUT = 4.0
BUDGET = 2 * 1024**3  # bytes: the memory budget asked of a query worker (or noted, if none)
SAFETY_RSS = 6 * 1024**3  # the harness restarts a server whose tree grows past this


# -- the listener that counts outgoing connections -----------------------------------------

class Listener:
    """A loopback TCP server that counts connections and answers each with an empty SPARQL
    result (so a SERVICE call that gets through succeeds, as an attacker's would)."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.port = self.socket.getsockname()[1]
        self.count = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.count += 1
            with connection:
                connection.settimeout(1)
                try:
                    connection.recv(65536)
                    body = b'{"head":{"vars":[]},"results":{"bindings":[]}}'
                    connection.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                        + body)
                except OSError:
                    pass

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"


# -- the server ----------------------------------------------------------------------------

class Server:
    def __init__(self, store: Path, env: dict[str, str]) -> None:
        self.store, self.env = store, env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.crashes = 0  # exits the harness did not cause
        self.restarts = 0  # restarts the harness had to do (a runaway it could not wait for)
        self.log = store.parent / "serve.log"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [TSR, "serve", "--store", str(self.store), "--port", str(self.port)],
                stdout=log, stderr=log, env={**os.environ, **self.env})
        wait_for(f"{self.base}/health", self.process, seconds=120)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            for pid in reversed(tree(self.process.pid)[1:]):
                _kill(pid)
            self.process.kill()
            self.process.wait()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ensure(self) -> bool:
        """Start it again if it died; True if it had died (a crash)."""
        if self.alive():
            return False
        self.crashes += 1
        self.start()
        return True

    def restart(self) -> None:
        self.restarts += 1
        self.stop()
        self.start()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def light_ok(self, seconds: float = 5.0) -> bool:
        """/sparql answers a light query with 200 within `seconds`."""
        try:
            answer = httpx.get(f"{self.base}/sparql", params={"query": "ASK { ?s ?p ?o }"},
                               timeout=seconds)
        except httpx.HTTPError:
            return False
        return answer.status_code == 200


def _kill(pid: int) -> None:
    with contextlib.suppress(OSError):
        os.kill(pid, 9)


@dataclass
class Case:
    category: str
    name: str
    ok: bool
    detail: str = ""
    figures: dict[str, Any] = field(default_factory=dict)


LAST_ANSWER: dict[str, str] = {"text": ""}  # the start of the last answer's body


def doubled_concat(times: int) -> str:
    """A query of a few hundred bytes whose one value is "ab" doubled `times` times (2 *
    2**times characters): memory and an answer's size from almost nothing."""
    binds = "".join(f" BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(times))
    return f'SELECT ?x{times} {{ BIND("ab" AS ?x0){binds} }}'


def post_sparql(server: Server, text: str, *, update: bool = False, token: str | None = None,
                timeout: float = 60) -> tuple[int | str, float]:
    """Status (or the error's name) and seconds of a POST form to /sparql."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    started = time.perf_counter()
    try:
        answer = httpx.post(f"{server.base}/sparql", data={"update" if update else "query": text},
                            headers=headers, timeout=timeout)
        status: int | str = answer.status_code
        LAST_ANSWER["text"] = " ".join(answer.text[:90].split())
    except httpx.HTTPError as error:
        status = type(error).__name__
        LAST_ANSWER["text"] = ""
    return status, time.perf_counter() - started
