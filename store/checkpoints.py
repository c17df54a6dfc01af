"""The read-only checkpoints of an on-disk store that the query workers open
(store/isolation.py), and the note of the latest for the commands that read beside the
server (store/served_checkpoint.py).

Opening the live store read-only while this process writes it is undefined behaviour in
RocksDB, so workers open a checkpoint (`Store.backup`: hard links of the immutable files,
cheap) made again at the first query after a write, a second after a burst of writes, or
when asked (`Store.show_writes_to_readers`): a query sees every write that returned
before it started. A checkpoint is removed once no worker has it open. They live in the
store's `tsr-checkpoints/` directory (hard links need the same file system), emptied when
the pool starts.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from pyoxigraph import Store as OxStore

from .base import StoreError

CHECKPOINTS = "tsr-checkpoints"
# the latest checkpoint, for the commands that read the store beside the server
# (store/served_checkpoint.py)
MANIFEST = "tsr-served.json"
_REFRESH_SECONDS = 1.0  # after a write, the delay before a checkpoint is made for readers


class Checkpointable(Protocol):
    """What the checkpoints need of the store (an on-disk EmbeddedStore; not imported,
    since it imports the pool)."""

    location: str
    writes: int
    writing: int

    @property
    def oxigraph(self) -> OxStore: ...


class Holder(Protocol):
    """What opens a checkpoint (a worker): the path it has open."""

    path: str | None


class Checkpoints:
    """The checkpoints of one store; `in_use` gives the paths the workers have open (it
    may take the pool's lock: this one is always taken first)."""

    def __init__(self, store: Checkpointable, in_use: Callable[[], set[str | None]]) -> None:
        self._store = store
        self._in_use = in_use
        self._directory = Path(store.location) / CHECKPOINTS
        shutil.rmtree(self._directory, ignore_errors=True)  # left by a server that died
        self._directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._current: tuple[int, str] | None = None  # (store.writes, path)
        self._numbers = itertools.count(1)
        self._refresh_pending = False
        self._closed = False

    def fresh(self, holder: Holder | None) -> str:
        """A checkpoint holding every write that has returned, noted as the one `holder`
        opens (under the lock: a checkpoint made meanwhile must not remove it first).
        While a write is under way the previous checkpoint still stands (it is
        consistent; the write is not done)."""
        with self._lock:
            writes = self._store.writes
            current = self._current
            if current is not None and (current[0] == writes or self._store.writing):
                if holder is not None:
                    holder.path = current[1]
                return current[1]
            path = str(self._directory / str(next(self._numbers)))
            try:
                self._store.oxigraph.backup(path)
            except OSError as error:
                raise StoreError(f"cannot make a checkpoint of the store for queries: "
                                 f"{error}") from None
            self._current = (writes, path)
            if holder is not None:
                holder.path = path
            _publish(self._store.location, path)
        self.tidy()
        return path

    def refresh_soon(self) -> None:
        """After a write: a checkpoint a second later (once for a burst of writes), so that
        the commands reading beside the server (store/served_checkpoint.py) see it even
        when no query comes to make one."""
        with self._lock:
            if self._refresh_pending or self._closed:
                return
            self._refresh_pending = True
        timer = threading.Timer(_REFRESH_SECONDS, self._refresh)
        timer.daemon = True
        timer.start()

    def _refresh(self) -> None:
        with self._lock:
            self._refresh_pending = False
            if self._closed:
                return
        with contextlib.suppress(StoreError):
            self.fresh(None)

    def tidy(self) -> None:
        """Remove the checkpoints no worker has open."""
        with self._lock:
            kept = self._in_use()
            if self._current is not None:
                kept.add(self._current[1])
            for entry in self._directory.iterdir():
                if str(entry) not in kept:
                    shutil.rmtree(entry, ignore_errors=True)

    def close(self) -> None:
        """Remove every checkpoint and the note of the latest (the workers are gone)."""
        with self._lock:
            self._closed = True
        with contextlib.suppress(OSError):
            (Path(self._store.location) / MANIFEST).unlink()
        shutil.rmtree(self._directory, ignore_errors=True)


def _publish(store_directory: str, checkpoint: str) -> None:
    """Note `checkpoint` as the latest, with when it was made and by which server."""
    directory = Path(store_directory)
    manifest = {"checkpoint": str(Path(checkpoint).relative_to(directory)),
                "made": time.time(), "pid": os.getpid()}
    temporary = directory / f"{MANIFEST}.{os.getpid()}.tmp"
    with contextlib.suppress(OSError):  # the commands then say the store is busy
        temporary.write_text(json.dumps(manifest), encoding="utf-8")
        os.replace(temporary, directory / MANIFEST)
