"""CPU scheduling of the server and of its query workers.

The server answers light queries on its event loop while heavy ones run in worker
processes at a higher niceness (store/isolation.py). Niceness sets a task's share of a
core, not how soon it gets one: since Linux 6.6 (EEVDF) a task that wakes waits, however
nice the running task is, until that task has used its time slice (about 1.4 ms on two
cores; and the kernel only looks again at a tick, 4 ms with HZ=250). With runaway queries
on both cores, every light query paid that wait. A task that asks for a shorter slice than
the running one's takes the core at once when it wakes (Linux 6.12 and later): so the
server asks for a short slice, `SHORT_SLICE_NS`.

Its workers inherit that slice and keep it. A runaway worker then holds a core for 0.1 ms
before any task that wakes may take it: not only the server, but the clients, the
campaign's probe, anything else on the machine. Given the default slice back (as they
were at first), the workers kept every other process waiting up to a tick: in three
alternating pairs of the campaign's paced mixed load on a busy machine, the probe's light
p99 was 25.6, 13.2 and 10.1 ms with short slices against 36.3, 18.5 and 32.8 ms, and the
64 clients' 30.6, 11.7, 12.4 against 43.3, 19.0, 53.0 ms. A short slice changes when a task
runs, not its share of the CPU: workers that only compete with each other still switch at
a tick or an event, as before.

Python's `os` module has no `sched_setattr(2)`, the one call that sets a slice: it is made
through ctypes. Where it is missing or refused (another system, an older kernel) only the
niceness is set, with `os.setpriority`.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import platform
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable

# short enough that the event loop preempts a worker as soon as it wakes; the kernel's
# floor is 0.1 ms
SHORT_SLICE_NS = 100_000
# `struct sched_attr` of sched_setattr(2), first version (56 bytes): size, policy, flags,
# nice, priority, runtime (the slice asked for: 0 for the default), deadline, period,
# utilisation clamps
_ATTR = struct.Struct("=IIQiIQQQII")
_SCHED_OTHER = 0
# the call's number on Linux (another system's numbers mean other calls)
_SYSCALL = ({"x86_64": 314, "aarch64": 274}.get(platform.machine())
            if sys.platform == "linux" else None)


@functools.cache
def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def _set_attributes(pid: int, nice: int, slice_ns: int) -> bool:
    """sched_setattr(2) for `pid` (0: the calling thread): the ordinary policy with
    `nice` and `slice_ns` (0: the kernel's default slice). Whether the kernel took it."""
    libc = _libc() if _SYSCALL is not None else None
    if libc is None:
        return False
    attributes = ctypes.create_string_buffer(
        _ATTR.pack(_ATTR.size, _SCHED_OTHER, 0, nice, 0, slice_ns, 0, 0, 0, 0))
    return int(libc.syscall(_SYSCALL, pid, attributes, 0)) == 0


def serve_with_short_slices() -> None:
    """Ask for short time slices for the calling thread, and so for the threads and
    processes it starts from now on: call it before the server starts its threads."""
    _set_attributes(0, os.getpriority(os.PRIO_PROCESS, 0), SHORT_SLICE_NS)


def run_below_server(pid: int, nice: int) -> None:
    """Run a worker process `nice` above the server's own niceness (a server started under
    `nice` keeps the order), with a short time slice (the server's, which it inherited;
    setting the niceness through sched_setattr sets the slice too)."""
    niceness = min(19, os.getpriority(os.PRIO_PROCESS, 0) + nice)
    with contextlib.suppress(OSError):  # a worker that just died: nothing to lower
        if not _set_attributes(pid, niceness, SHORT_SLICE_NS):
            os.setpriority(os.PRIO_PROCESS, pid, niceness)


# seconds the server's core stays kept after the last request the server answered itself
SERVER_CORE_HOLD = 1.0
_KEEP_TURN = 0.25  # seconds between two looks of `ServerCore` at its processes


class ServerCore:
    """Keeps one core for the server while it answers requests itself.

    The server answers point lookups on its event loop (api/routes/sparql.py). With
    runaway queries in the workers on both cores, niceness and short slices give the
    server its share and a core as soon as it wakes, yet its light answers were still
    x2.1-2.8 slower than on an idle server (bench/hostile.py g); neither its share of the
    CPU, the interpreter lock, the load generator nor memory pressure explained it
    (bench/HISTORY.md), sharing the cores themselves with the runaways did. So while the
    server answers requests itself (`answering`, at most `hold` seconds ago), the workers
    run on every core but the first. Always kept off that core, heavy queries that are not
    runaways lose half their CPU (the analytical mix of bench/api.py fell from 0.90x to
    0.41x `oxigraph serve`'s rate), so the rest of the time they have every core the
    server has. With one core there is nothing to keep. (The event loop's thread kept on
    the first core alone as well did no better in an alternating pair of runs.)

    Pools `watch` it with a function listing the processes to move (their workers of
    heavy or unknown queries) and `place` each such process as it starts.
    """

    def __init__(self, hold: float = SERVER_CORE_HOLD) -> None:
        self._hold = hold
        # (a system without CPU affinity calls: one core as far as this is concerned)
        cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        self._every = set(cores)
        self._back = set(cores[1:])  # the workers' while the first is kept
        self._until = 0.0
        self._kept = False
        self._watched: list[Callable[[], Iterable[int]]] = []
        self._change = threading.Condition()  # guards the state above
        self._thread: threading.Thread | None = None

    def watch(self, processes: Callable[[], Iterable[int]]) -> None:
        """Move the processes `processes()` lists (called without this object's lock)."""
        with self._change:
            self._watched.append(processes)
            if self._thread is None and self._back:
                self._thread = threading.Thread(target=self._keep, name="tsr-server-core",
                                                daemon=True)
                self._thread.start()

    def forget(self, processes: Callable[[], Iterable[int]]) -> None:
        with self._change:
            self._watched.remove(processes)

    def answering(self) -> None:
        """The server answers a request itself: keep its core for `hold` seconds from now.
        Called for every such request: a clock read and a flag while the core is kept."""
        self._until = time.monotonic() + self._hold
        if not self._kept and self._back:
            with self._change:
                self._kept = True
                self._change.notify()

    def place(self, pid: int) -> None:
        """Give a process that starts the cores it may run on now."""
        with self._change:
            _set_cores(pid, self._back if self._kept else self._every)

    def _keep(self) -> None:
        while True:
            with self._change:
                while not self._kept:
                    self._change.wait()
                left = self._until - time.monotonic()
                kept = self._kept = left > 0
                watched = list(self._watched)
            # outside the lock, which `answering` takes on the event loop: the pools list
            # their processes under their own locks. Again at every turn while the core is
            # kept: a process started or placed meanwhile is moved too
            for processes in watched:
                for pid in processes():
                    _set_cores(pid, self._back if kept else self._every)
            if kept:
                with self._change:
                    self._change.wait(min(left, _KEEP_TURN))


def _set_cores(pid: int, cores: set[int]) -> None:
    with contextlib.suppress(OSError):  # a process that just ended: nothing to move
        os.sched_setaffinity(pid, cores)


# the server's: every pool of query workers in this process keeps off the same core
SERVER_CORE = ServerCore()
