"""Hostile requests against a real `tsr serve` process: no request escapes the SERVICE and
LOAD allow-lists (a listener counts every connection made to it), and no request crashes the
server through a parser's stack."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from api.sparql.calls import CHECKED_CHARS
from bench.campaign.process_tree import children
from store import Settings, open_store
from tests.listener import Listener, counting_listener
from tests.servers import free_port, stop, wait_for

from .conftest import WRITE_TOKEN, WRITER, load_test_data


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
    folder = tmp_path_factory.mktemp("hostile")
    log = folder / "server.log"
    with open_store(Settings(store=str(folder / "store"))) as store:
        load_test_data(store)
    with counting_listener() as listener, log.open("wb") as log_file:
        port = free_port()
        env = {**os.environ, "TSR_STORE": str(folder / "store"), "TSR_WRITE_TOKEN": WRITE_TOKEN,
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
            stop(process)


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


def _worst_light_latency(served: Served, heavy: Callable[[], httpx.Response]
                         ) -> tuple[float, float, httpx.Response]:
    """(worst latency of light queries sent one after another while `heavy` runs, the
    heavy request's own duration, its response)."""
    done: list[tuple[float, httpx.Response]] = []

    def run() -> None:
        started = time.monotonic()
        response = heavy()
        done.append((time.monotonic() - started, response))

    thread = threading.Thread(target=run)
    worst = 0.0
    with httpx.Client(base_url=served.base) as client:
        client.get("/sparql", params={"query": "ASK {}"})  # the connection is open
        thread.start()
        while thread.is_alive():
            started = time.monotonic()
            assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
            worst = max(worst, time.monotonic() - started)
    thread.join()
    return worst, done[0][0], done[0][1]


def test_reconciliation_does_not_stall_other_routes(served: Served) -> None:
    """Matching ran on the event loop: every route waited for the whole batch."""
    names = {f"q{i}": {"query": "Atelier des savoirs partagés de la vallée " * 7}
             for i in range(30)}
    worst, took, response = _worst_light_latency(served, lambda: httpx.post(
        f"{served.base}/reconcile", data={"queries": json.dumps(names)}, timeout=120))
    assert response.status_code == 200, response.text
    assert worst < min(1.0, took / 2), (worst, took)


def test_reconciliation_bounds_the_name_and_the_batch(served: Served) -> None:
    one = httpx.post(f"{served.base}/reconcile", timeout=30, data={
        "queries": json.dumps({"q0": {"query": "x" * 50_000}})})
    assert one.status_code == 400
    assert one.json()["detail"] == ("query q0: the name is 50,000 characters long; names of "
                                    "at most 300 are matched")
    many = httpx.post(f"{served.base}/reconcile", timeout=30, data={
        "queries": json.dumps({f"q{i}": {"query": "y" * 300} for i in range(40)})})
    assert many.status_code == 400
    assert many.json()["detail"] == ("the batch's names hold 12,000 characters; at most "
                                     "10,000 per request: send smaller batches")


def test_a_large_query_body_does_not_stall_other_requests(served: Served) -> None:
    """A 1 MB form was split and lexed on the event loop (about a second)."""
    items = " ".join(f"<http://example.org/item/{i}>" for i in range(30_000))
    query = f"SELECT * {{ VALUES ?x {{ {items} }} }} LIMIT 1"
    assert len(query) > 900_000
    worst, took, response = _worst_light_latency(served, lambda: httpx.post(
        f"{served.base}/sparql", data={"query": query}, timeout=120))
    assert response.status_code == 200, response.text
    assert worst < min(0.5, took / 2), (worst, took)


def test_a_large_text_that_mentions_service_is_parsed_in_a_worker(served: Served) -> None:
    """A 0.9 MB VALUES query that says "download" in a comment: its parse (about 2 s of
    pyparsing) runs in a parse worker, not in the server, and the query is answered (while
    the parse ran in the server, any text over 8,192 characters that held the word was
    refused); a text over CHECKED_CHARS is refused without a parse."""
    items = " ".join(f"<http://example.org/item/{i}>" for i in range(30_000))
    query = f"SELECT (COUNT(*) AS ?n) {{ VALUES ?x {{ {items} }} }} # download"
    server = served.process.pid
    assert served.query("ASK {} # service").status_code == 200  # the parse workers start
    before = _cpu_seconds(server)
    response = served.query(query)
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"][0]["n"]["value"] == "30000"
    assert _cpu_seconds(server) - before < 1.0  # the parse alone took 2 s of a core
    longer = query + " " * CHECKED_CHARS
    started = time.monotonic()
    response = served.query(longer)
    assert response.status_code == 400
    assert response.text.strip() == (
        f"this query mentions SERVICE or LOAD and holds {len(longer):,} characters: their "
        f"calls are checked in texts of at most {CHECKED_CHARS:,}; send a shorter query (the "
        "words service and load, even in a comment, count)")
    assert time.monotonic() - started < 2.0
    update = f"INSERT {{ <urn:a> <urn:b> <urn:c> }} WHERE {{ VALUES ?x {{ {items} }} }} #LOAD"
    response = served.update(update + " " * CHECKED_CHARS)
    assert response.status_code == 400
    assert response.text.strip().startswith("this update mentions SERVICE or LOAD and holds")
    served.still_serving()


@pytest.mark.slow
def test_a_dense_query_that_mentions_service_is_parsed_outside_the_server(
        served: Served) -> None:
    """The SERVICE/LOAD check parsed in a thread of the server, outside the query deadline:
    this 8 KB IN list with `# service` took 4.6-5.7 s of the server process's CPU (pyparsing
    holds the interpreter lock: four at once held a point lookup 0.8 s). A worker process
    parses it now."""
    dense = "ASK { FILTER(1 IN (1" + ",1" * 4078 + ")) } # service"
    server = served.process.pid
    assert served.query("ASK {} # service").status_code == 200  # the parse workers start
    started = children(server)
    before = {pid: _cpu_seconds(pid) for pid in [server, *started]}
    response = served.query(dense)
    assert response.status_code == 200, response.text
    assert response.json()["boolean"] is True
    grown = {pid: _cpu_seconds(pid) - before.get(pid, 0.0)
             for pid in [server, *children(server)]}
    assert grown.pop(server) < 0.5, grown
    assert max(grown.values()) > 1.0, grown  # the parse: a worker's
    served.still_serving()



def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _leave_mid_body(base: str, path: str, content_type: str) -> None:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall((f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n"
                      f"Content-Length: 10000\r\n\r\n").encode() + b"SELECT * WHERE { " * 8)


@pytest.mark.parametrize(("path", "content_type"), [
    ("/sparql", "application/sparql-query"),
    ("/reconcile", "application/x-www-form-urlencoded"),
    ("/store?graph=urn:x:g", "text/turtle"),
])
def test_clients_leaving_mid_body_leave_one_line_each(served: Served, path: str,
                                                      content_type: str) -> None:
    clients = 200
    served.still_serving()
    time.sleep(0.2)
    before = served.log.read_text().splitlines()
    for _ in range(clients):
        _leave_mid_body(served.base, path, content_type)
    served.still_serving()
    time.sleep(0.5)  # the server notices the last disconnections
    written = served.log.read_text().splitlines()[len(before):]
    assert not [line for line in written if "Traceback" in line]
    assert len(written) <= clients + 2, "\n".join(written[:40])


@pytest.mark.parametrize(("update", "message"), [
    ("DROP GRAPH <urn:x:missing>", "The graph <urn:x:missing> does not exist"),
    ("CLEAR GRAPH <urn:x:missing>", "The graph <urn:x:missing> does not exist"),
    ("LOAD <{base}/html/page>", "The content media type text/html is not supported"),
])
def test_updates_the_store_refuses_are_400_with_one_line(served: Served, update: str,
                                                           message: str) -> None:
    before = len(served.log.read_text().splitlines())
    response = served.update(update.format(base=served.listener.base))
    assert response.status_code == 400
    assert response.text.strip() == f"the update was not applied: {message}"
    assert "Traceback" not in "\n".join(served.log.read_text().splitlines()[before:])


def test_graph_store_names_a_missing_graph_with_404(served: Served) -> None:
    for method in ("GET", "DELETE"):
        response = httpx.request(method, f"{served.base}/store",
                                 params={"graph": "urn:x:missing"}, headers=WRITER)
        assert response.status_code == 404
        assert response.text.strip() == "no graph <urn:x:missing> in the store"


# Real processes (servers, the CLI, a browser) or stores loaded for the module: out of the
# edit-test loop, `pytest -m "not slow"`; CI runs every test
pytestmark = pytest.mark.slow
