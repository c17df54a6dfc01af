"""An in-process query's results as the embedded store hands them out: the engine's errors
met while they are read come out as the store's kinds of error.

pyoxigraph evaluates a query as its results are read, so some of its errors come from the
iteration (or the serialiser), not from `query()`: an unbound SERVICE variable, a SERVICE
endpoint that fails, the disk's failure. Raised as they are (RuntimeError, OSError), they
escaped every route that reads results itself (the curated routes, entity documents, the
CLI's table) as 500s with tracebacks. Here they become what `EmbeddedStore.query` raises
at the call and what a query worker reports: QueryRefused (the query's fault, 400) or
QueryIOError (500; 502 for a query that calls SERVICE).

A failed read also lets go of pyoxigraph's object at once, on the thread that read it:
the error's frames, which hold this wrapper, may die on another thread (the event loop),
where pyoxigraph refuses to free its results.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pyoxigraph import QuerySolutions

from .base import QueryIOError, QueryRefused, StoreError


class Results:
    """pyoxigraph's QuerySolutions or QueryTriples, read with the store's errors."""

    __slots__ = ("_results", "variables")

    def __init__(self, results: Any) -> None:
        self._results = results
        if isinstance(results, QuerySolutions):
            self.variables = results.variables

    def __iter__(self) -> Iterator[Any]:
        # a generator, not __next__ per row: 0.04 µs a row more than the bare iterator,
        # against 0.1 µs for a method call (pyoxigraph takes about 3.5 µs to make a row;
        # a wrapper costs about 1 µs a query)
        try:
            yield from self._results
        except (RuntimeError, OSError) as error:
            raise self._failed(error) from None

    def __next__(self) -> Any:
        try:
            return next(self._results)
        except (RuntimeError, OSError) as error:
            raise self._failed(error) from None

    def serialize(self, *args: Any, **kwargs: Any) -> Any:
        """pyoxigraph's serialize of the results. Only the engine raises RuntimeError: an
        OSError may be the output's (a closed pipe, a full disk), so it passes unchanged."""
        try:
            return self._results.serialize(*args, **kwargs)
        except RuntimeError as error:
            raise self._failed(error) from None

    def _failed(self, error: BaseException) -> StoreError:
        self._results = iter(())  # pyoxigraph's object is freed here, on its thread
        if isinstance(error, OSError):
            return QueryIOError(str(error))
        return QueryRefused(str(error))


def is_solutions(result: Any) -> bool:
    """Is `result` a SELECT's solutions (pyoxigraph's, or read through `Results`)?"""
    return isinstance(result, QuerySolutions) or (
        isinstance(result, Results) and hasattr(result, "variables"))
