"""What the API keeps of what it derives from the store: one least-recently-used cache
(cachetools' LRUCache) and one rule to drop it, the store's change mark.

Entries are kept for one mark (store_state.py): the first lookup under a new mark empties
the cache, and a value built under an older mark is not kept (the store moved while it was
read, so it may be stale). The budget is counted in the units `cost` gives (bytes,
items...), one per entry without it; an entry over the budget is not kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import LRUCache

from .store_state import StoreMark

_Value = TypeVar("_Value")


class MarkedLRU(Generic[_Value]):
    def __init__(self, budget: int, cost: Callable[[_Value], int] | None = None) -> None:
        self.budget = budget
        self._lock = threading.Lock()
        self._kept: LRUCache[Hashable, _Value] = LRUCache(maxsize=budget, getsizeof=cost)
        self._mark: StoreMark | None = None

    def get(self, key: Hashable, mark: StoreMark) -> _Value | None:
        """The value kept under `key` for this mark (now the most recently used), or None."""
        with self._lock:
            self._follow(mark)
            return self._kept.get(key)

    def get_many(self, keys: list[Hashable], mark: StoreMark) -> list[_Value | None]:
        """`get` for several keys under one lock."""
        with self._lock:
            self._follow(mark)
            return [self._kept.get(key) for key in keys]

    def put(self, key: Hashable, mark: StoreMark, value: _Value) -> bool:
        """Keep `value` unless the store moved since `mark` was read or it is over the
        budget; the least recently used entries make room. True if kept."""
        return self.put_many([(key, value)], mark)

    def put_many(self, items: list[tuple[Hashable, _Value]], mark: StoreMark) -> bool:
        with self._lock:
            if mark != self._mark:
                return False
            kept = True
            for key, value in items:
                try:
                    self._kept[key] = value
                except ValueError:  # larger than the whole budget
                    self._kept.pop(key, None)
                    kept = False
            return kept

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._kept

    def items(self) -> list[tuple[Hashable, _Value]]:
        with self._lock:
            return list(self._kept.items())

    def __len__(self) -> int:
        return len(self._kept)

    @property
    def size(self) -> int:
        """What the kept entries count against the budget."""
        return int(self._kept.currsize)

    def _follow(self, mark: StoreMark) -> None:
        if mark != self._mark:
            self._kept.clear()
            self._mark = mark
