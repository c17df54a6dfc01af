"""ETags, and 304 on `If-None-Match`, for the lists, the named queries, the dataset
description, the dumps, and the documentation of the model (context, ontology, vocabularies).

What these answer depends on the store's data and on the request alone, so their ETag is
derived from those, before anything runs: the store's mark (resources/store_state.py), this
server process (a store may change between two runs of the server), the path and query
string, the `Accept` and `Accept-Language` headers, and whether the reader may see
restricted graphs. A client that sends the tag back gets a 304 without the query running;
once the store changes, the mark moves and the tag with it. The tags are weak (`W/`): they
name what was answered, not its bytes, so a gzip and a plain body share one. A dump served
from its kept file carries the file's strong tag instead (resources/dump_files.py), so
that `If-Range` can resume a download; the first answer, streamed, has this weak one.

Entity responses (`/id/…`, `/api/actors/{id}`…) carry a digest of their body instead
(resources/entity_cache.py) and are left alone here.
"""

from __future__ import annotations

import hashlib
import secrets
from functools import cache

import anyio.to_thread
from fastapi import Request
from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from store import StoreError

from .deps import get_store, may_see_restricted
from .named_queries import shipped_queries
from .resources.store_state import request_mark
from .sparql.text import read_sparql

_PREFIXES = ("/api/", "/dumps/", "/.well-known/void", "/context.jsonld", "/ontology", "/vocab")
_VARY = "Accept, Accept-Language, Authorization"


def _tagged_path(path: str) -> bool:
    if not path.startswith(_PREFIXES):
        return False
    if path.startswith("/api/queries/"):
        return path.removeprefix("/api/queries/") not in _federated_queries()
    if path.startswith("/api/"):
        return path.count("/") == 2  # a list (/api/actors), not a detail (/api/actors/x)
    return True


@cache
def _federated_queries() -> frozenset[str]:
    """Named queries that ask another endpoint (SERVICE): their answer is not the store's
    alone, so the store's mark cannot tell whether it changed."""
    return frozenset(name for name, query in shipped_queries().items()
                     if read_sparql(query.text).service_targets)


def if_none_match(header: str | None, etag: str) -> bool:
    """RFC 9110 13.1.2: `*`, or the tag among the listed ones (weak comparison)."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == bare for tag in header.split(","))


class ConditionalGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.process = secrets.token_hex(8)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not _tagged_path(
                scope["path"]):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            etag = await self._etag(request)
        except StoreError:  # the route meets it too, and says so (502...), with no tag
            await self.app(scope, receive, send)
            return
        if if_none_match(request.headers.get("if-none-match"), etag):
            await Response(status_code=304, headers={"ETag": etag, "Vary": _VARY})(
                scope, receive, send)
            return

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (200, 206):
                headers = MutableHeaders(scope=message)
                # a kept dump file's strong tag (a digest of its bytes) stays: the route
                # checks If-None-Match and If-Range against it
                if "etag" not in headers:
                    headers["ETag"] = etag
            await send(message)

        await self.app(scope, receive, tagged)

    async def _etag(self, request: Request) -> str:
        if get_store(request).capabilities.local_change_mark:
            mark = request_mark(request)  # a counter in memory
        else:  # a query to the remote store
            mark = await anyio.to_thread.run_sync(request_mark, request)
        headers = request.headers
        what = "\0".join((
            self.process, repr(mark), request.url.path, request.url.query,
            headers.get("accept", ""), headers.get("accept-language", ""),
            "restricted" if may_see_restricted(request) else "public"))
        return f'W/"{hashlib.blake2b(what.encode(), digest_size=12).hexdigest()}"'
