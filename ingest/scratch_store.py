"""A throw-away Oxigraph store for the triples the end-of-file SPARQL checks run on: in
memory while they are few, in a temporary directory on disk once there are more than
`SPILL_AFTER` (a million actors' identifiers and types took a gigabyte as Python objects or
in an in-memory store)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable

from pyoxigraph import Quad
from pyoxigraph import Store as OxStore

# Quads held in memory before they go to disk; also the size of one bulk-loader call, which
# bounds the loader's own memory.
SPILL_AFTER = 100_000


class ScratchStore:
    def __init__(self, spill_after: int | None = None) -> None:
        self._spill_after = spill_after or SPILL_AFTER
        self._waiting: list[Quad] = []
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._disk: OxStore | None = None
        self.empty = True

    def add(self, quads: Iterable[Quad]) -> None:
        self._waiting.extend(quads)
        self.empty = self.empty and not self._waiting
        if len(self._waiting) >= self._spill_after:
            self._to_disk()

    def _to_disk(self) -> None:
        if self._disk is None:
            self._folder = tempfile.TemporaryDirectory(prefix="tsr-scratch-")
            self._disk = OxStore(self._folder.name)
        self._disk.bulk_extend(self._waiting)
        self._waiting = []

    def store(self) -> OxStore:
        """Everything added so far, ready to query."""
        if self._disk is None:
            memory = OxStore()
            memory.extend(self._waiting)
            self._waiting = []
            return memory
        self._to_disk()
        return self._disk

    def close(self) -> None:
        self._waiting = []
        if self._disk is not None:
            del self._disk
            self._disk = None
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
