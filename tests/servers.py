"""Real servers the tests start on free loopback ports: `tsr serve`, `oxigraph serve`,
Virtuoso."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"no answer from {url} after {seconds} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ask a server to stop, and kill it if it has not within 20 s."""
    process.terminate()
    try:
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


TSR = str(Path(sys.executable).with_name("tsr"))


@dataclass(frozen=True)
class ServedApp:
    """A running `tsr serve`: its base URL and its process."""
    base: str
    process: subprocess.Popen[bytes]


@contextmanager
def served_app(store: Path | str, settings: Mapping[str, str] | None = None, *,
               log: IO[bytes] | None = None, seconds: float = 90) -> Iterator[ServedApp]:
    """`tsr serve --store STORE` on a free loopback port, with the `TSR_*` variables
    `settings` (and no other: the test process's own are left out, so the server reads only
    what the test says); yields once `/health` answers, stops the server after. `log`: where
    its stderr goes (else nowhere)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSR_")}
    env.update(settings or {})
    process = subprocess.Popen([TSR, "serve", "--store", str(store), "--port", str(port)],
                               env=env, stdout=subprocess.DEVNULL,
                               stderr=log if log is not None else subprocess.DEVNULL)
    served = ServedApp(f"http://127.0.0.1:{port}", process)
    try:
        wait_for(f"{served.base}/health", process, seconds)
        yield served
    finally:
        stop(process)


def oxigraph_binary() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(found).exists():
        raise RuntimeError("the `oxigraph` server binary is missing: pip install '.[test]'")
    return found


@contextmanager
def oxigraph_server(location: Path | None = None) -> Iterator[str]:
    """Start `oxigraph serve`; yields its base URL (`/query`, `/update`, `/store` below it)."""
    port = free_port()
    command = [oxigraph_binary(), "serve", "--bind", f"127.0.0.1:{port}"]
    if location is not None:
        command += ["--location", str(location)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/query?query=ASK%7B%7D", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _store_env(query_url: str, update_url: str, graph_store_url: str) -> dict[str, str]:
    """TSR_* settings that point `tsr` at a SPARQL store over HTTP."""
    return {"TSR_STORE": "remote", "TSR_QUERY_URL": query_url, "TSR_UPDATE_URL": update_url,
            "TSR_GRAPH_STORE_URL": graph_store_url}


def remote_env(base: str) -> dict[str, str]:
    """TSR_* settings that point `tsr` at an `oxigraph serve` at `base`."""
    return _store_env(f"{base}/query", f"{base}/update", f"{base}/store")


# -- Virtuoso (Debian's virtuoso-opensource, installed by .ci/run) ----------------------------

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping = 0

[Parameters]
; both listeners on the loopback only: the observatory's API is the public face
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 60
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty_buffers}
DirsAllowed = ., {dir}
ThreadsPerQuery = 2
MaxQueryMem = 1G

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = 10
ServerThreads = 10
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = {max_seconds}
; the cost estimate misfires on some queries ("estimated 0 s exceeds 400 s"): no estimate
MaxQueryCostEstimationTime = 0
"""

# SPARQL Update and the Graph Store endpoint for the anonymous SPARQL account (the server
# listens on the loopback only; see the README, "Running on Virtuoso")
VIRTUOSO_SETUP_SQL = (
    'GRANT SPARQL_UPDATE TO "SPARQL"; '
    'GRANT EXECUTE ON DB.DBA.SPARQL_INSERT_DICT_CONTENT TO "SPARQL"; '
    "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);"
)


def virtuoso_binaries() -> tuple[str, str]:
    server, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if server is None or isql is None:
        raise RuntimeError("Virtuoso is missing: apt-get install virtuoso-opensource")
    return server, isql


@contextmanager
def virtuoso_server(location: Path, *, max_rows: int = 1_000_000, buffers: int = 20_000,
                    max_seconds: int = 120) -> Iterator[str]:
    """Start a fresh Virtuoso in `location`; yields its base URL (`/sparql`,
    `/sparql-graph-crud` below it). `buffers`: 8 KiB pages of cache; `max_seconds`: the
    longest a query may run in the engine."""
    server, isql = virtuoso_binaries()
    location.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    ini = location / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(dir=location, sql_port=sql_port, http_port=http_port,
                                       max_rows=max_rows, buffers=buffers,
                                       max_seconds=max_seconds,
                                       dirty_buffers=buffers * 3 // 4), encoding="utf-8")
    process = subprocess.Popen([server, "-f", "+configfile", str(ini)], cwd=location,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{http_port}"
    try:
        wait_for(f"{base}/sparql?query=ASK%7B%7D", process, seconds=120)
        setup = subprocess.run([isql, f"127.0.0.1:{sql_port}", "dba", "dba",
                                f"exec={VIRTUOSO_SETUP_SQL}"],
                               capture_output=True, text=True, timeout=60)
        if setup.returncode != 0 or "Error" in setup.stdout + setup.stderr:
            raise RuntimeError(f"Virtuoso set-up failed: {setup.stdout} {setup.stderr}")
        yield base
    finally:
        stop(process)


def virtuoso_env(base: str) -> dict[str, str]:
    """TSR_* settings that point `tsr` at a Virtuoso at `base`."""
    return _store_env(f"{base}/sparql", f"{base}/sparql", f"{base}/sparql-graph-crud")
