"""The parse behind the SERVICE / LOAD check (api/sparql/calls.py), in worker processes.

rdflib's grammar is pyparsing, pure Python: it holds the interpreter lock while it parses.
In a thread of the server, an 8 KB query of dense expressions that mentions SERVICE (an
IN list of 4,000 numbers) took 5.7 s of the server process's CPU, outside the query's
deadline, and the event loop got the lock only between the parser's switch intervals: with
four such queries at once a point lookup on /sparql waited 0.8 s (bench/hostile.py d).

So the parse runs in worker processes of the query workers' machinery (store/isolation.py)
that open no store: past the query timeout a parse is killed and its worker replaced; at
most `PARSE_WORKERS` parse at once, at a lower CPU priority than the server, one per client
while others wait; `PARSE_QUEUE` more may wait, beyond that the answer is 503 with
Retry-After. The decision still rests on the real parse, in the worker: only its result
(the calls, or the one-line reason it could not read them) comes back.

One pool serves the whole process (every app in it): made at the first text that needs a
parse (which waits for a worker to start: 0.7 s, 1.6-3.5 s on a loaded machine; not at
the server's start, where every test server would pay it), its workers die with the
process. A worker imports rdflib, copies the grammar and parses a sample query and update
before it is ready (`load_grammar`), so a replaced worker costs the next parse nothing: a
shipped federated query (2.3 KB) then takes 60-130 ms as in the server, `ASK {} # service`
1-2 ms.
"""

from __future__ import annotations

import threading
import time

from store.base import QueryTimeout
from store.isolation import PoolBusy, QueryPool

from .calls import PARSE_JOB, PARSE_PRELOAD, NetworkCalls, needs_parse, read_calls

PARSE_WORKERS = 2  # processes that parse at once
PARSE_QUEUE = 8  # requests that may wait for one of them

_lock = threading.Lock()
_pool: list[QueryPool] = []


class ParseStopped(Exception):
    """The parse did not run or was stopped (HTTP 503 with Retry-After); one line."""


def checked_calls(text: str, update: bool, *, client: str, timeout: float,
                  memory_bytes: int) -> NetworkCalls:
    """`network_calls(text, update)`, parsed in a worker process within `timeout` seconds.

    Blocks (call it in a thread). Raises UncheckedCall as network_calls does, ParseStopped
    past the deadline or when too many parses wait, or another of store/isolation.py's
    QueryStopped errors when the worker failed.
    """
    if not needs_parse(text, update):  # the cheap checks, here: no worker for them
        return NetworkCalls()
    what = "update" if update else "query"
    written: list[bytes] = []
    try:
        _parsers(memory_bytes).run(PARSE_JOB, (text, update), written.append,
                                   deadline=time.monotonic() + timeout, client=client)
    except QueryTimeout:
        raise ParseStopped(
            f"checking this {what}'s SERVICE and LOAD calls (a parse of its text) took more "
            f"than {timeout:g} s, the server's query timeout, and was stopped; write the "
            f"{what} with fewer expressions, or try again later") from None
    except PoolBusy:
        raise ParseStopped(
            f"too many requests wait for their SERVICE and LOAD calls to be checked (at most "
            f"{PARSE_WORKERS} at once); try again in a few seconds") from None
    return read_calls(b"".join(written))


def _parsers(memory_bytes: int) -> QueryPool:
    with _lock:
        if not _pool:
            _pool.append(QueryPool(None, workers=PARSE_WORKERS, memory_bytes=memory_bytes,
                                   queue=PARSE_QUEUE, per_client=1, preload=PARSE_PRELOAD))
        return _pool[0]
