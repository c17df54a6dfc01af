"""Calling an external service politely: a bounded request rate, a timeout, and retries
with exponential back-off on 429 and 5xx that honour `Retry-After`.

Every linker sends its requests through one :class:`PoliteCaller`, so the rules hold the
same for Wikidata (SPARQLWrapper), HAL (httpx) or anything added later. A request that
still fails after the last attempt raises :class:`LinkServiceError`, whose message is the
one line the user sees; nothing has been written by then.

>>> caller = PoliteCaller("https://example.org/sparql", requests_per_second=1000, attempts=2)
>>> caller.call(lambda: 42)
42
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from store import StoreError

T = TypeVar("T")

# A server that asks us to wait longer than this is treated as down for this run.
MAX_RETRY_AFTER = 120.0


class LinkServiceError(StoreError):
    """An external service failed for good (exit code 1); the message is one line."""


@dataclass
class TransientFailure(Exception):
    """One failed attempt that may succeed if tried again later."""

    reason: str
    retry_after: float | None = None

    def __str__(self) -> str:
        return self.reason


class PoliteCaller:
    """Runs request functions against one service within its manners.

    `attempt` functions raise :class:`TransientFailure` for what deserves a retry (429,
    5xx, timeouts, dropped connections, unreadable answers); anything else propagates.
    The back-off starts at the request interval and doubles at each attempt.
    """

    def __init__(self, service: str, *, requests_per_second: float, attempts: int = 5,
                 first_backoff: float | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.service = service
        self.interval = 1.0 / requests_per_second
        self.attempts = attempts
        self.first_backoff = self.interval if first_backoff is None else first_backoff
        self._sleep = sleep
        self._last_start: float | None = None
        self.requests_sent = 0
        self.retries = 0

    def call(self, attempt: Callable[[], T]) -> T:
        failure: TransientFailure | None = None
        for number in range(self.attempts):
            if failure is not None:
                self._wait_before_retry(failure, number)
            self._keep_rate()
            try:
                return attempt()
            except TransientFailure as error:
                failure = error
        assert failure is not None
        raise LinkServiceError(
            f"{self.service} failed after {self.attempts} attempts: {failure.reason}"
        )

    def _keep_rate(self) -> None:
        now = time.monotonic()
        if self._last_start is not None:
            wait = self._last_start + self.interval - now
            if wait > 0:
                self._sleep(wait)
        self._last_start = time.monotonic()
        self.requests_sent += 1

    def _wait_before_retry(self, failure: TransientFailure, number: int) -> None:
        self.retries += 1
        if failure.retry_after is not None:
            if failure.retry_after > MAX_RETRY_AFTER:
                raise LinkServiceError(
                    f"{self.service} asks to wait {failure.retry_after:.0f} s "
                    f"(Retry-After) after: {failure.reason}; try again later"
                )
            self._sleep(failure.retry_after)
        else:
            self._sleep(self.first_backoff * 2 ** (number - 1))


def retry_after_seconds(value: str | None) -> float | None:
    """The `Retry-After` header as seconds: a number, or an HTTP date.

    >>> retry_after_seconds("3")
    3.0
    >>> retry_after_seconds(None) is None
    True
    """
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def is_transient_status(status: int) -> bool:
    return status == 429 or 500 <= status < 600
