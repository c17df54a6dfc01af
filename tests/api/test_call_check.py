"""The parse behind the SERVICE / LOAD check runs in worker processes (api/sparql/call_check.py):
the same answers as `network_calls`, and a parse past its deadline is killed with its worker."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from api.sparql.call_check import ParseStopped, checked_calls
from api.sparql.calls import CHECKED_CHARS, NetworkCalls, UncheckedCall, network_calls
from bench.campaign.process_tree import children

ROOT = Path(__file__).resolve().parents[2]
FEDERATED = (ROOT / "queries" / "federated-wikidata-coordinates.rq").read_text(encoding="utf-8")
# about 5 s of pyparsing on this machine, idle
DENSE = "ASK { FILTER(1 IN (1" + ",1" * 4078 + ")) } # service"
BUDGET = 2 * 1024**3

# real worker processes (the parse pool): out of the edit-test loop, `pytest -m "not slow"`
pytestmark = pytest.mark.slow


def _checked(text: str, update: bool = False, timeout: float = 30) -> NetworkCalls:
    return checked_calls(text, update, client="test", timeout=timeout, memory_bytes=BUDGET)


def _parse_workers() -> set[int]:
    """This process's children that parse (their command line names the grammar's preload)."""
    found = set()
    for child in children(os.getpid()):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"load_grammar" in command:
            found.add(child)
    return found


@pytest.mark.parametrize(("text", "update"), [
    (FEDERATED, False),
    ("PREFIX w: <https://query.wikidata.org/> SELECT * { #x\rSERVICE w:sparql {} }", False),
    ("SELECT * { SERVICE ?where { ?s ?p ?o } }", False),
    ("INSERT DATA { <urn:a> <urn:b> 1 } ; #\rLOAD <http://example.org/x.ttl>", True),
    ("SELECT * { ?s ?p ?o }", False),  # no parse
    ("SELECT * { SERVICE <http:\\u0020x> {} }", False),  # an escape refused
    ("SELECT * { SERVICE <http://x> { ", False),  # malformed
    ("SELECT * {} # service " + "x" * CHECKED_CHARS, False),  # too long to parse
])
def test_the_worker_answers_as_the_parse_in_this_process(text: str, update: bool) -> None:
    try:
        expected: NetworkCalls | str = network_calls(text, update)
    except UncheckedCall as error:
        expected = str(error)
    try:
        got: NetworkCalls | str = _checked(text, update)
    except UncheckedCall as error:
        got = str(error)
    assert got == expected


def test_a_parse_past_its_deadline_is_killed_and_the_next_one_runs() -> None:
    assert _checked(FEDERATED).services == ["https://query.wikidata.org/sparql"]
    before = _parse_workers()
    assert before
    started = time.monotonic()
    with pytest.raises(ParseStopped) as stopped:
        _checked(DENSE, timeout=1.0)
    assert time.monotonic() - started < 2.0
    assert str(stopped.value) == (
        "checking this query's SERVICE and LOAD calls (a parse of its text) took more than "
        "1 s, the server's query timeout, and was stopped; write the query with fewer "
        "expressions, or try again later")
    assert before - _parse_workers(), "no parse worker was killed"
    assert _checked(FEDERATED).services == ["https://query.wikidata.org/sparql"]


def test_parses_beyond_the_workers_and_their_queue_are_refused_at_once() -> None:
    """Two workers, one parse per client at once, eight waiting: the rest are refused."""
    with ThreadPoolExecutor(12) as threads:
        outcomes = list(threads.map(lambda _: _outcome(DENSE, timeout=2.0), range(12)))
    busy = ("too many requests wait for their SERVICE and LOAD calls to be checked (at most "
            "2 at once); try again in a few seconds")
    assert outcomes.count(busy) >= 3, outcomes  # 12 - 1 running - 8 waiting
    assert set(outcomes) <= {busy, (
        "checking this query's SERVICE and LOAD calls (a parse of its text) took more than "
        "2 s, the server's query timeout, and was stopped; write the query with fewer "
        "expressions, or try again later")}, outcomes
    assert _checked(FEDERATED).services == ["https://query.wikidata.org/sparql"]


def _outcome(text: str, timeout: float) -> str:
    try:
        _checked(text, timeout=timeout)
    except ParseStopped as error:
        return str(error)
    return "parsed"
