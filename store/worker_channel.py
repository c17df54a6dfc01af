"""Messages between the server's query pool (store/isolation.py) and its worker processes
(store/query_worker.py)."""

from __future__ import annotations

import socket
import struct

_HEADER = struct.Struct("!I")
_RECEIVE_BYTES = 256 * 1024


class Channel:
    """Length-prefixed messages over a socket, both ways, with a timeout that keeps a
    partly received message (the pool's relay waits in slices to watch its deadline).

    Lighter than multiprocessing's Connection: its poll builds a selector per call, a
    good part of a point lookup's cost here; a socket timeout waits in C.
    """

    def __init__(self, sock: socket.socket) -> None:
        self.socket = sock
        self._buffer = bytearray()
        self._timeout: float | None = None

    def send(self, data: bytes | bytearray) -> None:
        # blocking: the other side reads whatever it is sent (a worker given a job is idle,
        # the pool reads a running job's output), and a big query text may take a while
        self._set_timeout(None)
        self.socket.sendall(_HEADER.pack(len(data)) + data)

    def receive(self, timeout: float | None = None) -> bytes | None:
        """The next message; None if none came whole within `timeout` seconds (None:
        wait). EOFError when the other side has gone."""
        buffer = self._buffer
        while True:
            if len(buffer) >= 4:
                end = 4 + _HEADER.unpack_from(buffer)[0]
                if len(buffer) >= end:
                    message = bytes(buffer[4:end])
                    del buffer[:end]
                    return message
            self._set_timeout(timeout)
            try:
                chunk = self.socket.recv(_RECEIVE_BYTES)
            except TimeoutError:
                return None
            if not chunk:
                raise EOFError("the other side closed the channel")
            buffer += chunk

    def _set_timeout(self, timeout: float | None) -> None:
        if timeout != self._timeout:
            self.socket.settimeout(timeout)
            self._timeout = timeout

    def close(self) -> None:
        self.socket.close()
