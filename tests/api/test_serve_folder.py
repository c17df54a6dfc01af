"""`tsr serve` answers queries whatever folder it was started from: its query workers must
not import the project's packages from the working directory. Started from a folder that
holds a `store/` (here the store itself) and an `api/` folder, every /sparql query once
answered 500 "cannot import name 'Store' from 'store' (unknown location)". A real server."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest

from store import Settings, open_store
from tests.servers import TSR, free_port, stop, wait_for

# more than one pattern: not a single index scan, which the server answers itself
QUERY = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o . ?s ?q ?r }"


def test_queries_run_when_the_server_starts_in_a_folder_holding_store_and_api(
        tmp_path: Path) -> None:
    location = tmp_path / "store"
    with open_store(Settings(store=str(location))) as store:
        store.update("INSERT DATA { <urn:a> <urn:p> <urn:b> }")
    (tmp_path / "api").mkdir()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSR_")}
    env.update(TSR_ACCESS_LOG="false", TSR_QUERY_WORKERS="1")
    process = subprocess.Popen([TSR, "serve", "--store", str(location), "--port", str(port)],
                               cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/health", process)
        answer = httpx.post(f"{url}/sparql", data={"query": QUERY}, timeout=60,
                            headers={"Accept": "application/sparql-results+json"})
        assert answer.status_code == 200, answer.text
        # the triple is in the default graph, which anonymous readers do not see
        assert answer.json()["results"]["bindings"][0]["n"]["value"] == "0"
    finally:
        stop(process)


# Real processes (servers, the CLI, a browser) or stores loaded for the module: out of the
# edit-test loop, `pytest -m "not slow"`; CI runs every test
pytestmark = pytest.mark.slow
