"""The result-row cap, and where results are written (anything with `write(bytes)`).

Shared by the writers (writers.py) and the byte-level cut of SELECT results (row_cut.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

# The response header giving the row cap, on every route that answers a query.
LIMIT_HEADER = "TSR-Result-Limit"


class Sink(Protocol):
    def write(self, data: bytes) -> Any: ...


class Cap:
    """Counts rows against the limit and remembers whether it cut the result."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.truncated = False

    def take(self, rows: Iterable[Any]) -> Iterator[Any]:
        for count, row in enumerate(rows):
            if count >= self.limit:
                self.truncated = True
                return
            yield row

    @property
    def note(self) -> str:
        return (f"truncated: the result has more than {self.limit} rows, the server's "
                "result limit; narrow the query or page through it with LIMIT/OFFSET")
