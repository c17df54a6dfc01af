"""One query worker process: `python -m store.query_worker FD MEMORY_BYTES [PRELOAD]`.

It runs jobs sent by the server's pool (store/isolation.py) over the socket `FD` and writes
their output back as bytes. It opens read-only checkpoints of the store (never the live
store, which the server writes), under an address-space limit of MEMORY_BYTES, and dies
with its parent. A job that runs past its deadline or over its budget, or that crashes the
engine, takes this process with it, never the server: the pool starts another one.

PRELOAD, a "module:function", is called before the worker says it is ready (a pool's jobs
then find their imports done and caches filled, in a worker started in the background).

Messages to the worker: a pickled `(checkpoint path, "module:function", args)` (path None:
no store, the job gets None). Messages back: b"R" + two doubles (ready), b"D" + bytes
(output), b"E" + two network-order doubles (the CPU seconds of the job, and of this
process so far) + the last bytes (done), b"X" + pickled (error kind, message).
"""

from __future__ import annotations

import ctypes
import importlib
import pickle
import resource
import signal
import socket
import struct
import sys
import time
from collections.abc import Callable
from typing import IO, Any, cast

from .chunked_output import ChunkedOutput
from .worker_channel import Channel

_PR_SET_PDEATHSIG = 1
_CPU = struct.Struct("!dd")  # a job's CPU seconds, this process's own since it started


class Output(ChunkedOutput):
    """The job's output file: writes gathered into chunks sent to the pool, each after the
    kind letter of an output message."""

    def __init__(self, channel: Channel) -> None:
        super().__init__(bytearray(b"D"))
        self._channel = channel

    def _send_buffered(self) -> None:
        if len(self._buffer) > 1:
            self._channel.send(self._buffer)
            del self._buffer[1:]

    def finish(self, cpu_seconds: float) -> None:
        """The last bytes travel with the end mark and the CPU time the job took (the pool
        learns from it which query shapes are light): a small result is one message."""
        self._buffer[:1] = b"E" + _CPU.pack(cpu_seconds, time.process_time())
        self._channel.send(self._buffer)


def write_results(store: Any, sparql: str, bindings: Any, default_graph: Any,
                  named_graphs: Any, output: Output) -> None:
    """The job behind `EmbeddedStore.query(timeout=...)`: the result as one kind letter
    (S: solutions in SPARQL JSON, B: boolean, G: triples in N-Triples), then its text."""
    from pyoxigraph import QueryBoolean, QueryResultsFormat, RdfFormat, serialize

    from .lazy_results import is_solutions
    result = store.query(sparql, bindings, default_graph=default_graph,
                         named_graphs=named_graphs)
    if isinstance(result, QueryBoolean):
        output.write(b"Btrue" if result else b"Bfalse")
    elif is_solutions(result):
        output.write(b"S")
        result.serialize(cast(IO[bytes], output), QueryResultsFormat.JSON)
    else:
        output.write(b"G")
        serialize(result, cast(IO[bytes], output), RdfFormat.N_TRIPLES)


def _die_with_parent() -> None:
    """SIGKILL this process when the server goes, whatever it is doing (Linux)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def _limit_memory(budget: int) -> None:
    if budget > 0:
        resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
    # an engine abort must not write a core file of the budget's size
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _error_kind(error: BaseException) -> str:
    """What the server makes of the error (store/isolation.py raises it again by kind)."""
    from .base import QueryRefused, QuerySyntaxError, StoreError, UnwritableAnswer
    if isinstance(error, QuerySyntaxError | SyntaxError):
        return "syntax"
    if isinstance(error, MemoryError):
        return "memory"
    if isinstance(error, UnwritableAnswer):
        return "unwritable"
    # pyoxigraph's refusals of a well-formed query as it evaluates it (an unbound SERVICE
    # variable...), raised while the results are read
    if isinstance(error, QueryRefused | RuntimeError):
        return "refused"
    if isinstance(error, OSError):
        return "io"
    if isinstance(error, StoreError):
        return "store"
    return "other"


def serve(channel: Channel) -> None:
    from .base import first_line
    from .embedded import EmbeddedStore
    channel.send(b"R" + _CPU.pack(0.0, time.process_time()))  # ready: imports done, limits set
    opened: tuple[str, EmbeddedStore] | None = None
    functions: dict[str, Callable[..., None]] = {}
    while True:
        try:
            path, name, args = pickle.loads(channel.receive() or b"")
        except EOFError:
            return
        try:
            if path is None:  # a pool without a store (store/isolation.py)
                opened = None
            elif opened is None or opened[0] != path:
                opened = None  # the previous checkpoint is closed before the next opens
                opened = (path, EmbeddedStore.read_only(path))
            function = functions.get(name)
            if function is None:
                module, _, attribute = name.partition(":")
                function = functions[name] = getattr(importlib.import_module(module), attribute)
            output = Output(channel)
            started = time.process_time()
            function(None if opened is None else opened[1], *args, output)
            output.finish(time.process_time() - started)
        except Exception as error:  # reported to the request, the worker goes on
            message = first_line(error)
            channel.send(b"X" + pickle.dumps((_error_kind(error), message)))


def main(argv: list[str]) -> None:
    _die_with_parent()
    descriptor, budget = int(argv[1]), int(argv[2])
    _limit_memory(budget)
    if len(argv) > 3:  # "module:function" to call before the worker says it is ready
        module, _, attribute = argv[3].partition(":")
        getattr(importlib.import_module(module), attribute)()
    serve(Channel(socket.socket(fileno=descriptor)))


if __name__ == "__main__":
    main(sys.argv)
