"""An Oxigraph store in a temporary directory, for what one command reads and then drops
(ingest/batch_view.py, ingest/scratch_store.py)."""

from __future__ import annotations

import tempfile

from pyoxigraph import Store as OxStore


class TemporaryStore:
    """Made on first use (`store()`); `close()` lets the store go, then removes its folder."""

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._store: OxStore | None = None

    @property
    def made(self) -> bool:
        return self._store is not None

    def store(self) -> OxStore:
        if self._store is None:
            self._folder = tempfile.TemporaryDirectory(prefix=self._prefix)
            self._store = OxStore(self._folder.name)
        return self._store

    def close(self) -> None:
        # the last reference first: the engine closes its files before the folder goes
        self._store = None
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
