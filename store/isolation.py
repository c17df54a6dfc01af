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
* **Read-only checkpoints.** Workers open a checkpoint of the store, never the live one
  (store/checkpoints.py): a query sees every write that returned before it started.
* **Fair sharing.** At most `per_client` queries of one client (its token or address)
  hold workers at once; the others wait in a queue of at most `queue` entries, served
  client by client (the waiting client with the fewest queries running goes first).
  A full queue is refused at once (`PoolBusy`); a wait past the deadline is a timeout.
* **A light lane.** Light queries must not wait behind heavy ones (64 clients with 5%
  runaway queries among them held every worker: a point lookup waited up to 4 s). So
  `light_workers` of the workers only take queries of a *shape* known to be light: the
  query text with its IRIs, strings and numbers blanked (`query_shape`), learned from
  runs: a shape whose run used at most `LIGHT_CPU_SECONDS` of the worker's CPU is light,
  one that did not (or was stopped) is heavy for good. Unknown shapes, and every heavy
  one, take the other workers, which run at a lower CPU priority (`GENERAL_NICE`): a
  runaway query on them gives its cores to light queries and to the server itself. The
  light lane runs below the server too (`LIGHT_NICE`): the server's event loop answers
  single-pattern lookups and the curated routes itself.
  Light queries may take any free worker, and are served first. A query of a light
  shape that has used more than `LIGHT_LANE_CPU_SECONDS` (a constant that made one
  cheap, say a pathological regex) leaves the lane: its worker is counted as an ordinary one (and
  lowered in priority), its shape is heavy from then on, and a new light worker starts;
  the extra ordinary worker retires when it comes free. Per client, light queries and
  the others are counted apart.

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
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .base import (
    QueryRefused,
    QueryStopped,
    QuerySyntaxError,
    QueryTimeout,
    StoreError,
    UnwritableAnswer,
)
from .checkpoints import Checkpointable, Checkpoints
from .scheduling import SERVER_CORE, ServerCore, run_below_server
from .worker_channel import Channel

_START_SECONDS = 60.0  # a worker that is not ready by then is reported broken
_POLL_SECONDS = 0.1  # how often a waiting relay looks at its deadline and its client
# A query shape is light when one run used at most this much of its worker's CPU (a point
# lookup uses 0.2-1 ms at a million triples, a page of a named query a few ms)
LIGHT_CPU_SECONDS = 0.05
# A query in the light lane that has used more CPU than this leaves it (see the module's
# text); its worker's CPU is read once it has run LIGHT_SECONDS (CPU, not wall time: on a
# busy machine a cheap query may wait long for a core, and must not be taken for heavy)
LIGHT_LANE_CPU_SECONDS = 0.5
LIGHT_SECONDS = 0.25
# Niceness of the workers that run queries of unknown or heavy shapes, and of the light
# lane's: every worker runs below the server itself, so that no query in a worker (a light-
# shaped one that runs away included, until it leaves the lane) takes a core from the
# server's event loop, which answers the single-pattern lookups and the curated routes
# (and the server asks for short time slices to get a core at once: store/scheduling.py)
LIGHT_NICE = 5
GENERAL_NICE = 10
# The default number of workers per core. Each worker is a process with its own engine
# caches: the more of them run heavy queries at once on the same cores, the dearer each
# query. In the analytical mix of bench/api.py (1M triples, 2 cores), 8 workers cost 1.14x
# `oxigraph serve`'s CPU per query and answered 0.86x its rate; 4 workers 0.91-1.02x the
# CPU and 0.99-1.11x the rate
WORKERS_PER_CORE = 2
_SHAPES = 4096  # query shapes remembered (each at most _SHAPE_CHARACTERS long)
_SHAPE_CHARACTERS = 4000
_CPU = struct.Struct("!dd")  # a job's CPU seconds, the worker's own since it started
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# what `query_shape` blanks: IRIs, strings (with their escapes) and numbers
_CONSTANTS = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>|"(?:[^"\\\n\r]|\\.)*"'
                        r"|'(?:[^'\\\n\r]|\\.)*'|(?<![\w?$])\d+(?:\.\d*)?(?:[eE][+-]?\d+)?")
_log = logging.getLogger("tsr.queries")
# Who asks for the queries `EmbeddedStore.query(timeout=...)` runs (its share of the workers)
QUERY_CLIENT: contextvars.ContextVar[str] = contextvars.ContextVar("query_client", default="")


class PoolBusy(QueryStopped):
    """Too many queries wait already (HTTP 503 with Retry-After)."""


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
    light: bool = False  # of the light lane (see the module's text)
    path: str | None = None  # the checkpoint it has open
    cpu: float = 0.0  # its CPU seconds when it last finished a job (or became ready)


@dataclass(eq=False)
class _Ticket:
    """A query waiting for a worker; `ready` is set once `worker` is its own."""

    client: str
    number: int
    light: bool = False  # a query of a light shape
    ready: threading.Event = field(default_factory=threading.Event)
    worker: _Worker | None = None


@dataclass(eq=False)
class _Job:
    """One query's claim on the pool: whose it is, and in which count (light or not)."""

    client: str
    light: bool
    shape: str | None


@dataclass
class PoolStats:
    workers: int
    ready: int  # started and not running a query
    busy: int
    queued: int
    broken: str | None = None
    clients: dict[str, int] = field(default_factory=dict)
    light_workers: int = 0  # of `workers`, those kept for light queries


def query_shape(text: str) -> str | None:
    """The query with its IRIs, strings and numbers blanked: point lookups of different
    resources share a shape, and so does every page of a named query. None for a text too
    long to remember (it is never taken for light).

    >>> query_shape('SELECT ?o { <http://x/1> ?p ?o FILTER(?o != "a") } LIMIT 50')
    'SELECT ?o { <> ?p ?o FILTER(?o != "") } LIMIT 0'
    """
    if len(text) > _SHAPE_CHARACTERS:
        return None
    return _CONSTANTS.sub(_blank, text)


def _blank(match: re.Match[str]) -> str:
    first = match.group()[0]
    return "<>" if first == "<" else '""' if first in "\"'" else "0"


class _Shapes:
    """What runs taught the pool about query shapes: light, or heavy for good."""

    def __init__(self) -> None:
        self._known: OrderedDict[str, bool] = OrderedDict()
        self._lock = threading.Lock()

    def light(self, shape: str | None) -> bool:
        if shape is None:
            return False
        with self._lock:
            return self._known.get(shape, False)

    def note(self, shape: str | None, light: bool) -> None:
        if shape is None:
            return
        with self._lock:
            if self._known.get(shape, True):  # unknown or light: heavy once is heavy for good
                self._known[shape] = light
            self._known.move_to_end(shape)
            while len(self._known) > _SHAPES:
                self._known.popitem(last=False)


class QueryPool:
    """Worker processes running jobs over checkpoints of one on-disk embedded store.

    A job is a function named "module:function" that the worker imports and calls with
    (read-only EmbeddedStore, *args, output); what it writes to `output` reaches the
    caller's `write` as bytes. Without a store (`store=None`) the workers open none and
    a job gets None in its place: CPU-bound work on the client's text alone (the parse of
    api/sparql/calls.py) gets the same deadline, kill, fair sharing and queue bound.
    `preload`: a "module:function" each worker calls before it is ready (imports, caches).
    """

    def __init__(self, store: Checkpointable | None, *, workers: int, memory_bytes: int,
                 queue: int, per_client: int, light_workers: int = 0,
                 preload: str | None = None, server_core: ServerCore = SERVER_CORE) -> None:
        if store is not None and store.location == "memory":
            raise StoreError("query isolation needs an on-disk store")
        self._store = store
        self.size = workers
        self.light_size = max(0, min(light_workers, workers - 1))
        self.memory_bytes = memory_bytes
        self.queue_limit = queue
        self.per_client = max(1, per_client)
        self._preload = [preload] if preload else []  # what a worker calls as it starts
        self._checkpoints: Checkpoints | _NoCheckpoints = (
            _NoCheckpoints() if store is None else Checkpoints(store, self._open_paths))
        self._numbers = itertools.count(1)
        self._condition = threading.Condition()
        self._free: dict[bool, list[_Worker]] = {True: [], False: []}  # by lane (light?)
        self._starting: set[subprocess.Popen[bytes]] = set()
        self._coming: Counter[bool] = Counter()  # workers asked for and not yet ready, by lane
        self._alive: set[_Worker] = set()
        self._running: dict[bool, Counter[str]] = {True: Counter(), False: Counter()}
        self._waiting: dict[bool, list[_Ticket]] = {True: [], False: []}
        self._shapes = _Shapes()
        self._broken: str | None = None
        self._closed = False
        with contextlib.suppress(StoreError):  # else made at the first query
            self._checkpoints.fresh(None)
        # the ordinary workers keep off the server's core while it answers requests itself
        self._server_core = server_core
        server_core.watch(self._ordinary_pids)
        self._spawns: queues.SimpleQueue[bool] = queues.SimpleQueue()
        threading.Thread(target=self._spawner, name="tsr-query-worker-start",
                         daemon=True).start()
        self._top_up()

    @property
    def capacity(self) -> int:
        """Queries that may be in the pool at once: running (an ordinary worker may be left
        over from a demotion) and waiting in either lane's queue."""
        return self.size + 1 + 2 * self.queue_limit

    def answering(self) -> None:
        """The server answers a request itself (store/scheduling.py: ServerCore)."""
        self._server_core.answering()

    # -- running a job ---------------------------------------------------------------------
    def run(self, function: str, args: tuple[Any, ...], write: Callable[[bytes], object], *,
            deadline: float, client: str = "",
            abandoned: Callable[[], bool] = lambda: False, query: str | None = None) -> None:
        """Run a job on a worker, relaying its output to `write`, within `deadline`
        (time.monotonic()). Raises the job's own error as StoreError / QuerySyntaxError,
        or one of this module's errors; an exception from `write` stops the worker and
        is raised again. `query`: the SPARQL text the job runs, whose shape decides its
        lane (none: an ordinary worker)."""
        shape = query_shape(query) if query is not None and self.light_size else None
        job = _Job(client, self._shapes.light(shape), shape)
        worker = self._acquire(job, deadline, abandoned)
        if deadline - time.monotonic() < _POLL_SECONDS:
            # a worker came free too late to be of use: keep it, it did nothing
            self._release(worker, job)
            raise QueryTimeout(self._busy_message())
        try:
            path = self._checkpoints.fresh(worker)
            worker.channel.send(pickle.dumps((path, function, args)))
            cpu = self._relay(worker, job, write, deadline, abandoned)
        except (StoreError, SyntaxError) as error:
            if isinstance(error, QuerySyntaxError | _JobError):
                self._release(worker, job)  # the job failed, its worker is fine
            else:
                self._shapes.note(shape, False)
                self._stop(worker, job)
            raise
        except BaseException:
            self._stop(worker, job)
            raise
        self._shapes.note(shape, cpu <= LIGHT_CPU_SECONDS)
        self._release(worker, job)

    def _relay(self, worker: _Worker, job: _Job, write: Callable[[bytes], object],
               deadline: float, abandoned: Callable[[], bool]) -> float:
        """Relay the job's output; the CPU seconds the worker spent on it."""
        channel = worker.channel
        look_at = time.monotonic() + LIGHT_SECONDS  # when a light job's CPU is read
        while True:
            now = time.monotonic()
            remaining = deadline - now
            if remaining <= 0:
                raise QueryTimeout("the query ran past the server's query timeout and was "
                                   "stopped; simplify it or add a LIMIT")
            if job.light and now > look_at and (
                    _process_cpu(worker.process.pid) - worker.cpu > LIGHT_LANE_CPU_SECONDS):
                self._demote(worker, job)
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
                if len(message) > 1 + _CPU.size:
                    write(message[1 + _CPU.size:])
                cpu, worker.cpu = _CPU.unpack_from(message, 1)
                return float(cpu)
            elif tag == b"X":
                kind, text = pickle.loads(message[1:])
                if kind == "syntax":
                    raise _JobSyntaxError(text)
                if kind == "memory":
                    raise QueryOverBudget(self._over_budget())
                if kind == "io":
                    raise _JobIOError(text)
                if kind == "refused":
                    raise QueryRefused(text)
                if kind == "unwritable":
                    raise UnwritableAnswer(text)
                raise _JobError(text)

    def _demote(self, worker: _Worker, job: _Job) -> None:
        """A query of a light shape ran too long: it and its worker leave the light lane
        (the worker goes on with it at the ordinary workers' priority); its shape is heavy
        from now on, and another light worker starts."""
        self._shapes.note(job.shape, False)
        with self._condition:
            self._uncount(job)
            job.light = False
            self._running[False][job.client] += 1
            was_light, worker.light = worker.light, False
        if was_light:
            run_below_server(worker.process.pid, GENERAL_NICE)
            self._server_core.place(worker.process.pid)
            self._top_up()

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
    def _acquire(self, job: _Job, deadline: float, abandoned: Callable[[], bool]) -> _Worker:
        light, client = job.light, job.client
        with self._condition:
            if self._broken is not None and not self._alive:
                raise QueryCrashed(self._broken)
            if self._running[light][client] < self.per_client and self._next_ticket(True) is None:
                # a free worker no waiting query may take (their clients hold their share)
                if light and self._free[True]:
                    self._running[True][client] += 1
                    return self._free[True].pop()
                if self._free[False] and (light or self._next_ticket(False) is None):
                    self._running[light][client] += 1
                    return self._free[False].pop()
            waiting = self._waiting[light]
            if len(waiting) >= self.queue_limit:
                raise PoolBusy(f"{len(waiting)} queries wait already for the server's "
                               f"{self.size} query workers; try again in a few seconds")
            ticket = _Ticket(client, next(self._numbers), light)
            waiting.append(ticket)
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
                    waiting.remove(ticket)
                    if remaining <= 0:
                        raise QueryTimeout(self._busy_message())
                    raise _Abandoned

    def _hand_out(self) -> None:
        """Give free workers to waiting queries, fairly (call with the lock held): light
        workers to light queries only, ordinary ones to light queries first."""
        while True:
            ticket, lane = self._next_ticket(True), True
            if ticket is None or not self._free[True]:
                ticket, lane = ticket or self._next_ticket(False), False
                if ticket is None or not self._free[False]:
                    return
            self._waiting[ticket.light].remove(ticket)
            self._running[ticket.light][ticket.client] += 1
            ticket.worker = self._free[lane].pop()
            ticket.ready.set()

    def _busy_message(self) -> str:
        return (f"the server's {self.size} query workers stayed busy until the query "
                "timeout; try again later")

    def _next_ticket(self, light: bool) -> _Ticket | None:
        """The waiting query of a lane to serve next: of the clients under their share, the
        one with the fewest queries running; the earliest of its queries."""
        running = self._running[light]
        best: _Ticket | None = None
        for ticket in self._waiting[light]:
            count = running[ticket.client]
            if count >= self.per_client:
                continue
            if best is None or count < running[best.client]:
                best = ticket
        return best

    def _release(self, worker: _Worker, job: _Job) -> None:
        with self._condition:
            self._uncount(job)
            retire = (worker in self._alive and not worker.light
                      and self._lane_count(False) > self.size - self.light_size)
            if retire:  # left over from a demotion
                self._alive.discard(worker)
            elif worker in self._alive:
                self._free[worker.light].append(worker)
            self._hand_out()
        if retire:
            self._end(worker)
            self._checkpoints.tidy()

    def _uncount(self, job: _Job) -> None:
        running = self._running[job.light]
        running[job.client] -= 1
        if running[job.client] <= 0:
            del running[job.client]

    def _stop(self, worker: _Worker, job: _Job) -> None:
        """Kill a worker that is mid-job (deadline, client gone, crash) and start another."""
        self._end(worker)
        with self._condition:
            self._uncount(job)
            self._alive.discard(worker)
            self._hand_out()  # the client's share is free again
        self._top_up()
        self._checkpoints.tidy()

    def stats(self) -> PoolStats:
        with self._condition:
            ready = len(self._free[True]) + len(self._free[False])
            clients = self._running[False] + self._running[True]
            return PoolStats(workers=self.size, ready=ready, busy=len(self._alive) - ready,
                             queued=len(self._waiting[True]) + len(self._waiting[False]),
                             broken=self._broken, clients=dict(clients),
                             light_workers=self.light_size)

    # -- workers ---------------------------------------------------------------------------
    def _lane_count(self, light: bool) -> int:
        """Workers of a lane, alive or on their way (call with the lock held)."""
        return sum(1 for worker in self._alive if worker.light == light) + self._coming[light]

    def _ordinary_pids(self) -> list[int]:
        """The processes of the ordinary workers (not of the light lane)."""
        with self._condition:
            return [worker.process.pid for worker in self._alive if not worker.light]

    def _top_up(self) -> None:
        """Start the workers each lane lacks (in the background: they join the free ones
        once ready)."""
        with self._condition:
            if self._closed:
                return
            wanted = {True: self.light_size, False: self.size - self.light_size}
            missing = [light for light in (True, False)
                       for _ in range(wanted[light] - self._lane_count(light))]
            for light in missing:
                self._coming[light] += 1
        for light in missing:
            self._spawns.put(light)

    def _spawner(self) -> None:
        """Every worker is started from this one thread, which lives as long as the pool:
        a worker asks the kernel to kill it when the thread that started it ends
        (PR_SET_PDEATHSIG is per thread), so that it dies with the server."""
        while True:
            light = self._spawns.get()
            if self._closed:
                return
            self._spawn(light)

    def _spawn(self, light: bool) -> None:
        ours, theirs = socket.socketpair()
        try:
            # -P: `-m` would put the working directory first on sys.path, and a server
            # started in a folder holding a `store/` (its store, say) had workers import
            # that folder as the package: every query failed
            process = subprocess.Popen(
                [sys.executable, "-P", "-m", "store.query_worker", str(theirs.fileno()),
                 str(self.memory_bytes), *self._preload],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                env={**os.environ, "MALLOC_ARENA_MAX": "2"})
        except OSError as error:
            ours.close()
            theirs.close()
            with self._condition:
                self._coming[light] -= 1
            self._give_up(f"cannot start a query worker: {error}")
            return
        theirs.close()
        run_below_server(process.pid, LIGHT_NICE if light else GENERAL_NICE)
        if not light:
            self._server_core.place(process.pid)
        with self._condition:
            self._starting.add(process)
        threading.Thread(target=self._welcome, args=(process, ours, light), daemon=True,
                         name="tsr-query-worker-ready").start()

    def _welcome(self, process: subprocess.Popen[bytes], ours: socket.socket,
                 light: bool) -> None:
        """Wait until a new worker is ready, then hand it out."""
        channel = Channel(ours)
        worker = _Worker(process, channel, light)
        ready = False
        with contextlib.suppress(EOFError, OSError):
            said = channel.receive(_START_SECONDS) or b""
            ready = said[:1] == b"R"
            if ready:
                worker.cpu = _CPU.unpack_from(said, 1)[1]
        with self._condition:
            self._starting.discard(process)
            self._coming[light] -= 1
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
                self._free[light].append(worker)
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

    @classmethod
    def _end(cls, worker: _Worker) -> None:
        """Kill a worker's process (SIGKILL), reap it (five seconds at most), close its pipes."""
        with contextlib.suppress(OSError):
            worker.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.process.wait(timeout=5)
        cls._close(worker)

    @staticmethod
    def _close(worker: _Worker) -> None:
        with contextlib.suppress(OSError):
            worker.channel.close()
        if worker.process.stderr is not None:
            with contextlib.suppress(OSError):
                worker.process.stderr.close()

    # -- checkpoints (store/checkpoints.py) ------------------------------------------------
    def _open_paths(self) -> set[str | None]:
        with self._condition:
            return {worker.path for worker in self._alive}

    def refresh_soon(self) -> None:
        """After a write: a checkpoint a second later, for the commands that read beside
        the server (store/checkpoints.py)."""
        if not self._closed:
            self._checkpoints.refresh_soon()

    def renew_checkpoint(self) -> None:
        """Make and publish now a checkpoint holding every write that has returned (kept if
        it holds them already). Raises StoreError if it cannot be made."""
        self._checkpoints.fresh(None)

    def close(self) -> None:
        with self._condition:
            self._closed = True
            workers = list(self._alive)
            starting = list(self._starting)
            self._alive.clear()
            self._free = {True: [], False: []}
            self._condition.notify_all()
        self._server_core.forget(self._ordinary_pids)
        self._spawns.put(False)  # the spawner sees `_closed` and ends
        for process in starting:  # their _welcome waits for them
            with contextlib.suppress(OSError):
                process.kill()
        for worker in workers:
            self._end(worker)
        self._checkpoints.close()


class _NoCheckpoints:
    """The checkpoints of a pool without a store: none (its workers open nothing)."""

    @staticmethod
    def fresh(holder: Any) -> None:
        del holder

    def refresh_soon(self) -> None:
        pass

    def tidy(self) -> None:
        pass

    def close(self) -> None:
        pass


def _process_cpu(pid: int) -> float:
    """CPU seconds a process has used (user and system), as the kernel counts them."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rpartition(b")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS




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
                 client=QUERY_CLIENT.get(), query=sparql)
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
    workers = settings.query_workers or min(16, WORKERS_PER_CORE * (os.cpu_count() or 1))
    pool = QueryPool(store, workers=workers, memory_bytes=settings.query_memory_bytes,
                     queue=settings.query_queue,
                     per_client=settings.client_queries or max(1, workers - 1),
                     light_workers=max(1, workers // 4) if workers > 1 else 0)
    store.pool = pool
    return pool
