"""`Store.writes` goes up with every write made through the store object, so that caches
of derived data (the API's search index and ordered lists) know they are stale."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from pyoxigraph import Literal, NamedNode, RdfFormat, Triple

from store import Settings, Store, StoreError, open_store

GRAPH = NamedNode("http://example.org/graph")
TRIPLE = Triple(NamedNode("http://example.org/s"), NamedNode("http://example.org/p"),
                Literal("o"))
WRITES: dict[str, Callable[[Store], object]] = {
    "update": lambda s: s.update(f"INSERT DATA {{ GRAPH {GRAPH} {{ {TRIPLE} }} }}"),
    "add": lambda s: s.add([TRIPLE], GRAPH),
    "replace_graph": lambda s: s.replace_graph(GRAPH, [TRIPLE]),
    "drop_graph": lambda s: s.drop_graph(GRAPH),
    "load": lambda s: s.load(io.BytesIO(f"{TRIPLE} .".encode()), RdfFormat.N_TRIPLES, GRAPH),
}


@pytest.mark.parametrize("write", WRITES)
def test_each_write_is_counted(any_store: Store, write: str) -> None:
    before = any_store.writes
    WRITES[write](any_store)
    assert any_store.writes > before
    after = any_store.writes
    assert bool(any_store.query("ASK { ?s ?p ?o }")) is (write != "drop_graph")
    assert any_store.writes == after  # reads are not counted


def test_a_failed_write_is_counted_too() -> None:
    with open_store(Settings(store="memory")) as store:
        with pytest.raises(StoreError):
            store.load(io.BytesIO(b"not n-triples"), RdfFormat.N_TRIPLES, GRAPH)
        assert store.writes == 1
