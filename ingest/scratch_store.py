"""A throw-away Oxigraph store for the triples the end-of-file SPARQL checks run on: in
memory while they are few, in a temporary directory on disk once there are more than
`SPILL_AFTER` (a million actors' identifiers and types took a gigabyte as Python objects or
in an in-memory store).

The file's triples come as N-Triples statements and go to disk on the loader's own thread
while the rows go on (see `store.embedded.TextLoads`); the store's come as quads.
"""

from __future__ import annotations

from collections.abc import Iterable

from pyoxigraph import Quad, RdfFormat
from pyoxigraph import Store as OxStore

from store.embedded import TextLoads

from .temporary_store import TemporaryStore

# Quads (or statements) held in memory before they go to disk; also the size of one
# bulk-loader call, which bounds the loader's own memory.
SPILL_AFTER = 100_000


class ScratchStore:
    def __init__(self, spill_after: int | None = None) -> None:
        self._spill_after = spill_after or SPILL_AFTER
        self._quads: list[Quad] = []
        self._statements: list[str] = []
        self._disk = TemporaryStore("tsr-scratch-")
        self._loads: TextLoads | None = None
        self.empty = True

    def add(self, quads: Iterable[Quad]) -> None:
        self._quads.extend(quads)
        self.empty = self.empty and not self._quads
        if len(self._quads) >= self._spill_after:
            self._quads_to_disk()

    def add_statements(self, statements: Iterable[str]) -> None:
        """N-Triples statements of IRIs and literals (see `store.embedded.NTriples`)."""
        self._statements.extend(statements)
        self.empty = self.empty and not self._statements
        if len(self._statements) >= self._spill_after:
            self._loads_to_disk().load(self._statements)
            self._statements = []

    def _loads_to_disk(self) -> TextLoads:
        if self._loads is None:
            self._loads = TextLoads(self._disk.store())
        return self._loads

    def _quads_to_disk(self) -> None:
        disk = self._disk.store()
        if self._loads is not None:
            self._loads.wait()  # one loader at a time
        disk.bulk_extend(self._quads)
        self._quads = []

    def store(self) -> OxStore:
        """Everything added so far, ready to query."""
        if not self._disk.made:
            memory = OxStore()
            memory.extend(self._quads)
            if self._statements:
                memory.load(" .\n".join(self._statements) + " .\n", RdfFormat.N_TRIPLES)
            self._quads, self._statements = [], []
            return memory
        if self._statements:
            self._loads_to_disk().load(self._statements)
            self._statements = []
        if self._loads is not None:
            self._loads.wait()
        self._quads_to_disk()
        return self._disk.store()

    def close(self) -> None:
        self._quads, self._statements = [], []
        if self._loads is not None:
            self._loads.close()
            self._loads = None
        self._disk.close()
