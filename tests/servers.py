"""Real servers the tests start on free loopback ports: `oxigraph serve` and uvicorn."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
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


def remote_env(base: str) -> dict[str, str]:
    """TSR_* settings that point `tsr` at an `oxigraph serve` at `base`."""
    return {
        "TSR_STORE": "remote",
        "TSR_QUERY_URL": f"{base}/query",
        "TSR_UPDATE_URL": f"{base}/update",
        "TSR_GRAPH_STORE_URL": f"{base}/store",
    }
