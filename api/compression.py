"""gzip for the clients that accept it, and nothing in the way of the others.

Starlette's GZipMiddleware wraps every response, also for a client that does not accept
gzip (to add `Vary: Accept-Encoding`): about 45 µs of the event loop per request, a
twentieth of an entity GET. Here it sees only the requests that may be compressed; a plain
answer to a client that does not accept gzip suits every client, so it needs no `Vary`.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Bodies from this size on are compressed (smaller ones gain less than the header costs).
# Level 6, zlib's default: level 9 (Starlette's default) takes about twice the time for a
# few per cent less.
GZIP_MINIMUM_BYTES = 1024
GZIP_LEVEL = 6


class GzipWhenAccepted:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=GZIP_LEVEL)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _accepts_gzip(scope):
            await self.gzip(scope, receive, _weak_when_compressed(scope, send))
        else:
            await self.app(scope, receive, send)


def _accepts_gzip(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            return b"gzip" in value.lower()
    return False


def _weak_when_compressed(scope: Scope, send: Send) -> Send:
    """A strong ETag names the bytes of the answer as built (an entity document's digest,
    resources/entity_cache.py; a kept dump file's, resources/dump_files.py); gzipped here
    they are other bytes, so the tag is made weak (RFC 9110 8.8.1; as nginx does):
    `If-None-Match` still matches it, `If-Range` does not, and a Range request (never
    compressed) counts in the file's own bytes.

    A 304 carries the tag of the 200 it stands for (RFC 9110 15.4.5), but has no body to
    tell whether that 200 was compressed (a small one, or a gzip file, is not): it gives
    back the tag as the client holds it, weak when its If-None-Match names the weak form
    of the route's strong tag (the route compares weakly: either form matches)."""
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            etag = headers.get("etag")
            if etag and not etag.startswith("W/") and (
                    _holds_weak(scope, etag) if message["status"] == 304
                    else headers.get("content-encoding") == "gzip"):
                headers["ETag"] = f"W/{etag}"
        await send(message)

    return sending


def _holds_weak(scope: Scope, etag: str) -> bool:
    """The request's If-None-Match lists `W/` + the strong `etag`, and not `etag` itself."""
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            held = {tag.strip() for tag in value.decode("latin-1").split(",")}
            return f"W/{etag}" in held and etag not in held
    return False
