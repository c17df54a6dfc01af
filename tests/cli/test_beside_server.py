"""The read-only commands work while `tsr serve` holds the store (issue 17, item 5): they
read the server's latest checkpoint and say so on stderr; writing commands are still
refused. Two real processes: the server, and the command line."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from ..servers import free_port, stop, wait_for
from .conftest import tsr_command

TOKEN = "beside-the-server"
SURVEY = "Nom;Type d'acteur;Région\nAtelier des Possibles;Association;Bretagne\n"
COUNT = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
NEW = "ASK { <http://example.org/new> ?p ?o }"
NOTE = re.compile(r"tsr: the store is held by a running server \(pid (\d+)\); reading its "
                  r"checkpoint of \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \((\d+) s old\): writes "
                  r"made since are not in it\n")


@pytest.mark.slow  # a server and a dozen commands, each a process: 30 s
def test_read_only_commands_beside_a_running_server(tmp_path: Path) -> None:
    store = tmp_path / "store"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSR_")}
    env["TSR_STORE"] = str(store)

    def tsr(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*tsr_command(), *args], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)

    survey = tmp_path / "survey.csv"
    survey.write_text(SURVEY, encoding="utf-8")
    assert tsr("ingest", str(survey), "--source", "survey").returncode == 0
    alone = {name: tsr(*args) for name, args in {
        "sources": ("sources",), "query": ("query", COUNT), "info": ("info",),
        "validate": ("validate", str(survey), "--source", "survey")}.items()}
    assert all(result.returncode == 0 for result in alone.values())

    port = free_port()
    server = subprocess.Popen(
        [*tsr_command(), "serve", "--port", str(port)],
        env={**env, "TSR_WRITE_TOKEN": TOKEN, "TSR_QUERY_WORKERS": "2",
             "TSR_ACCESS_LOG": "false"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/health", server, seconds=120)
        beside = {name: tsr(*args) for name, args in {
            "sources": ("sources",), "query": ("query", COUNT), "info": ("info",),
            "validate": ("validate", str(survey), "--source", "survey")}.items()}
        for name, result in beside.items():
            assert result.returncode == 0, (name, result.stderr)
            # the same answer as without the server, and one line saying whose it is
            assert result.stdout == alone[name].stdout, name
            note = NOTE.match(result.stderr)
            assert note is not None, result.stderr
            assert int(note[1]) == server.pid
            assert result.stderr[note.end():] == alone[name].stderr, name
        # a write through the server reaches the commands (a checkpoint follows it)
        written = httpx.put(f"{base}/store", params={"graph": "http://example.org/graph"},
                            content=b"<http://example.org/new> <http://example.org/p> \"1\" .",
                            headers={"Content-Type": "application/n-triples",
                                     "Authorization": f"Bearer {TOKEN}"}, timeout=60)
        assert written.status_code in (201, 204), written.text
        deadline = time.monotonic() + 30
        while (answer := tsr("query", NEW)).stdout != "true\n":
            assert answer.returncode == 0, answer.stderr
            assert time.monotonic() < deadline, answer.stdout
            time.sleep(0.5)
        # writing commands are still refused, in one line
        refused = tsr("ingest", str(survey), "--source", "survey")
        assert refused.returncode == 1
        assert refused.stderr.startswith(
            f"tsr: error: store {store} is already open for writing by another tsr process "
            f"(pid {server.pid}:")
        assert len(refused.stderr.splitlines()) == 1
    finally:
        stop(server)
    # the commands leave nothing behind, nor does the server
    assert not (store / "tsr-readers").exists()
    assert not (store / "tsr-served.json").exists()
