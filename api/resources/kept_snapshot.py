"""Something read from the whole store once and kept until the store changes (the search
index, the label index), rebuilt in the background so that no request waits for it.

Reading a million triples takes a second or more (the engine decodes every value), so a
request that finds the snapshot stale does not wait: `ready` starts a rebuild in a
background thread and returns None, and the caller answers from the store itself.
"""

from __future__ import annotations

import abc
import logging
import threading
import time
import traceback
from typing import Generic, TypeVar

from store import StoreError
from store.base import first_line

from ..long_lived import set_aside_long_lived
from ..sparql.execution import forget_frames
from .store_state import StoreMark, StoreState

Snapshot = TypeVar("Snapshot")
_log = logging.getLogger(__name__)


class KeptSnapshot(abc.ABC, Generic[Snapshot]):
    """One snapshot per store mark; safe to use from worker threads."""

    name = "snapshot"  # for the log and the builder thread's name

    def __init__(self, state: StoreState) -> None:
        self._state = state
        self._store = state.store
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._built_at: StoreMark | None = None
        self._building: threading.Thread | None = None
        self.builds = 0  # how many times it was (re)built: tests watch it
        self.built = 0.0  # time.monotonic() of the last build

    @abc.abstractmethod
    def _read(self) -> Snapshot:
        """Read the snapshot from the store (runs in the builder thread)."""

    def ready(self, *, background: bool = True, mark: StoreMark | None = None
              ) -> Snapshot | None:
        """The snapshot if it is up to date with the store (with `mark` when the caller has
        read it already); else None, with a rebuild under way in the background (unless
        told not to start one)."""
        mark = self._state.mark() if mark is None else mark
        with self._lock:
            if self._snapshot is not None and mark == self._built_at:
                return self._snapshot
            if background and (self._building is None or not self._building.is_alive()):
                self._building = threading.Thread(
                    target=self._build_quietly, name=self.name, daemon=True)
                self._building.start()
        return None

    def latest(self, *, wait: float, mark: StoreMark | None = None) -> Snapshot | None:
        """The snapshot up to date with the store, waiting up to `wait` seconds for a
        rebuild; past that, the last one built while the rebuild goes on in the background
        (None before the first build). For pages that may show what the store held a few
        seconds ago rather than wait for a whole rebuild (at a million triples the browse
        index took 20 s and more to read; a small store's rebuild ends within the wait)."""
        snapshot = self.ready(mark=mark)
        if snapshot is None:
            building = self._building
            if building is not None:
                building.join(wait)
            snapshot = self.ready(mark=mark)
        return snapshot if snapshot is not None else self._snapshot

    def fresh(self) -> Snapshot:
        """The snapshot up to date with the store, built in this thread if need be."""
        building = self._building
        if building is not None:
            building.join()  # a rebuild under way: its snapshot may be the fresh one
        snapshot = self.ready(background=False)
        if snapshot is None:
            snapshot = self._build()
        return snapshot

    def _build_quietly(self) -> None:
        try:
            self._build()
        except StoreError as error:
            # the store failed to answer (or closed): requests go on from the store, and
            # the next one tries again; one line, as a request's failure (never a traceback)
            _log.warning("%s: rebuild failed: %s", self.name, first_line(error))
            forget_frames(error)
        except Exception as error:  # noqa: BLE001 - a background job must not die loudly
            # anything else is a bug: the traceback as text, then dropped: its frames hold
            # the store's result objects, which must be freed on this thread (a log record
            # keeping them, as a capturing handler does, would free them on another)
            _log.warning("%s: rebuild failed\n%s", self.name, traceback.format_exc())
            forget_frames(error)

    def _build(self) -> Snapshot:
        # the mark is read before the data: a write landing during the read is counted
        # after it, so the next request finds the snapshot stale
        mark = self._state.mark()
        snapshot = self._read()
        with self._lock:
            replacing = self._snapshot is not None
            self._snapshot, self._built_at = snapshot, mark
            self.builds += 1
            self.built = time.monotonic()
        # the new snapshot lives until the store changes; the one it replaces goes
        set_aside_long_lived(replacing=replacing)
        return snapshot
