"""A tiny per-process cache with a hard time-to-live, for hot-path lookups with bounded staleness.

Hot paths (a user behind a JWT, an API key's row) may skip the database for at most ``ttl`` seconds:
a revoked key or a deactivated user is then refused by every process within that bound, with no
cross-process invalidation needed. Entries are evicted oldest-first past ``maxsize``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")
_MISSING = object()


class TTLCache(Generic[V]):
    """Thread-safe ``key -> value`` map whose entries expire ``ttl`` seconds after they were stored."""

    def __init__(self, maxsize: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._data: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()
        self._maxsize = maxsize
        self._clock = clock

    def get(self, key: Hashable) -> V | None:
        """The live value for ``key``, or ``None`` if absent or expired."""
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                return None
            if entry[0] <= self._clock():
                del self._data[key]
                return None
            return entry[1]

    def set(self, key: Hashable, value: V, ttl: float) -> None:
        """Store ``value``; a non-positive ``ttl`` stores nothing (caching disabled)."""
        if ttl <= 0:
            return
        with self._lock:
            self._data[key] = (self._clock() + ttl, value)
            self._data.move_to_end(key)
            while len(self._data) > self._maxsize:
                self._data.popitem(last=False)

    def discard(self, key: Hashable) -> None:
        with self._lock:
            self._data.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)
