"""A server that evaluates queries in its own process (the in-memory store) refuses flat
chains the engine cannot get through: a long property path, many triple patterns, many
OPTIONALs (issue 14: each held a core for minutes or crashed the process). Updates run in
the server's process on every store, so they are checked too. A real `tsr serve`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import free_port, stop, wait_for

from .conftest import WRITE_TOKEN, WRITER

PATH = "SELECT * { ?s " + "/".join(["<urn:p>"] * 1000) + " ?o }"
PATTERNS = "SELECT * { " + " ".join(f"?s{i} <urn:p> ?s{i + 1} ." for i in range(1000)) + " }"
OPTIONALS = "SELECT * { ?s ?p ?o " + " ".join(
    f"OPTIONAL {{ ?s <urn:p> ?o{i} }}" for i in range(3000)) + " }"
BINDS = "SELECT * { " + " ".join(f"BIND({i} AS ?b{i})" for i in range(3000)) + " }"
# 50,000 operators: each chain crashed the engine's parser (the limit is 256)
AND_CHAIN = " && ".join(["true"] * 50_000)
OR_CHAIN = " || ".join(["true"] * 50_000)
PLUS_CHAIN = " + ".join(["1"] * 50_000)
SIGNED_CHAIN = "1" + " -1" * 50_000  # `1 -1 -1` is a sum too
CHAIN_TOO_LONG = "expression operators (&& || ! = < > + - *), the limit is 256"
UPDATE = ("INSERT { GRAPH <urn:g> { ?s <urn:q> 1 } } WHERE { " + " ".join(
    f"OPTIONAL {{ ?s <urn:p> ?o{i} }}" for i in range(3000)) + " }")


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "TSR_STORE": "memory", "TSR_WRITE_TOKEN": WRITE_TOKEN,
           "TSR_ACCESS_LOG": "false", "TSR_QUERY_TIMEOUT": "5"}
    tsr = str(Path(sys.executable).with_name("tsr"))
    process = subprocess.Popen([tsr, "serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/health", process, seconds=120)
        yield url
    finally:
        stop(process)


@pytest.mark.parametrize(("text", "what"), [
    (PATH, "999 property path operators (/ | ^), the limit is 64"),
    (PATTERNS, "1000 pattern ends (. ; ,), the limit is 128"),
    (OPTIONALS, "3000 OPTIONAL, MINUS or EXISTS groups, the limit is 32"),
    (BINDS, "3002 groups and other clauses, the limit is 256"),
], ids=["path", "patterns", "optionals", "binds"])
def test_a_flat_chain_is_refused_before_the_engine_sees_it(base: str, text: str,
                                                           what: str) -> None:
    answer = httpx.post(f"{base}/sparql", data={"query": text}, timeout=60)
    assert answer.status_code == 400
    assert answer.text.strip() == (
        f"query too long for this server to evaluate in its own process: {what}; split it "
        "into smaller queries")
    still = httpx.post(f"{base}/sparql", data={"query": "ASK { }"}, timeout=10)
    assert still.status_code == 200 and still.json()["boolean"] is True


@pytest.mark.parametrize(("chain", "count"), [
    (AND_CHAIN, 49_999), (OR_CHAIN, 49_999), (PLUS_CHAIN, 49_999), (SIGNED_CHAIN, 50_000),
], ids=["and", "or", "plus", "signed"])
def test_a_chain_of_operators_is_refused_before_a_parser_sees_it(base: str, chain: str,
                                                                 count: int) -> None:
    answer = httpx.post(f"{base}/sparql", data={"query": f"ASK {{ FILTER({chain}) }}"},
                        timeout=60)
    _refused_and_still_serving(base, answer, "query", count)


@pytest.mark.parametrize("chain", [AND_CHAIN, OR_CHAIN, PLUS_CHAIN], ids=["and", "or", "plus"])
def test_an_update_with_a_chain_of_operators_is_refused(base: str, chain: str) -> None:
    update = f"INSERT {{ <urn:a> <urn:b> <urn:c> }} WHERE {{ FILTER({chain}) }}"
    answer = httpx.post(f"{base}/sparql", content=update.encode(), timeout=60,
                        headers={"Content-Type": "application/sparql-update", **WRITER})
    _refused_and_still_serving(base, answer, "update", 49_999)


def _refused_and_still_serving(base: str, answer: httpx.Response, what: str, count: int) -> None:
    """The chain's one-line 400, and the server answering the next query."""
    assert answer.status_code == 400
    assert answer.text.strip() == (
        f"{what} too long for this server to evaluate in its own process: {count} "
        f"{CHAIN_TOO_LONG}; split it into smaller queries")
    still = httpx.post(f"{base}/sparql", data={"query": "ASK { }"}, timeout=10)
    assert still.status_code == 200 and still.json()["boolean"] is True


@pytest.mark.parametrize("item", ["1", '"a"@en', '"1"^^<urn:t>', "true", "[]", "(1)"])
def test_a_long_collection_is_refused(base: str, item: str) -> None:
    # 10,000 items crashed the process; 200 took 3 s
    text = "ASK { <urn:a> <urn:p> (" + f" {item}" * 10_000 + " ) }"
    answer = httpx.post(f"{base}/sparql", data={"query": text}, timeout=60)
    assert answer.status_code == 400
    assert answer.text.strip() == (
        "query too long for this server to evaluate in its own process: 9999 collection "
        "items, the limit is 64; split it into smaller queries")
    update = "DELETE { ?s ?p ?o } WHERE { ?s <urn:p> (" + " 1" * 10_000 + " ) }"
    answer = httpx.post(f"{base}/sparql", content=update.encode(), timeout=60,
                        headers={"Content-Type": "application/sparql-update", **WRITER})
    assert answer.status_code == 400
    assert "9999 collection items, the limit is 64" in answer.text
    still = httpx.post(f"{base}/sparql", data={"query": "ASK { <urn:a> <urn:p> (1 2 3) }"},
                       timeout=10)
    assert still.status_code == 200 and still.json()["boolean"] is False


def test_operators_in_terms_comments_and_data_blocks_are_not_counted(base: str) -> None:
    # 2,000 rows of negative decimals and typed literals, IRIs holding - and /,
    # strings and comments full of operators: none of them is an expression operator
    rows = " ".join(f'(-{i}.5 "{i}"^^<http://www.w3.org/2001/XMLSchema#integer>)'
                    for i in range(2000))
    text = ("PREFIX ex: <http://example.org/a-b/c-d#> "
            "SELECT ?n ?t { VALUES (?n ?t) { " + rows + " } "
            'FILTER(?n < -1 && ?t != "a && b || c + d - e" && ?n != ex:x-y) } '
            "# " + " && ".join(["1"] * 300) + "\n"
            "ORDER BY ?n LIMIT 1")
    answer = httpx.post(f"{base}/sparql", data={"query": text}, timeout=60,
                        headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"]["bindings"][0]["n"]["value"] == "-1999.5"
    data = " ".join(f'<urn:x-{i}> <urn:p/q> -{i}.25, "{i}"^^<urn:t> .' for i in range(2000))
    answer = httpx.post(f"{base}/sparql", content=f"INSERT DATA {{ {data} }}".encode(),
                        timeout=60, headers={"Content-Type": "application/sparql-update",
                                             **WRITER})
    assert answer.status_code == 204, answer.text


def test_an_update_is_checked_too(base: str) -> None:
    answer = httpx.post(f"{base}/sparql", content=UPDATE.encode(), timeout=60,
                        headers={"Content-Type": "application/sparql-update", **WRITER})
    assert answer.status_code == 400
    assert "3000 OPTIONAL, MINUS or EXISTS groups, the limit is 32" in answer.text


def test_queries_of_ordinary_size_still_run(base: str) -> None:
    text = "SELECT * { ?s ?p ?o " + " ".join(
        f"OPTIONAL {{ ?s <urn:p> ?o{i} }}" for i in range(10)) + " }"
    answer = httpx.post(f"{base}/sparql", data={"query": text}, timeout=60)
    assert answer.status_code == 200, answer.text


# Real processes (servers, the CLI, a browser) or stores loaded for the module: out of the
# edit-test loop, `pytest -m "not slow"`; CI runs every test
pytestmark = pytest.mark.slow
