"""Hostile requests against a real `tsr serve` process: no request escapes the SERVICE and
LOAD allow-lists (a listener counts every connection made to it), and no request crashes the
server through a parser's stack."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.listener import Listener, counting_listener
from tests.servers import free_port, wait_for

from .conftest import WRITE_TOKEN, WRITER


@dataclass
class Served:
    base: str
    listener: Listener
    log: Path
    process: subprocess.Popen[bytes]

    def query(self, text: str) -> httpx.Response:
        return httpx.post(f"{self.base}/sparql", content=text.encode(), timeout=60,
                          headers={"Content-Type": "application/sparql-query"})

    def update(self, text: str) -> httpx.Response:
        return httpx.post(f"{self.base}/sparql", content=text.encode(), timeout=60,
                          headers={"Content-Type": "application/sparql-update", **WRITER})

    def still_serving(self) -> None:
        assert self.process.poll() is None, self.log.read_text()
        answer = self.query("ASK { }")
        assert answer.status_code == 200 and answer.json()["boolean"] is True


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    log = tmp_path_factory.mktemp("hostile") / "server.log"
    with counting_listener() as listener, log.open("wb") as log_file:
        port = free_port()
        env = {**os.environ, "TSR_STORE": "memory", "TSR_WRITE_TOKEN": WRITE_TOKEN,
               "TSR_SERVICE_ALLOWLIST": f"{listener.base}/allowed",
               "TSR_LOAD_ALLOWLIST": f"{listener.base}/rdf/data.ttl,{listener.base}/html/page"}
        tsr = str(Path(sys.executable).with_name("tsr"))
        process = subprocess.Popen([tsr, "serve", "--port", str(port)],
                                   stdout=subprocess.DEVNULL, stderr=log_file, env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(f"{base}/health", process)
            yield Served(base, listener, log, process)
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()


def _hidden_services(target: str) -> dict[str, tuple[str, bool]]:
    """Ways to write a SERVICE call to `target`: (text, is it an update)."""
    host = target.removeprefix("http://")
    escaped = "".join(f"\\u{ord(char):04X}" for char in host)
    return {
        "comment ended by CR": (f"SELECT * {{ #x\rSERVICE <{target}> {{ ?s ?p ?o }} }}", False),
        "comment ended by CRLF": (f"SELECT * {{ #x\r\nSERVICE <{target}> {{ ?s ?p ?o }} }}", False),
        "escape and quote in an IRI": (
            f"SELECT * {{ ?s ?p <urn:x:\\u0041'> . SERVICE <{target}> {{ ?s ?p ?o }} }} # '",
            False),
        "escaped host": (f"SELECT * {{ SERVICE <http://{escaped}> {{ ?s ?p ?o }} }}", False),
        "escaped quote in a string": (
            f'SELECT * {{ BIND("\\u0022" AS ?a) SERVICE <{target}> {{ ?s ?p ?o }} '
            f'BIND("\\u0022" AS ?b) }}', False),
        "case and whitespace": (f"select * {{ sErViCe\t\r\n<{target}>{{?s ?p ?o}} }}", False),
        "SILENT": (f"SELECT * {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}", False),
        "prefixed name": (f"PREFIX t: <{target.rsplit('/', 1)[0]}/> "
                          f"SELECT * {{ SERVICE t:{target.rsplit('/', 1)[1]} {{ ?s ?p ?o }} }}",
                          False),
        "relative to BASE": (f"BASE <{target}/x/> SELECT * {{ SERVICE <../> {{ ?s ?p ?o }} }}",
                             False),
        "subquery": (f"SELECT * {{ {{ SELECT ?s {{ #\rSERVICE <{target}> {{ ?s ?p ?o }} }} }} }}",
                     False),
        "nested in an allowed call": (
            f"SELECT * {{ SERVICE <{target.rsplit('/', 1)[0]}/allowed> {{ "
            f"SERVICE <{target}> {{ ?s ?p ?o }} }} }}", False),
        "update": (f"INSERT {{ ?s ?p ?o }} WHERE {{ #\rSERVICE <{target}> {{ ?s ?p ?o }} }}",
                   True),
        "LOAD": (f"LOAD <{target}>", True),
        "LOAD behind a CR comment": (f"INSERT DATA {{ <urn:a> <urn:b> 1 }} ; #\rLOAD <{target}>",
                                     True),
        "LOAD with an escaped IRI": (f"LOAD <http://{escaped}>", True),
    }


CASES = list(_hidden_services("http://127.0.0.1:1/evil"))


@pytest.mark.parametrize("case", CASES)
def test_no_form_of_service_or_load_reaches_an_unlisted_host(served: Served, case: str) -> None:
    text, is_update = _hidden_services(f"{served.listener.base}/evil")[case]
    before = served.listener.connections
    response = served.update(text) if is_update else served.query(text)
    assert response.status_code == 400, response.text
    assert "\n" not in response.text.strip()
    assert served.listener.connections == before, f"{case}: the server called out"


def test_listed_service_and_load_are_called(served: Served) -> None:
    """The witness counts: a listed SERVICE and a listed LOAD do connect."""
    before = served.listener.connections
    response = served.query(f"SELECT * {{ SERVICE <{served.listener.base}/allowed> {{ ?s ?p ?o }} }}")
    assert response.status_code == 200, response.text
    assert served.update(f"LOAD <{served.listener.base}/rdf/data.ttl> INTO GRAPH <urn:x:g>"
                         ).status_code == 204
    assert served.listener.connections == before + 2
    found = served.query("SELECT ?o { GRAPH <urn:x:g> { <urn:x:loaded> ?p ?o } }").json()
    assert [row["o"]["value"] for row in found["results"]["bindings"]] == ["the listener"]


def test_load_is_refused_with_a_clear_line_when_nothing_is_listed() -> None:
    from api.sparql.calls import network_calls, unlisted_call

    calls = network_calls("LOAD <http://example.org/data.ttl>", update=True)
    assert unlisted_call(calls, [], []) == (
        "LOAD <http://example.org/data.ttl> refused: this server loads nothing from the "
        "network (setting load_allowlist is empty); no request was made")


DEEP = 6000
NESTED = {
    "parentheses": "ASK { FILTER(" + "(" * DEEP + "1" + ")" * DEEP + ") }",
    "groups": "ASK " + "{" * DEEP + "}" * DEEP,
    "OPTIONAL": "ASK { " + "OPTIONAL { ?s ?p ?o " * DEEP + "}" * DEEP + " }",
    "collections": "ASK { " + "(" * DEEP + "1" + ")" * DEEP + " <urn:p> ?o }",
    "blank nodes": "ASK { " + "[ <urn:p> " * DEEP + "1" + " ]" * DEEP + " }",
    "behind a less-than": "ASK { FILTER(?a<" + "(" * DEEP + "1>" + ")" * DEEP + ") }",
    "behind an escaped hash": ("PREFIX e: <urn:e:> ASK { FILTER(e:f\\#" + "(" * DEEP + "1"
                               + ")" * DEEP + ") }"),
}


@pytest.mark.parametrize("form", NESTED)
def test_deep_nesting_is_refused_and_the_server_survives(served: Served, form: str) -> None:
    response = served.query(NESTED[form])
    assert response.status_code == 400
    assert response.text.strip().startswith("query nested more than 200 levels deep at line 1")
    served.still_serving()


def test_deep_update_is_refused_and_the_server_survives(served: Served) -> None:
    response = served.update("INSERT DATA { <urn:a> <urn:b> " + "(" * DEEP + ")" * DEEP + " }")
    assert response.status_code == 400
    assert response.text.strip().startswith("update nested more than 200 levels deep")
    served.still_serving()
