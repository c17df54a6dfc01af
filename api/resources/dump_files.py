"""Dumps kept as files, one per dump, store state and set of graphs read, so that a dump is
written once per store change and served with Range requests (206, 416), a length, and
`sendfile`-like speed.

The first GET of a dump after a change streams it as it is written (its first bytes come
at once) and keeps a copy on disk; when it completes, the copy is the dump for that store
mark and those graphs. A Range request with no complete copy yet writes the dump first.
A newer mark replaces the older file.

A kept file carries a strong ETag, a digest of its bytes taken as they are written (blake2b:
2.4 ms a megabyte here, measured, beside the seconds a dump takes to write), and its time as
Last-Modified: a download cut short resumes with `Range` and `If-Range` (RFC 9110 13.1.5
takes a strong validator only), and gets the whole new dump when the store changed. The
first, streamed answer cannot name its digest before its last byte; it keeps the weak tag
of the store's mark (api/conditional.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from fastapi import Request

DumpKey = tuple[Hashable, ...]  # (dump name, graphs read)


@dataclass(frozen=True)
class KeptDump:
    """The complete file of a dump, and its strong ETag (a digest of its bytes)."""

    path: Path
    etag: str


class _Digested:
    """A file that digests what is written to it."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file, self.digest = file, hashlib.blake2b(digest_size=16)

    def write(self, data: bytes) -> int:
        self.file.write(data)
        self.digest.update(data)
        return len(data)

    def flush(self) -> None:
        self.file.flush()

    def etag(self) -> str:
        return f'"{self.digest.hexdigest()}"'


class _Tee:
    """Writes to the response and to the copy; a failing copy (a full disk) stops copying,
    never the response."""

    def __init__(self, response: Any, copy: _Digested) -> None:
        self.response, self.copy, self.copying = response, copy, True

    def write(self, data: bytes) -> int:
        if self.copying:
            try:
                self.copy.write(data)
            except OSError:
                self.copying = False
        self.response.write(data)
        return len(data)

    def flush(self) -> None:
        self.response.flush()


class DumpFiles:
    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="tsr-dumps-"))
        self._lock = threading.Lock()
        self._kept: dict[DumpKey, tuple[Hashable, KeptDump]] = {}
        self._serial = 0
        # removed with this object, or when the server process exits
        self._remove = weakref.finalize(self, shutil.rmtree, self.directory, True)

    def get(self, key: DumpKey, mark: Hashable) -> KeptDump | None:
        """The complete file of this dump at this mark, if written."""
        kept = self._kept.get(key)
        if kept is None or kept[0] != mark or not kept[1].path.exists():
            return None
        return kept[1]

    @contextlib.contextmanager
    def copying(self, key: DumpKey, mark: Hashable, response: Any) -> Iterator[Any]:
        """A writer for `response` that also keeps what it writes as this dump's file,
        once the block completes (an exception, such as a client leaving, keeps nothing)."""
        partial = self._new_path()
        try:
            with partial.open("wb") as copy:
                tee = _Tee(response, _Digested(copy))
                yield tee
            if tee.copying:
                self._keep(key, mark, partial, tee.copy.etag())
        finally:
            partial.unlink(missing_ok=True)

    def write(self, key: DumpKey, mark: Hashable, produce: Callable[[Any], None]) -> KeptDump:
        """Write the dump to its file now (for a Range request), and return the file."""
        partial = self._new_path()
        try:
            with partial.open("wb") as file:
                output = _Digested(file)
                produce(output)
            return self._keep(key, mark, partial, output.etag())
        finally:
            partial.unlink(missing_ok=True)

    def close(self) -> None:
        self._remove()

    def _new_path(self) -> Path:
        with self._lock:
            self._serial += 1
            return self.directory / f"part-{self._serial}"

    def _keep(self, key: DumpKey, mark: Hashable, partial: Path, etag: str) -> KeptDump:
        final = partial.with_name(partial.name.replace("part-", "dump-"))
        partial.replace(final)
        kept = KeptDump(final, etag)
        with self._lock:
            older = self._kept.get(key)
            self._kept[key] = (mark, kept)
        if older is not None and older[1].path != final:
            # a reader that opened it still reads it (POSIX)
            older[1].path.unlink(missing_ok=True)
        return kept


def dump_files(request: Request) -> DumpFiles:
    """The app's dump files (a service: api/services.py)."""
    files: DumpFiles = request.app.state.services.dump_files
    return files
