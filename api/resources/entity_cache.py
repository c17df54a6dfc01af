"""Entity responses kept until the store changes, with ETags and conditional GETs.

An entity's document (`/api/actors/{id}`, `/id/{kind}/{key}`, …) is a function of the store,
of what the reader may see, of the language and media type asked and of the address the
request came to (the document links its context there). Building it costs the query, the
labels and the framing, about 3 ms of server CPU at a million triples; a kept one costs a
dictionary lookup. Entries are keyed by all of the above and dropped, all at once, when the
store's mark moves (store_state.py), so a write is never hidden behind a kept document.

Each 200 response carries a strong ETag: a digest of the media type and the body, so equal
bytes give equal tags across restarts and different ones never share a tag. A request whose
`If-None-Match` names the current tag gets 304 without a body.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import os
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Annotated, Any, NamedTuple

from fastapi import Depends, Request, Response

from .marked_lru import MarkedLRU
from .running import Reader, ReaderSource, reader_source
from .store_state import StoreMark, graphs_key

# what an entry costs beyond its body (the key, the headers, the bookkeeping), counted
# against the budget so that many small documents cannot exceed it
_ENTRY_OVERHEAD = 400
ENTITY_THREADS_PER_CPU = 2
ENTITY_THREAD_NAME = "tsr-entity"  # the prefix of their threads' names
# headers a 304 repeats (RFC 9110, 15.4.5)
_KEPT_ON_304 = ("etag", "vary", "content-language", "cache-control")


class KeptResponse(NamedTuple):
    """What is kept of a response (stored as a plain tuple of text and bytes, which the
    cyclic garbage collector stops tracking: thousands of kept responses then add nothing
    to its passes; a named tuple, a tuple subclass, stays tracked)."""

    body: bytes
    media_type: str
    headers: tuple[tuple[str, str], ...]  # without Content-Length and Content-Type
    etag: str


class EntityResponses:
    """Entity responses kept for one store mark, at most `budget` bytes (marked_lru.py; 0:
    none kept), and the threads that build them (`kept_or_built`; started as needed,
    stopped by `close`)."""

    def __init__(self, budget: int, threads: int | None = None) -> None:
        self.keeps = budget > 0
        self._kept: MarkedLRU[tuple[Any, ...]] = MarkedLRU(budget, lambda kept: _cost(kept[0]))
        self.threads = ThreadPoolExecutor(
            threads or ENTITY_THREADS_PER_CPU * (os.cpu_count() or 2),
            thread_name_prefix=ENTITY_THREAD_NAME)
        self.hits = self.misses = 0  # tests and the benchmark read them

    def close(self) -> None:
        """Let the builds under way finish (they read the store), refuse new ones."""
        self.threads.shutdown(wait=True, cancel_futures=True)

    def get(self, key: Hashable, mark: StoreMark) -> KeptResponse | None:
        kept = self._kept.get(key, mark)
        if kept is None:
            self.misses += 1
            return None
        self.hits += 1
        return KeptResponse._make(kept)

    def put(self, key: Hashable, mark: StoreMark, kept: KeptResponse) -> None:
        if _cost(kept.body) > self._kept.budget // 8:  # a hub's page would push out many
            return
        self._kept.put(key, mark, tuple(kept))

    def stats(self) -> dict[str, int]:
        return {"kept": len(self._kept), "bytes": self._kept.size, "hits": self.hits,
                "misses": self.misses}


def _cost(body: bytes) -> int:
    """What an entry counts against the budget."""
    return len(body) + _ENTRY_OVERHEAD


def entity_responses(request: Request) -> EntityResponses:
    """The app's kept entity responses (a service: api/services.py)."""
    kept: EntityResponses = request.app.state.services.entity_responses
    return kept


@dataclass(frozen=True)
class EntityGet:
    """One entity GET as `kept_or_built` answers it, read from the request on the event loop
    (a dependency, no store access): the kept responses, who asks (resolved into a reader
    in the thread that builds), the address the request came to (a document links its
    context there) and its If-None-Match."""
    responses: EntityResponses
    asker: ReaderSource
    address: str
    if_none_match: str | None


async def entity_get(request: Request) -> EntityGet:
    """The request's `EntityGet` (a dependency: `async`, on the event loop)."""
    return EntityGet(entity_responses(request), reader_source(request), str(request.base_url),
                     request.headers.get("if-none-match"))


EntityGetOf = Annotated[EntityGet, Depends(entity_get)]


async def kept_or_built(get: EntityGet, key: tuple[Hashable, ...],
                        build: Callable[[Reader], Response]) -> Response:
    """The response to an entity GET: kept in `get.responses` if the store has not moved
    since, else `build(reader)` for the request's reader (kept when it is a 200 with a
    body). `key`: what the document depends on besides the store, the reader's graphs and
    the request's address (added here). Either way with an ETag, and 304 when
    `If-None-Match` names it.

    Runs in a pool of its own, ENTITY_THREADS_PER_CPU threads a CPU, not in the 40 threads
    every plain route shares: the work holds the interpreter lock but for the engine's part,
    so more threads only take turns at it. On 2 cores, with 16 clients and nothing kept,
    4 threads answered 485-509 entity GETs/s at a p99 of 51 ms, 40 threads 436-448 at
    63-68 ms (side by side). A slow list or named query in the shared pool cannot delay
    them either. The reader is resolved in that thread too: it reads the store's mark
    before the data, and on a remote store the mark is a query.

    The hand-off is asyncio's executor, not `anyio.to_thread` (which the plain routes use):
    anyio's passes through the event loop again before and after the thread runs (its
    limiter and cancellation checkpoints) and wakes its thread through a `queue.Queue`; with
    nothing kept that cost a tenth of the server's CPU per entity GET (bench/HISTORY.md).
    A request abandoned meanwhile leaves its build to finish in its thread.
    """
    context = contextvars.copy_context()  # as anyio gives it: the request's context vars
    return await asyncio.get_running_loop().run_in_executor(
        get.responses.threads, context.run, _kept_or_built, get, key, build)


def _kept_or_built(get: EntityGet, key: tuple[Hashable, ...],
                   build: Callable[[Reader], Response]) -> Response:
    # the mark is read before the data (and once per request): a write landing while the
    # document is built moves it, and the document is not kept
    who = get.asker.resolve()
    responses = get.responses
    if not responses.keeps:
        return _tagged(get.if_none_match, build(who))
    full_key = (*key, graphs_key(who.graphs), get.address)
    kept = responses.get(full_key, who.mark)
    if kept is not None:
        return _conditional(get.if_none_match, kept)
    built = _kept_of(build(who))
    if isinstance(built, KeptResponse):
        responses.put(full_key, who.mark, built)
    return _conditional(get.if_none_match, built)


def _kept_of(response: Response) -> KeptResponse | Response:
    """The response as kept (a 200 with a body), or itself."""
    if response.status_code != 200 or not isinstance(response.body, bytes):
        return response
    media_type, etag = _etag_of(response)
    headers = tuple((name, value) for name, value in response.headers.items()
                    if name not in ("content-length", "content-type"))
    return KeptResponse(response.body, media_type, (*headers, ("etag", etag)), etag)


def _tagged(if_none_match: str | None, response: Response) -> Response:
    """A response built for this request alone, with its ETag (or 304 when the request
    names it): what `_conditional` gives for a kept one, without copying it first."""
    if response.status_code != 200 or not isinstance(response.body, bytes):
        return response
    _, etag = _etag_of(response)
    response.headers["etag"] = etag
    return _not_modified(if_none_match, etag, response.headers.items()) or response


def _etag_of(response: Response) -> tuple[str, str]:
    """The response's media type, and its strong ETag: a digest of media type and body."""
    media_type = response.media_type or response.headers.get("content-type", "")
    digest = hashlib.blake2b(media_type.encode() + b"\0" + bytes(response.body), digest_size=16)
    return media_type, f'"{digest.hexdigest()}"'


def _conditional(if_none_match: str | None, kept: KeptResponse | Response) -> Response:
    if not isinstance(kept, KeptResponse):
        return kept
    return _not_modified(if_none_match, kept.etag, kept.headers) or Response(
        kept.body, media_type=kept.media_type, headers=dict(kept.headers))


def _not_modified(if_none_match: str | None, etag: str, headers: Iterable[tuple[str, str]]
                  ) -> Response | None:
    """304 when the request's If-None-Match names `etag` (with the headers a 304 repeats
    from `headers`), else None."""
    if not _matches(if_none_match, etag):
        return None
    return Response(status_code=304, headers={
        name: value for name, value in headers if name in _KEPT_ON_304})


def _matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 13.1.2: `*`, or the tag among the listed ones (weak comparison)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))
