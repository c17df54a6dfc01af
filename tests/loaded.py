"""Test data ingested once per session, then loaded as quads into each test's store.

Ingesting the example workbook (reading, mapping, SHACL validation, the load with its PROV
records) takes seconds, and most API and portal tests start from the same data in a store
of their own. The first test to ask runs the real ingest into an in-memory store; every
later one loads that store's N-Quads: the same graphs, records and materialised classes,
in a fifth of a second. Remote engines are still ingested into: how each engine takes a
load is part of what their tests check.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from pyoxigraph import RdfFormat

from store import Settings, Store, open_store
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
    """What `ingest(store)` writes, into `store` (empty): loaded from the session's copy on
    the embedded store, ingested on a remote one."""
    if isinstance(store, RemoteStore):
        ingest(store)
        return
    store.load(io.BytesIO(ingested_quads(ingest)), RdfFormat.N_QUADS, None)
