"""A bucketed sliding window for shared caches without scripting (memcached): atomic ``incr``, stated precision.

Each window is cut into ``BUCKETS`` sub-windows of ``width = max(1 s, window / BUCKETS)``. A check first
increments the current bucket (memcached's ``incr`` is atomic), then reads the last ``k + 1`` buckets
(``k = ceil(window / width)``) in one ``get_many`` and keeps the request only if their sum is within the
limit; otherwise it gives its increment back with ``decr``.

Precision: never more than the limit in any interval of length ``window``, because such an interval lies
within ``k + 1`` consecutive buckets and the last admission into them saw every earlier admission. The price
is conservatism: a request may be refused up to one bucket width (a tenth of the window, at least 1 s)
earlier than the exact sliding log would, and concurrent refusals can refuse each other. Cost: two round
trips per admitted check (``incr``, ``get_many``), three for a refused one (plus ``decr``), one more when a
bucket is created (``add``).
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Sequence

from django.core.cache.backends.base import BaseCache

from django_apiauth.throttling.decision import Decision, decide
from django_apiauth.throttling.rates import Rate

BUCKETS = 10


def _shape(rate: Rate) -> tuple[int, int]:
    """``(bucket width in seconds, buckets per window)``."""
    width = max(1, rate.window // BUCKETS)
    return width, math.ceil(rate.window / width)


class BucketedWindow:
    """Checks through ``add``/``incr``/``get_many``/``decr`` of any Django cache whose ``incr`` is atomic."""

    def __init__(self, cache: BaseCache) -> None:
        self.cache = cache

    def hit(self, keys: Sequence[str], rates: Sequence[Rate]) -> list[Decision]:
        now = time.time()
        current: list[str] = []
        spans: list[list[tuple[int, str]]] = []
        for key, rate in zip(keys, rates, strict=True):
            width, k = _shape(rate)
            index = int(now // width)
            spans.append([(b, f"{key}:{b}") for b in range(index - k, index + 1)])
            current.append(spans[-1][-1][1])
            self._increment(current[-1], rate.window + 2 * width)
        values = self.cache.get_many([name for span in spans for _, name in span])
        sums = [sum(_int(values.get(name)) for _, name in span) for span in spans]
        allowed = all(total <= rate.limit for total, rate in zip(sums, rates, strict=True))
        if not allowed:
            self._give_back(current)
        return [
            self._decision(allowed, rate, span, values, total if allowed else total - 1, now)
            for rate, span, total in zip(rates, spans, sums, strict=True)
        ]

    def _increment(self, name: str, ttl: int) -> None:
        try:
            self.cache.incr(name)
        except ValueError:
            if not self.cache.add(name, 1, ttl):
                self.cache.incr(name)  # another process created it between our incr and add

    def _give_back(self, names: list[str]) -> None:
        for name in names:
            # A bucket that expired since we incremented it (a whole window ago) has nothing to give back.
            with contextlib.suppress(ValueError):
                self.cache.decr(name)

    @staticmethod
    def _decision(
        allowed: bool, rate: Rate, span: list[tuple[int, str]], values: dict[str, object], count: int, now: float
    ) -> Decision:
        width, k = _shape(rate)
        first = next((b for b, name in span if _int(values.get(name)) > 0), None)
        # Bucket ``b`` leaves the span read by later checks at (b + k + 1) * width: report it as the oldest
        # entry of an exact log would be reported, ``window`` before the moment it stops counting.
        oldest_ms = -1.0 if first is None else ((first + k + 1) * width - rate.window) * 1000.0
        return decide(allowed, rate, max(0, count), oldest_ms, now * 1000)


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0
