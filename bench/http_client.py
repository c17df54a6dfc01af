"""A lean HTTP/1.1 GET client for the benchmarks: one kept-alive connection per client.

The load generator shares the machine with the servers it measures (2 cores here). httpx
costs its side 1.2-1.8 ms of CPU a request, about one core at the entity GET's rate, which
the servers then cannot use; this client reads a response with a few calls to asyncio
streams (about a tenth of that). It speaks only what the benchmarks need: GET, responses
with Content-Length or chunked bodies, reconnecting when the server closes.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode, urlsplit


class HttpError(Exception):
    """The server's answer is not HTTP/1.1 this client can read."""


class Client:
    """GETs on one server over one kept-alive connection (reopened when closed)."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        parts = urlsplit(base)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._headers = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, params: dict[str, str]) -> tuple[int, bytes]:
        """Status and body of `GET path?params`."""
        target = f"{path}?{urlencode(params)}" if params else path
        request = (f"GET {target} HTTP/1.1\r\nHost: {self._host}:{self._port}\r\n"
                   f"{self._headers}\r\n").encode()
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        assert self._reader is not None
        self._writer.write(request)
        try:
            status, headers = await self._head()
            body = await self._body(headers)
        except BaseException:
            self.close()
            raise
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, body

    async def _head(self) -> tuple[int, dict[str, str]]:
        assert self._reader is not None
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        try:
            status = int(status_line.split(" ", 2)[1])
        except (IndexError, ValueError):
            raise HttpError(f"not an HTTP status line: {status_line!r}") from None
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            if name:
                headers[name.strip().lower()] = value.strip()
        return status, headers

    async def _body(self, headers: dict[str, str]) -> bytes:
        assert self._reader is not None
        if "content-length" in headers:
            return await self._reader.readexactly(int(headers["content-length"]))
        if headers.get("transfer-encoding", "").lower() != "chunked":
            raise HttpError("a response with neither Content-Length nor chunked encoding")
        chunks = []
        while True:
            size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await self._reader.readexactly(size + 2)  # the chunk and its CRLF
            if size == 0:
                return b"".join(chunks)
            chunks.append(chunk[:-2])

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None
