"""The README's main command: `tsr quickstart` ingests the example workbook and serves it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest

from ..servers import free_port, wait_for
from .conftest import tsr_command

ACTORS = ("SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE "
          "{ ?a a <https://w3id.org/tsr-observatory/ontology#Actor> }")


def test_quickstart_ingests_the_example_and_serves_it(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSR_")}
    server = subprocess.Popen([*tsr_command(), "quickstart", "--port", str(port)], cwd=tmp_path,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(f"http://127.0.0.1:{port}/health", server, seconds=120)
        answer = httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": ACTORS},
                           headers={"Accept": "application/sparql-results+json"}, timeout=30)
    finally:
        server.terminate()
        server.wait(timeout=30)
        assert server.stderr is not None
        log = server.stderr.read()
        server.stderr.close()
    assert answer.status_code == 200, answer.text
    actors = int(answer.json()["results"]["bindings"][0]["n"]["value"])
    assert actors >= 50
    assert "example workbook ingested: " in log
    assert f"at http://127.0.0.1:{port}/" in log
    assert (tmp_path / "data" / "store").is_dir()


def test_quickstart_no_serve_prints_info(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSR_")}
    result = subprocess.run([*tsr_command(), "quickstart", "--no-serve", "--store", "memory"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "graph/source/tsr-example" in result.stdout
    assert "graph/model" in result.stdout


# Real processes (servers, the CLI, a browser) or stores loaded for the module: out of the
# edit-test loop, `pytest -m "not slow"`; CI runs every test
pytestmark = pytest.mark.slow
