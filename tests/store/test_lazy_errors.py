"""Errors the engine meets while an in-process query's results are read (not at the
`query()` call) come out as the store's kinds, as at the call and from a query worker: the
curated routes, the entity documents and the CLI read results themselves, and met as
pyoxigraph raises them (RuntimeError, OSError) they were 500s with tracebacks.

No shipped query raises so (their one SERVICE is SILENT): these are real queries that
pyoxigraph refuses only as it reads their results."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import NamedNode, QueryResultsFormat, Triple

from store import Settings, Store, open_store
from store.base import QueryIOError, QueryRefused, StoreError

A, B, C = (NamedNode(f"http://example.org/{name}") for name in "abc")
# pyoxigraph starts these and fails as it reads them
UNBOUND_SERVICE = "SELECT * { VALUES ?x { 1 } SERVICE ?x { ?s ?p ?o } }"
UNBOUND_MESSAGE = "The variable encoding the service name is unbound"
NO_SCHEME = "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <urn:x> { ?s ?p ?o } }"
NO_SCHEME_MESSAGE = "A URI scheme must be set, found urn:x"


@pytest.fixture(params=["memory", "disk"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An embedded store, queries run in this process (no query workers: a CLI's, or the
    in-memory store of a server), with one statement."""
    location = "memory" if request.param == "memory" else str(tmp_path / "store")
    with open_store(Settings(store=location)) as opened:
        opened.add([Triple(A, B, C)], NamedNode("urn:x:g"))
        yield opened


def test_a_refusal_met_reading_solutions_is_query_refused(store: Store) -> None:
    results = store.query(UNBOUND_SERVICE)  # no error yet
    with pytest.raises(QueryRefused) as raised:
        list(results)
    assert str(raised.value) == UNBOUND_MESSAGE
    assert not isinstance(raised.value, RuntimeError)
    with pytest.raises(QueryRefused, match=UNBOUND_MESSAGE):
        next(store.query(UNBOUND_SERVICE))
    # written by pyoxigraph's serialiser (/sparql, a named query, `tsr query --format`)
    with pytest.raises(QueryRefused, match=UNBOUND_MESSAGE):
        store.query(UNBOUND_SERVICE).serialize(format=QueryResultsFormat.JSON)


def test_an_io_error_met_reading_triples_is_a_store_error(store: Store) -> None:
    with pytest.raises(QueryIOError) as raised:
        list(store.query(NO_SCHEME))
    assert str(raised.value) == NO_SCHEME_MESSAGE
    # the API's table: 500 (502 for a query that calls SERVICE); an OSError still
    assert isinstance(raised.value, StoreError) and isinstance(raised.value, OSError)


def test_results_still_read_as_pyoxigraph_gives_them(store: Store) -> None:
    solutions = store.query("SELECT ?s ?o { ?s ?p ?o }")
    assert [variable.value for variable in solutions.variables] == ["s", "o"]
    assert [(row["s"], row["o"]) for row in solutions] == [(A, C)]
    assert list(store.query("CONSTRUCT WHERE { ?s ?p ?o }")) == [Triple(A, B, C)]
    assert bool(store.query("ASK { ?s ?p ?o }"))
    assert b'"value":"http://example.org/a"' in store.query(
        "SELECT ?s { ?s ?p ?o }").serialize(format=QueryResultsFormat.JSON)


def test_a_failed_read_frees_the_results_on_their_thread(store: Store) -> None:
    """The error's frames hold the results: they reach another thread (a request's error
    reaches the event loop), where pyoxigraph refuses to free its results (an "unraisable"
    error, before)."""
    caught: list[BaseException] = []

    def read() -> None:
        results = store.query(UNBOUND_SERVICE)
        try:
            for _ in results:
                pass
        except StoreError as error:
            caught.append(error)  # with its traceback, whose frames hold `results`

    unraisable: list[Any] = []
    hook, sys.unraisablehook = sys.unraisablehook, unraisable.append
    try:
        thread = threading.Thread(target=read)
        thread.start()
        thread.join()
        assert caught
        caught.clear()  # the error and its frames die on this thread
        gc.collect()
    finally:
        sys.unraisablehook = hook
    assert unraisable == []


def test_results_without_a_serialiser_say_so(store: Store) -> None:
    """Routes ask `getattr(results, "serialize", None)`: a remote store's triples have none."""
    from store.lazy_results import RemoteResults

    assert getattr(RemoteResults(iter([Triple(A, B, C)])), "serialize", None) is None
    assert getattr(store.query("CONSTRUCT WHERE { ?s ?p ?o }"), "serialize", None) is not None
