"""A snapshot kept until the store changes: `latest` waits a bounded time for a rebuild,
then answers with the snapshot built before the write while the rebuild goes on."""

from __future__ import annotations

import threading
import time

from pyoxigraph import Literal, NamedNode, Triple

from api.resources.kept_snapshot import KeptSnapshot
from api.resources.store_state import StoreState
from store import Settings, open_store
from store.namespaces import DataIris

GRAPH = NamedNode("https://example.org/graph/g")


class _Count(KeptSnapshot[int]):
    """The store's size, read as slowly as a test says."""

    def __init__(self, state: StoreState) -> None:
        super().__init__(state)
        self.gate = threading.Event()
        self.gate.set()

    def _read(self) -> int:
        self.gate.wait(30)
        return self._store.count()


def _add(store: object, number: int) -> None:
    store.add([Triple(NamedNode(f"https://example.org/s{number}"),  # type: ignore[attr-defined]
                      NamedNode("https://example.org/p"), Literal(number))], GRAPH)


def test_latest_waits_a_bounded_time_then_serves_the_snapshot_before_the_write() -> None:
    with open_store(Settings(store="memory")) as store:
        settings = Settings(store="memory")
        kept = _Count(StoreState(store, DataIris(settings.base_iri)))
        _add(store, 1)
        assert kept.latest(wait=5) == 1  # the first build ends within the wait
        kept.gate.clear()  # the next rebuild is slow
        _add(store, 2)
        started = time.monotonic()
        assert kept.latest(wait=0.3) == 1  # stale, after waiting its bound
        assert 0.3 <= time.monotonic() - started < 3
        kept.gate.set()
        assert kept.latest(wait=5) == 2  # the rebuild under way ends: fresh again
        assert kept.builds == 2
