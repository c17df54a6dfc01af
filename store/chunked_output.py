"""A binary output file that gathers small writes into chunks, for the writers of query
results: a query worker's output to the pool (store/query_worker.py) and the API's output
to the client (api/sparql/execution.py)."""

from __future__ import annotations

import abc
import time

CHUNK_BYTES = 64 * 1024
# a slow result still reaches its reader: send whatever is buffered after this long
FLUSH_SECONDS = 0.1


class ChunkedOutput(abc.ABC):
    """Writes go to a buffer, sent on (`_send_buffered`) once it holds CHUNK_BYTES or
    FLUSH_SECONDS have passed since the last send."""

    def __init__(self, buffer: bytearray) -> None:
        self._buffer = buffer
        self._last_flush = time.monotonic()

    def write(self, data: bytes) -> int:
        self._buffer += data
        if len(self._buffer) >= CHUNK_BYTES or time.monotonic() - self._last_flush > FLUSH_SECONDS:
            self.flush()
        return len(data)

    def flush(self) -> None:
        self._send_buffered()
        self._last_flush = time.monotonic()

    @abc.abstractmethod
    def _send_buffered(self) -> None:
        """Send what the buffer holds and empty it."""
