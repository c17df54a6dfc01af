"""Setting long-lived objects aside from Python's cyclic garbage collector.

The server keeps hundreds of thousands of objects for its whole life or until the store
changes (modules, the app and its routes, the label and search indexes). Each full
collection walks all of them: at a million triples that was a pause of up to 210 ms in the
middle of requests (an entity GET's p99), several times a minute under load. Frozen, they
are skipped; the pauses fell to 45 ms at most.
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
from typing import Any

_log = logging.getLogger("tsr.api")

# pyoxigraph's result iterators may only be freed on the thread that made them; one caught
# in a garbage cycle (a traceback's frame holding it, say) and collected from another thread
# is left unfreed, and pyoxigraph reports it as an unraisable error with a traceback
_UNSENDABLE = "is unsendable, but is being dropped on another thread"
# one collection at a time: each swaps the process-wide unraisable hook for its duration
_collecting = threading.Lock()


def set_aside_long_lived(*, replacing: bool = True) -> None:
    """Freeze what is alive now, after one collection.

    `replacing`: something frozen before may have become garbage since (a kept snapshot
    replaced by this one): what was frozen is then collected too, so that it is freed
    rather than kept forever, a full collection of everything the process holds. Without
    it (start-up, a snapshot's first build) only what was made since the last freeze is
    collected: a fraction of the cost in a process that holds much else (a test session
    starts apps and builds their snapshots hundreds of times).

    Call it at start-up and when a kept snapshot is built, not per request. Store results
    that the collection cannot free on this thread are counted in one log line rather than
    a traceback each."""
    with _collecting:
        if replacing:
            gc.unfreeze()
        left = _collect_counting_unsendable()
        gc.freeze()
    if left:
        _log.warning("garbage collection left %d query result(s) of other threads unfreed",
                     left)


def _collect_counting_unsendable() -> int:
    left = 0
    previous = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        nonlocal left
        if _UNSENDABLE in str(unraisable.exc_value):
            left += 1
        else:
            previous(unraisable)

    sys.unraisablehook = hook
    try:
        gc.collect()
    finally:
        sys.unraisablehook = previous
    return left
