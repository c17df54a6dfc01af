"""Setting long-lived objects aside from Python's cyclic garbage collector.

The server keeps hundreds of thousands of objects for its whole life or until the store
changes (modules, the app and its routes, the label and search indexes). Each full
collection walks all of them: at a million triples that was a pause of up to 210 ms in the
middle of requests (an entity GET's p99), several times a minute under load. Frozen, they
are skipped; the pauses fell to 45 ms at most.
"""

from __future__ import annotations

import gc


def set_aside_long_lived() -> None:
    """Freeze what is alive now, after one full collection of what was frozen before (so a
    snapshot replaced since, and any garbage cycle, is freed rather than kept forever).

    One full collection per call: call it at start-up and when a kept snapshot is rebuilt,
    not per request."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
