"""Queries that can be stopped: a pool of worker processes over checkpoints of the store.

pyoxigraph cannot cancel a query once the engine runs it, and a query can crash the
engine (a stack overflow on deep nesting, an abort when an allocation fails). So the
queries a client controls run in worker processes (store/query_worker.py):

* **Deadline.** Past it the worker is killed (SIGKILL: its CPU and memory are released at
  once) and another one started; the caller gets `QueryTimeout`.
* **Memory budget.** Each worker runs under an address-space limit (`RLIMIT_AS`); a query
  that needs more fails inside the worker, or kills it, and the caller gets
  `QueryOverBudget`. A worker that dies any other way gives `QueryCrashed`
  (`QueryTooDeep` for a stack overflow); the server is never touched.
* **Read-only checkpoints.** Opening the live store read-only while this process writes it
  is undefined behaviour in RocksDB, so workers open a checkpoint (`Store.backup`: hard
  links of the immutable files, cheap) made again at the first query after a write;
  a query sees every write that returned before it started. A checkpoint is removed
  once no worker has it open. They live in the store's `tsr-checkpoints/` directory
  (hard links need the same file system), emptied when the pool starts.
* **Fair sharing.** At most `per_client` queries of one client (its token or address)
  hold workers at once; the others wait in a queue of at most `queue` entries, served
  client by client (the waiting client with the fewest queries running goes first).
  A full queue is refused at once (`PoolBusy`); a wait past the deadline is a timeout.

Only on-disk stores have checkpoints: an in-memory store lives in the server process,
and a remote store is isolated by its own server (the HTTP timeout applies).
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import logging
import os
import pickle
import queue as queues
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pyoxigraph import Store as OxStore

from .base import QuerySyntaxError, StoreError
from .worker_channel import Channel


class Checkpointable(Protocol):
    """What the pool needs of the store (an on-disk EmbeddedStore; not imported, since it
    imports this module)."""

    location: str
    writes: int
    writing: int

    @property
    def oxigraph(self) -> OxStore: ...

CHECKPOINTS = "tsr-checkpoints"
_START_SECONDS = 60.0  # a worker that is not ready by then is reported broken
_POLL_SECONDS = 0.1  # how often a waiting relay looks at its deadline and its client
_log = logging.getLogger("tsr.queries")
# Who asks for the queries `EmbeddedStore.query(timeout=...)` runs (its share of the workers)
QUERY_CLIENT: contextvars.ContextVar[str] = contextvars.ContextVar("query_client", default="")


class QueryStopped(StoreError):
    """The pool refused or stopped the query (the server goes on)."""


class PoolBusy(QueryStopped):
    """Too many queries wait already (HTTP 503 with Retry-After)."""


class QueryTimeout(QueryStopped):
    """The query waited or ran past its deadline; its worker was stopped."""


class QueryOverBudget(QueryStopped):
    """The query needed more memory than one query may use; its worker was stopped."""


class QueryTooDeep(QueryStopped):
    """The query nests too deeply for the engine (its worker's stack overflowed)."""


class QueryCrashed(QueryStopped):
    """The query's worker died for another reason."""


class _Abandoned(QueryStopped):
    """The caller gave up (its client went away): the worker is stopped."""


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    channel: Channel
    path: str | None = None  # the checkpoint it has open


@dataclass(eq=False)
class _Ticket:
    """A query waiting for a worker; `ready` is set once `worker` is its own."""

    client: str
    number: int
    ready: threading.Event = field(default_factory=threading.Event)
    worker: _Worker | None = None


@dataclass
class PoolStats:
    workers: int
    ready: int  # started and not running a query
    busy: int
    queued: int
    broken: str | None = None
    clients: dict[str, int] = field(default_factory=dict)


class QueryPool:
    """Worker processes running jobs over checkpoints of one on-disk embedded store.

    A job is a function named "module:function" that the worker imports and calls with
    (read-only EmbeddedStore, *args, output); what it writes to `output` reaches the
    caller's `write` as bytes.
    """

    def __init__(self, store: Checkpointable, *, workers: int, memory_bytes: int,
                 queue: int, per_client: int) -> None:
        if store.location == "memory":
            raise StoreError("query isolation needs an on-disk store")
        self._store = store
        self.size = workers
        self.memory_bytes = memory_bytes
        self.queue_limit = queue
        self.per_client = max(1, per_client)
        self._directory = Path(store.location) / CHECKPOINTS
        shutil.rmtree(self._directory, ignore_errors=True)  # left by a server that died
        self._directory.mkdir(parents=True, exist_ok=True)
        self._checkpoint_lock = threading.Lock()
        self._checkpoint: tuple[int, str] | None = None  # (store.writes, path)
        self._numbers = itertools.count(1)
        self._condition = threading.Condition()
        self._free: list[_Worker] = []
        self._starting: set[subprocess.Popen[bytes]] = set()
        self._alive: set[_Worker] = set()
        self._running: Counter[str] = Counter()
        self._waiting: list[_Ticket] = []
        self._broken: str | None = None
        self._closed = False
        self._spawns: queues.SimpleQueue[None] = queues.SimpleQueue()
        threading.Thread(target=self._spawner, name="tsr-query-worker-start",
                         daemon=True).start()
        for _ in range(workers):
            self._start_worker()

    # -- running a job ---------------------------------------------------------------------
    def run(self, function: str, args: tuple[Any, ...], write: Callable[[bytes], object], *,
            deadline: float, client: str = "",
            abandoned: Callable[[], bool] = lambda: False) -> None:
        """Run a job on a worker, relaying its output to `write`, within `deadline`
        (time.monotonic()). Raises the job's own error as StoreError / QuerySyntaxError,
        or one of this module's errors; an exception from `write` stops the worker and
        is raised again."""
        worker = self._acquire(client, deadline, abandoned)
        if deadline - time.monotonic() < _POLL_SECONDS:
            # a worker came free too late to be of use: keep it, it did nothing
            self._release(worker, client)
            raise QueryTimeout(self._busy_message())
        try:
            path = self._fresh_checkpoint(worker)
            worker.channel.send(pickle.dumps((path, function, args)))
            self._relay(worker, write, deadline, abandoned)
        except (StoreError, SyntaxError) as error:
            if isinstance(error, QuerySyntaxError | _JobError):
                self._release(worker, client)  # the job failed, its worker is fine
            else:
                self._stop(worker, client)
            raise
        except BaseException:
            self._stop(worker, client)
            raise
        self._release(worker, client)

    def _relay(self, worker: _Worker, write: Callable[[bytes], object], deadline: float,
               abandoned: Callable[[], bool]) -> None:
        channel = worker.channel
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise QueryTimeout("the query ran past the server's query timeout and was "
                                   "stopped; simplify it or add a LIMIT")
            try:
                message = channel.receive(min(remaining, _POLL_SECONDS))
            except (EOFError, OSError):
                raise self._death(worker) from None
            if message is None:
                if abandoned():
                    raise _Abandoned
                continue
            tag = message[:1]
            if tag == b"D":
                write(message[1:])
            elif tag == b"E":
                if len(message) > 1:
                    write(message[1:])
                return
            elif tag == b"X":
                kind, text = pickle.loads(message[1:])
                if kind == "syntax":
                    raise _JobSyntaxError(text)
                if kind == "memory":
                    raise QueryOverBudget(self._over_budget())
                if kind == "io":
                    raise _JobIOError(text)
                raise _JobError(text)

    def _over_budget(self) -> str:
        return (f"the query needed more than {self.memory_bytes // 2**20} MiB, the server's "
                "memory budget for one query (TSR_QUERY_MEMORY_BYTES), and was stopped")

    def _death(self, worker: _Worker) -> StoreError:
        """The error for a worker that died while running a query."""
        try:
            code = worker.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        said = ""
        if worker.process.stderr is not None:
            with contextlib.suppress(OSError):
                os.set_blocking(worker.process.stderr.fileno(), False)
                said = (worker.process.stderr.read(65536) or b"").decode("utf-8", "replace")
        last = said.strip().splitlines()[-1] if said.strip() else ""
        _log.warning("query worker %s died (exit %s): %s", worker.process.pid, code,
                     last or "no message")
        if "overflow" in said and "stack" in said:
            return QueryTooDeep("the query nests too deeply for the engine (it overflowed "
                                "the worker's stack); write it with fewer nested levels")
        if "memory allocation" in said or "MemoryError" in said or "allocat" in said:
            return QueryOverBudget(self._over_budget())
        if code == -signal.SIGSEGV:
            return QueryTooDeep("the engine crashed on this query (SIGSEGV: most often a "
                                "stack overflow, the query nesting too deeply); write it with "
                                "fewer nested levels")
        how = f"signal {-code}" if code is not None and code < 0 else f"exit {code}"
        return QueryCrashed(f"the query's worker process died ({how}); the server goes on")

    # -- fair sharing ----------------------------------------------------------------------
    def _acquire(self, client: str, deadline: float, abandoned: Callable[[], bool]) -> _Worker:
        with self._condition:
            if self._broken is not None and not self._alive:
                raise QueryCrashed(self._broken)
            if (self._free and self._running[client] < self.per_client
                    and self._next_ticket() is None):
                # a free worker no waiting query may take (their clients hold their share)
                self._running[client] += 1
                return self._free.pop()
            if len(self._waiting) >= self.queue_limit:
                raise PoolBusy(f"{len(self._waiting)} queries wait already for the server's "
                               f"{self.size} query workers; try again in a few seconds")
            ticket = _Ticket(client, next(self._numbers))
            self._waiting.append(ticket)
        # A worker is handed to one waiting query at a time (`_hand_out`), which alone is
        # woken: waking every waiter at each release cost a point lookup a tenth more CPU
        # with 16 clients on 8 workers.
        while True:
            remaining = deadline - time.monotonic()
            if remaining > 0 and ticket.ready.wait(min(remaining, _POLL_SECONDS * 5)):
                assert ticket.worker is not None
                return ticket.worker
            with self._condition:
                if ticket.worker is not None:  # handed out meanwhile
                    return ticket.worker
                if remaining <= 0 or abandoned():
                    self._waiting.remove(ticket)
                    if remaining <= 0:
                        raise QueryTimeout(self._busy_message())
                    raise _Abandoned

    def _hand_out(self) -> None:
        """Give free workers to waiting queries, fairly (call with the lock held)."""
        while self._free:
            ticket = self._next_ticket()
            if ticket is None:
                return
            self._waiting.remove(ticket)
            self._running[ticket.client] += 1
            ticket.worker = self._free.pop()
            ticket.ready.set()

    def _busy_message(self) -> str:
        return (f"the server's {self.size} query workers stayed busy until the query "
                "timeout; try again later")

    def _next_ticket(self) -> _Ticket | None:
        """The waiting query to serve next: of the clients under their share, the one with
        the fewest queries running; the earliest of its queries."""
        best: _Ticket | None = None
        for ticket in self._waiting:
            running = self._running[ticket.client]
            if running >= self.per_client:
                continue
            if best is None or running < self._running[best.client]:
                best = ticket
        return best

    def _release(self, worker: _Worker, client: str) -> None:
        with self._condition:
            self._uncount(client)
            if worker in self._alive:
                self._free.append(worker)
            if self._waiting:
                self._hand_out()

    def _uncount(self, client: str) -> None:
        self._running[client] -= 1
        if self._running[client] <= 0:
            del self._running[client]

    def _stop(self, worker: _Worker, client: str) -> None:
        """Kill a worker that is mid-job (deadline, client gone, crash) and start another."""
        with contextlib.suppress(OSError):
            worker.process.send_signal(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.process.wait(timeout=5)
        self._close(worker)
        with self._condition:
            self._uncount(client)
            self._alive.discard(worker)
            self._hand_out()  # the client's share is free again
        if not self._closed:
            self._start_worker()
        self._tidy()

    def stats(self) -> PoolStats:
        with self._condition:
            return PoolStats(workers=self.size, ready=len(self._free),
                             busy=len(self._alive) - len(self._free),
                             queued=len(self._waiting), broken=self._broken,
                             clients=dict(self._running))

    # -- workers ---------------------------------------------------------------------------
    def _start_worker(self) -> None:
        """Start a worker in the background; it joins the free ones once it is ready."""
        self._spawns.put(None)

    def _spawner(self) -> None:
        """Every worker is started from this one thread, which lives as long as the pool:
        a worker asks the kernel to kill it when the thread that started it ends
        (PR_SET_PDEATHSIG is per thread), so that it dies with the server."""
        while self._spawns.get() is None and not self._closed:
            self._spawn()

    def _spawn(self) -> None:
        ours, theirs = socket.socketpair()
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "store.query_worker", str(theirs.fileno()),
                 str(self.memory_bytes)],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                env={**os.environ, "MALLOC_ARENA_MAX": "2"})
        except OSError as error:
            ours.close()
            theirs.close()
            self._give_up(f"cannot start a query worker: {error}")
            return
        theirs.close()
        with self._condition:
            self._starting.add(process)
        threading.Thread(target=self._welcome, args=(process, ours), daemon=True,
                         name="tsr-query-worker-ready").start()

    def _welcome(self, process: subprocess.Popen[bytes], ours: socket.socket) -> None:
        """Wait until a new worker is ready, then hand it out."""
        channel = Channel(ours)
        worker = _Worker(process, channel)
        ready = False
        with contextlib.suppress(EOFError, OSError):
            ready = channel.receive(_START_SECONDS) == b"R"
        with self._condition:
            self._starting.discard(process)
        if not ready and self._closed:  # killed by `close`
            process.wait()
            self._close(worker)
            return
        if not ready:
            with contextlib.suppress(OSError):
                process.kill()
            error = self._death(worker)
            self._close(worker)
            self._give_up(f"a query worker failed to start: {error} (is "
                          "TSR_QUERY_MEMORY_BYTES large enough?)")
            return
        with self._condition:
            closed = self._closed
            if not closed:
                self._alive.add(worker)
                self._free.append(worker)
                self._broken = None
                self._hand_out()
        if closed:
            with contextlib.suppress(OSError):
                process.kill()
            process.wait()
            self._close(worker)

    def _give_up(self, message: str) -> None:
        _log.error("%s", message)
        with self._condition:
            self._broken = message
            self._condition.notify_all()

    @staticmethod
    def _close(worker: _Worker) -> None:
        with contextlib.suppress(OSError):
            worker.channel.close()
        if worker.process.stderr is not None:
            with contextlib.suppress(OSError):
                worker.process.stderr.close()

    # -- checkpoints -----------------------------------------------------------------------
    def _fresh_checkpoint(self, worker: _Worker) -> str:
        """A checkpoint holding every write that has returned, noted as the one `worker`
        opens. While a write is under way the previous checkpoint still stands (it is
        consistent; the write is not done)."""
        with self._checkpoint_lock:
            writes = self._store.writes
            current = self._checkpoint
            if current is not None and (current[0] == writes or self._store.writing):
                worker.path = current[1]
                return current[1]
            path = str(self._directory / str(next(self._numbers)))
            try:
                self._store.oxigraph.backup(path)
            except OSError as error:
                raise StoreError(f"cannot make a checkpoint of the store for queries: "
                                 f"{error}") from None
            self._checkpoint = (writes, path)
            worker.path = path
        self._tidy()
        return path

    def _tidy(self) -> None:
        """Remove the checkpoints no worker has open."""
        with self._checkpoint_lock:
            with self._condition:
                kept = {worker.path for worker in self._alive}
            if self._checkpoint is not None:
                kept.add(self._checkpoint[1])
            for entry in self._directory.iterdir():
                if str(entry) not in kept:
                    shutil.rmtree(entry, ignore_errors=True)

    def close(self) -> None:
        with self._condition:
            self._closed = True
            workers = list(self._alive)
            starting = list(self._starting)
            self._alive.clear()
            self._free.clear()
            self._condition.notify_all()
        self._spawns.put(None)  # the spawner sees `_closed` and ends
        for process in starting:  # their _welcome waits for them
            with contextlib.suppress(OSError):
                process.kill()
        for worker in workers:
            with contextlib.suppress(OSError):
                worker.process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.process.wait(timeout=5)
            self._close(worker)
        shutil.rmtree(self._directory, ignore_errors=True)


class _JobError(StoreError):
    """The job raised an error in its worker (the worker is fine)."""


class _JobSyntaxError(QuerySyntaxError):
    """The query does not parse (reported by the worker)."""


class _JobIOError(_JobError, OSError):
    """An I/O error in the worker (pyoxigraph reports a failed SERVICE call this way)."""


def isolated_query(pool: QueryPool, sparql: str, bindings: Any, default_graph: Any,
                   named_graphs: Any, timeout: float) -> Any:
    """`EmbeddedStore.query` on a worker: the result read whole, parsed back into the
    same pyoxigraph objects (QuerySolutions, QueryBoolean, or a list of triples)."""
    from pyoxigraph import QueryResultsFormat, RdfFormat, parse, parse_query_results
    chunks: list[bytes] = []
    try:
        pool.run("store.query_worker:write_results",
                 (sparql, dict(bindings) if bindings else None, default_graph, named_graphs),
                 chunks.append, deadline=time.monotonic() + timeout,
                 client=QUERY_CLIENT.get())
    except _JobSyntaxError as error:
        raise QuerySyntaxError(str(error)) from None
    body = b"".join(chunks)
    kind, text = body[:1], body[1:]
    if kind == b"B":
        return text == b"true"
    if kind == b"S":
        return parse_query_results(text, QueryResultsFormat.JSON)
    return [quad.triple for quad in parse(text, RdfFormat.N_TRIPLES)]


def isolate(store: Any, settings: Any) -> QueryPool | None:
    """Give an on-disk embedded store its pool of query workers, as the settings ask
    (`query_isolation`, `query_workers`, ...); None for other stores or when turned off."""
    if not settings.query_isolation or store.kind != "embedded" or store.location == "memory":
        return None
    workers = settings.query_workers or min(16, 4 * (os.cpu_count() or 1))
    pool = QueryPool(store, workers=workers, memory_bytes=settings.query_memory_bytes,
                     queue=settings.query_queue,
                     per_client=settings.client_queries or max(1, workers - 1))
    store.pool = pool
    return pool
