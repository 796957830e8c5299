"""DRF's ``SimpleRateThrottle`` driven directly on a given cache, for the side-by-side comparison.

It reads the key's list of timestamps, decides in Python and writes the list back: two round trips, and
concurrent processes overwrite each other's writes, which is where its over-admission comes from.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from rest_framework.throttling import SimpleRateThrottle


class _Throttle(SimpleRateThrottle):
    rate = "100/min"  # replaced by the checked rate once DRF has parsed this one

    def __init__(self, cache: Any, key: str, limit: int, window: int) -> None:
        self.cache = cache
        self._key = key
        super().__init__()
        self.num_requests, self.duration = limit, window

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self._key


class SimpleRateLimiter:
    """The ``hit(keys, rates)`` shape of our limiters, answered by DRF's throttle at the first key's rate."""

    def __init__(self, cache: Any) -> None:
        self.cache = cache

    def hit(self, keys: Sequence[str], rates: Sequence[Any]) -> list[Any]:
        throttle = _Throttle(self.cache, keys[0], rates[0].limit, rates[0].window)
        return [SimpleNamespace(allowed=throttle.allow_request(None, None))]  # type: ignore[arg-type]
