"""Reading a store that a running server holds: through the server's latest checkpoint.

An on-disk store has one read-write owner, and opening its RocksDB directory read-only
beside that writer is undefined behaviour (pyoxigraph's `Store.read_only` says the store
must not be written meanwhile). But a server with query workers already makes read-only
checkpoints of its store (store/isolation.py): at its start and at the first query after
each write. It notes the latest in `STORE/tsr-served.json` (the checkpoint, when it was
made, the server's pid), and a read-only command that finds the store busy
(`tsr query`, `info`, `sources`, `validate`) opens that checkpoint instead: it links the
checkpoint's files into a directory of its own (the server removes a checkpoint once no
worker uses it, and may do so at any time), opens the copy read-only, and removes it when
done. What it reads is the store as of the checkpoint: writes made later are not in it,
and the command says how old it is.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
import uuid
from pathlib import Path

from .base import StoreBusyError, StoreError
from .checkpoints import MANIFEST
from .embedded import EmbeddedStore

READERS = "tsr-readers"  # the commands' copies (hard links need the same file system)


class ServedCheckpoint(EmbeddedStore):
    """A read-only copy of a running server's latest checkpoint, removed at `close`."""

    made: float = 0.0
    server_pid: int = 0
    copy: Path | None = None  # the command's own links to the checkpoint's files

    def close(self) -> None:
        with contextlib.suppress(AttributeError):
            del self._store
        if self.copy is not None:
            shutil.rmtree(self.copy, ignore_errors=True)
            with contextlib.suppress(OSError):  # the last reader's
                self.copy.parent.rmdir()

    def age_note(self) -> str:
        """One line for stderr: whose checkpoint this is and how old."""
        made = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(self.made))
        age = max(0.0, time.time() - self.made)
        return (f"the store is held by a running server (pid {self.server_pid}); reading its "
                f"checkpoint of {made} ({age:.0f} s old): writes made since are not in it")


def open_served_checkpoint(store_directory: str, busy: StoreBusyError) -> ServedCheckpoint:
    """The running server's latest checkpoint, opened read-only; `busy` again if the server
    keeps none (no query workers) or it cannot be read."""
    directory = Path(store_directory)
    for _ in range(5):  # the server may replace its checkpoint while it is linked
        try:
            manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
            source = directory / manifest["checkpoint"]
            made, pid = float(manifest["made"]), int(manifest["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            raise busy from None
        copy = directory / READERS / f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            copy.mkdir(parents=True)
            for entry in source.iterdir():
                os.link(entry, copy / entry.name)
        except FileNotFoundError:
            shutil.rmtree(copy, ignore_errors=True)
            time.sleep(0.05)
            continue
        except OSError as error:
            shutil.rmtree(copy, ignore_errors=True)
            raise StoreError(f"{busy}; and its server's checkpoint cannot be read: "
                             f"{error}") from None
        try:
            store = ServedCheckpoint.read_only(str(copy))
        except StoreError:
            shutil.rmtree(copy, ignore_errors=True)
            raise
        assert isinstance(store, ServedCheckpoint)
        store.made, store.server_pid, store.copy = made, pid, copy
        store.location = str(directory)  # what the commands name: the store itself
        return store
    raise busy
