"""Running a query in a worker thread with a deadline, and streaming what it writes.

On an on-disk store with query isolation (the default), the thread only relays: the query
runs in a worker process of store/isolation.py, killed at the deadline or over its memory
budget, and its serialised output arrives as bytes (see `query_pool`). On the in-memory
store, or with isolation turned off, the thread runs the query itself, and pyoxigraph
cannot cancel it. What this module guarantees then:

* The event loop never runs a query: the server keeps answering other requests while
  queries run (pyoxigraph releases the GIL while it evaluates).
* A query has `query_timeout` seconds to produce its first bytes (waiting for a free
  worker counts). Past that the client gets 503 with the reason, and the worker is told to
  stop: it stops at the next row it writes. A query stuck inside one engine step (a big
  sort or aggregate) keeps its worker until that step ends, then stops; at most
  `QUERY_WORKERS` queries hold workers at once, so runaway queries cannot take the server's
  memory or threads with them, only delay other queries (which then time out cleanly).
* Once bytes flow, rows stream as the engine yields them, through a bounded queue: the
  server holds at most a few chunks per response whatever the result's size, and a client
  that goes away stops its query at the next row. The row cap bounds a streaming response.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import queue
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from fastapi import Request
from starlette.responses import Response, StreamingResponse

from store import Store
from store.base import (
    QueryRefused,
    QuerySyntaxError,
    StoreError,
    StoreFault,
    UnwritableAnswer,
    UpdateRefused,
    first_line,
)
from store.chunked_output import ChunkedOutput
from store.isolation import PoolBusy, QueryCrashed, QueryOverBudget, QueryPool, QueryStopped
from store.isolation import QueryTimeout as WorkerTimeout
from store.rdf_files import BadInputError

from .errors import ProtocolError

# the server's log (uvicorn's), where a failed request gets its one line
_log = logging.getLogger("uvicorn.error")

# Queries release the GIL while the engine works, so workers beyond the cores still help:
# a short query starts beside the long ones instead of queueing behind them (16 workers on
# 2 cores: the analytical mix of bench/api.py at 0.97-1.08x oxigraph serve, against
# 0.82-0.96x with 8 and 0.81-0.86x with 4, side by side on a busy machine)
QUERY_WORKERS = min(32, (os.cpu_count() or 2) * 8)
_QUEUE_DEPTH = 8


class QueryTimeout(Exception):
    """The query produced nothing within the deadline (HTTP 503)."""


class Abandoned(Exception):
    """Raised inside the worker when nobody will read what it writes any more."""


@dataclass
class _Last:
    data: bytes


@dataclass
class _Failure:
    error: BaseException


class _Channel:
    """Chunks from a worker thread to the event loop, at most `_QUEUE_DEPTH` in flight.

    Most results are one chunk (the last): those travel without the semaphore, which is
    made for the first chunk that is not the last (a semaphore and an event per request
    were a tenth of a point lookup's interpreter time).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self._slots: threading.Semaphore | None = None
        self.closed = False  # set by the loop, read by the worker (a plain flag suffices)
        # time.monotonic() past which a worker waiting for a slow client gives up
        self.deadline: float | None = None

    def send(self, item: object, *, last: bool = False) -> None:
        if not (last and self._slots is None):
            if self._slots is None:
                self._slots = threading.Semaphore(_QUEUE_DEPTH)
            while not self._slots.acquire(timeout=0.25):
                if self.closed or (self.deadline is not None
                                   and time.monotonic() > self.deadline):
                    raise Abandoned
        if self.closed:
            raise Abandoned
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)
        except RuntimeError:  # the event loop is gone (server shutting down)
            raise Abandoned from None

    async def receive(self) -> object:
        item = await self._queue.get()
        # a chunk sent with a slot is received after the slots were made
        if self._slots is not None:
            self._slots.release()
        return item

    def close(self) -> None:
        self.closed = True


class ChunkWriter(ChunkedOutput):
    """The worker's output file: buffers writes into chunks and hands them to the loop."""

    def __init__(self, channel: _Channel) -> None:
        super().__init__(bytearray())
        self._channel = channel

    def stop_at(self, deadline: float) -> None:
        """Give up waiting for a client that does not read, past `deadline` (monotonic):
        a query worker must not be held by a slow reader past the query's deadline."""
        self._channel.deadline = deadline

    def abandoned(self) -> bool:
        """Nobody reads what this writer writes any more (the client went away)."""
        return self._channel.closed

    def _send_buffered(self) -> None:
        if self._channel.closed:
            raise Abandoned
        if self._buffer:
            self._channel.send(bytes(self._buffer))
            self._buffer.clear()

    def finish(self) -> None:
        if self._channel.closed:
            raise Abandoned
        # the last bytes travel with the end mark: a small result is then one whole body
        self._channel.send(_Last(bytes(self._buffer)), last=True)
        self._buffer.clear()


Producer = Callable[[ChunkWriter], None]


class QueryRunner:
    """The pool of query workers of one app.

    Daemon threads, not a ThreadPoolExecutor: an executor's threads are joined when the
    interpreter exits, so one runaway query would keep a stopped server alive until the
    engine finished it. Queries hold no write transaction, so abandoning them is safe.
    """

    def __init__(self, workers: int = QUERY_WORKERS) -> None:
        self.size = workers
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        for number in range(workers):
            threading.Thread(target=self._work, name=f"sparql-{number}", daemon=True).start()

    def _work(self) -> None:
        while True:
            self._jobs.get()()

    async def start(self, produce: Producer,
                    timeout: float) -> tuple[bytes, AsyncIterator[bytes] | None]:
        """Run `produce` in a worker; return its first chunk and an iterator over the rest
        (None when the first chunk is the whole output: the route can send it at once).

        Raises QueryTimeout if nothing comes within `timeout` seconds, or the producer's own
        exception if it fails before writing anything.
        """
        channel = _Channel(asyncio.get_running_loop())
        started: list[bool] = []  # non-empty once a worker took the job

        def work() -> None:
            started.append(True)
            if channel.closed:
                return
            writer = ChunkWriter(channel)
            try:
                produce(writer)
                writer.finish()
            except Abandoned:
                pass
            except BaseException as error:  # handed to the request, not lost in the thread
                forget_frames(error)
                with contextlib.suppress(Abandoned):
                    channel.send(_Failure(error), last=True)

        self._jobs.put(work)
        try:
            # asyncio.timeout, not wait_for: wait_for wraps the wait in a task of its own, a
            # cost paid on the event loop by every query
            async with asyncio.timeout(timeout):
                first = await channel.receive()
        except TimeoutError:
            channel.close()
            if not started:
                raise QueryTimeout(
                    f"all {self.size} query workers stayed busy for {timeout:g} s "
                    "(the query timeout); try again later") from None
            raise QueryTimeout(
                f"the query ran longer than {timeout:g} s, the server's query timeout; "
                "simplify it or add a LIMIT") from None
        except BaseException:
            channel.close()
            raise
        if isinstance(first, _Failure):
            channel.close()
            raise first.error
        if isinstance(first, _Last):
            channel.close()
            return first.data, None
        assert isinstance(first, bytes)
        return first, _rest(channel)


def forget_frames(error: BaseException | None) -> None:
    """Drop the tracebacks of an error that leaves its worker thread.

    Their frames hold pyoxigraph result objects, which must be released on the thread that
    made them (pyoxigraph refuses otherwise, as an unraisable error on the event loop).
    """
    while error is not None:
        error.__traceback__ = None
        error = error.__cause__ or error.__context__


async def _rest(channel: _Channel) -> AsyncIterator[bytes]:
    try:
        while True:
            item = await channel.receive()
            if isinstance(item, _Last):
                if item.data:
                    yield item.data
                return
            if isinstance(item, _Failure):
                # headers are sent: the only honest signal left is to cut the connection
                raise RuntimeError(f"query failed while streaming: {item.error}")
            assert isinstance(item, bytes)
            yield item
    finally:
        channel.close()


def respond(first: bytes, rest: AsyncIterator[bytes] | None, media_type: str,
            headers: dict[str, str] | None = None) -> Response:
    """A whole response when the output fit in one chunk, else a streamed one."""
    if rest is None:
        return Response(first, media_type=media_type, headers=headers)

    async def body() -> AsyncIterator[bytes]:
        yield first
        async for chunk in rest:
            yield chunk

    return StreamingResponse(body(), media_type=media_type, headers=headers)


def query_runner(app_state: object, pool: QueryPool | None = None) -> QueryRunner:
    """The app's runner, made on first use (worker threads start lazily). With a pool of
    worker processes its threads only relay bytes: there are enough for every query a
    worker runs and every one that waits for a worker (the pool's queue)."""
    runner = getattr(app_state, "query_runner", None)
    if runner is None:
        threads = QUERY_WORKERS if pool is None else max(
            QUERY_WORKERS, pool.capacity + 1)
        runner = QueryRunner(threads)
        app_state.query_runner = runner  # type: ignore[attr-defined]
    return runner


def query_pool(store: Store) -> QueryPool | None:
    """The store's worker processes, if its queries run isolated (store/isolation.py)."""
    pool: QueryPool | None = getattr(store, "pool", None)
    return pool


def client_key(request: Request) -> str:
    """Who shares the query workers fairly with others: a bearer token, else the address."""
    header = request.headers.get("authorization", "")
    if header:
        return "token " + hashlib.sha256(header.encode()).hexdigest()[:16]
    return request.client.host if request.client is not None else ""


def store_failure(error: BaseException, what: str = "query", *,
                  service_calls: bool = False) -> ProtocolError:
    """The HTTP answer to a store's failure under a request: the one table every route
    uses (/sparql, named queries, curated routes, the app's handler of StoreError), each
    answer one line (the message's first: an engine's may go on with the query text).

    The client's fault, 4xx: a query that does not parse, a well-formed query or update the
    engine refuses as written (400), an answer the requested format cannot carry (406:
    the same query in another format works). Stopped queries: as `stopped` says (503 with
    Retry-After for a deadline or a full queue). The store's fault, 5xx: its server
    unreachable or answering wrongly (502), a failed SERVICE call (502), anything else
    (500). `what`: "query" or "update", for the message; `service_calls`: the text calls
    SERVICE (pyoxigraph reports a failed call as an I/O error, as it does the disk's)."""
    if isinstance(error, QueryTimeout | QueryStopped):
        return stopped(error)
    message = first_line(error)
    if isinstance(error, StoreFault):
        return ProtocolError(502, message)
    if isinstance(error, UnwritableAnswer):
        return ProtocolError(406, message)
    if isinstance(error, QuerySyntaxError):
        return ProtocolError(400, f"malformed {what}: {message}")
    if isinstance(error, UpdateRefused):
        return ProtocolError(400, f"the update was not applied: {message}")
    # a RuntimeError is pyoxigraph's refusal met while an in-process query's results are
    # read (in a worker it comes back as QueryRefused)
    if isinstance(error, QueryRefused | BadInputError | RuntimeError):
        return ProtocolError(400, f"the {what} cannot be evaluated: {message}")
    if isinstance(error, SyntaxError):  # results that do not parse: a SERVICE's or a store's
        if service_calls:
            return ProtocolError(502, f"a SERVICE endpoint failed: {message}")
        return ProtocolError(502, f"the store sent unreadable results: {message}")
    if isinstance(error, OSError) and service_calls:
        return ProtocolError(502, f"a SERVICE endpoint failed: {message}")
    return ProtocolError(500, f"the {what} failed: {message}")


# what a query's failure may be raised as: the store's errors, and pyoxigraph's own met
# while an in-process query's results are read and written
QUERY_FAILURES = (StoreError, OSError, RuntimeError, ValueError, SyntaxError)


def log_failure(where: str, failure: ProtocolError) -> None:
    """One log line for a request the server or its store failed (5xx), never a traceback;
    a client's error (4xx) is its own business, as the access log shows."""
    if failure.status >= 500:
        _log.warning("%s: %d %s", where, failure.status, failure.message)


def stopped(error: QueryTimeout | QueryStopped) -> ProtocolError:
    """The HTTP answer to a query the server refused or stopped: 503 (with Retry-After when
    trying again may work), 400 for a query the engine cannot run at any load."""
    if isinstance(error, QueryTimeout | WorkerTimeout | PoolBusy):
        return ProtocolError(503, str(error), {"Retry-After": "10"})
    if isinstance(error, QueryOverBudget):
        return ProtocolError(503, str(error))
    if isinstance(error, QueryCrashed):
        return ProtocolError(500, str(error))
    return ProtocolError(400, str(error))
