"""The one per-process cache layer: a bounded, optionally time-limited map, and the registry of all of them.

Hot paths (the user behind a JWT, an API key's row, a verified token, a parsed key) skip work by
remembering answers inside one process. Every such memory is a ``LocalCache`` created through
``local_cache()``, which declares, in one place, how many entries it may hold and how stale an entry may be;
``docs/caches.md`` lists them all (a test keeps the table and the registry in step).

Design, measured on the request hot path: reads take no lock (one ``dict.get`` and a clock read: the GIL
makes it atomic); writes, evictions and clears take the cache's lock. Eviction is oldest-first by insertion
(no reordering on reads, which would need the lock), in O(1) thanks to ``OrderedDict.popitem``: evicting from
the front of a plain dict scans the holes earlier deletions left, which made a full cache under a flood of
new keys cost ~20 µs per write. An entry past its time-to-live is never returned.

``django_apiauth.testing.clear_caches()`` empties every registered cache, for test suites that roll back
the database between tests (a cached user or key must not outlive its row).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

V = TypeVar("V")
_FOREVER = float("inf")


class Clearable(Protocol):
    def clear(self) -> None: ...


@dataclass(frozen=True)
class CacheBound:
    """What a cache promises: at most ``size`` entries, none older than ``staleness``."""

    name: str
    size: str
    staleness: str
    cache: Clearable


#: name -> bound of every per-process cache of the package, in registration order.
registry: dict[str, CacheBound] = {}


class LocalCache(Generic[V]):
    """Thread-safe ``key -> value`` map with a size cap and a per-entry time-to-live."""

    def __init__(self, maxsize: int | Callable[[], int], clock: Callable[[], float] = time.monotonic) -> None:
        self._data: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()
        self._maxsize = maxsize
        self.clock = clock

    def get(self, key: Hashable) -> V | None:
        """The value stored for ``key`` if its time-to-live has not passed, else ``None``."""
        entry = self._data.get(key)
        if entry is None:
            return None
        expires_at, value = entry
        if expires_at is not _FOREVER and expires_at <= self.clock():  # no clock read for an entry without TTL
            return None
        return value

    def set(self, key: Hashable, value: V, ttl: float | None = None, *, maxsize: int | None = None) -> None:
        """Store ``value`` for ``ttl`` seconds (``None``: until evicted); ``ttl <= 0`` or size 0 store nothing.

        ``maxsize`` is the size the cache's own ``maxsize`` callable would return, when the caller has just
        read the setting behind it (it is not read twice on a hot path).
        """
        limit = maxsize if maxsize is not None else self._maxsize() if callable(self._maxsize) else self._maxsize
        if limit <= 0:
            return
        if ttl is None:
            expires_at = _FOREVER
        elif ttl <= 0:
            return
        else:
            expires_at = self.clock() + ttl
        data = self._data
        with self._lock:
            data.pop(key, None)  # a rewritten entry becomes the newest
            while len(data) >= limit:
                data.popitem(last=False)
            data[key] = (expires_at, value)

    def discard(self, key: Hashable) -> None:
        with self._lock:
            self._data.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


def register(name: str, cache: Clearable, *, size: str, staleness: str) -> None:
    """Declare a per-process memory that is not a ``LocalCache`` (a key-set snapshot, a memoised function)."""
    registry[name] = CacheBound(name=name, size=size, staleness=staleness, cache=cache)


class _Memoised(Protocol):
    def cache_clear(self) -> None: ...


class _Memo:
    """Adapts a ``functools.lru_cache`` function to the registry."""

    def __init__(self, function: _Memoised) -> None:
        self._function = function

    def clear(self) -> None:
        self._function.cache_clear()


def register_memo(name: str, function: _Memoised, *, size: str) -> None:
    """Declare a memoised pure function: its entries depend on its arguments only, so they are never stale."""
    register(name, _Memo(function), size=size, staleness="none needed: a pure function of its arguments")


def local_cache(
    name: str,
    *,
    maxsize: int | Callable[[], int],
    size: str,
    staleness: str,
    clock: Callable[[], float] = time.monotonic,
) -> LocalCache[V]:
    """A new registered ``LocalCache``; ``size``/``staleness`` are its bounds in words, for the docs table."""
    cache: LocalCache[V] = LocalCache(maxsize, clock)
    register(name, cache, size=size, staleness=staleness)
    return cache


def clear_all() -> None:
    """Empty every registered cache (what ``django_apiauth.testing.clear_caches`` does)."""
    for bound in list(registry.values()):
        bound.cache.clear()
