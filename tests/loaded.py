"""Test data ingested once per session, then loaded as quads into each test's store.

Ingesting the example workbook (reading, mapping, SHACL validation, the load with its PROV
records) takes seconds, and most API and portal tests start from the same data in a store
of their own. The first test to ask runs the real ingest into an in-memory store; every
later one loads that store's N-Quads: the same graphs, records and materialised classes,
in a fifth of a second (through the Store interface, on `oxigraph serve` too). Virtuoso is
still ingested into: it stores some literals its own way (store/engines.py), and its
tests compare with what it does to a real load.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from pyoxigraph import RdfFormat

from store import Settings, Store, open_store
from store.engines import VIRTUOSO
from store.remote import RemoteStore

Ingest = Callable[[Store], None]

_QUADS: dict[Ingest, bytes] = {}


def ingested_quads(ingest: Ingest) -> bytes:
    """Every quad `ingest` writes into an empty store (computed once per session)."""
    if ingest not in _QUADS:
        with open_store(Settings(store="memory")) as scratch:
            ingest(scratch)
            output = io.BytesIO()
            scratch.dump(output, RdfFormat.N_QUADS)
        _QUADS[ingest] = output.getvalue()
    return _QUADS[ingest]


def load_ingested(store: Store, ingest: Ingest) -> None:
    """What `ingest(store)` writes, into `store` (empty): loaded from the session's copy,
    ingested on Virtuoso."""
    if isinstance(store, RemoteStore) and store.engine is VIRTUOSO:
        ingest(store)
        return
    store.load(io.BytesIO(ingested_quads(ingest)), RdfFormat.N_QUADS, None)
