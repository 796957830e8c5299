"""Choosing the limiter for the configured cache and running one check through the outage policy.

* Redis (django-redis or Django's ``RedisCache``): exact sliding window, one Lua script, one round trip.
* Local memory (``LocMemCache``): exact sliding window in this process only (``apiauth.W039``).
* ``DummyCache``: nothing is counted, everything is admitted (``apiauth.E041``).
* Any other cache (memcached): the bucketed window of ``bucket_backend``, never over the limit, up to a tenth
  of the window conservative.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from weakref import WeakKeyDictionary

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache

from django_apiauth import localcache
from django_apiauth.shared_cache import guarded, shared_cache
from django_apiauth.throttling.bucket_backend import BucketedWindow
from django_apiauth.throttling.decision import Decision, decide
from django_apiauth.throttling.local_backend import local_windows
from django_apiauth.throttling.rates import Rate
from django_apiauth.throttling.redis_backend import RedisSlidingWindow, redis_client_of


class Limiter(Protocol):
    def hit(self, keys: Sequence[str], rates: Sequence[Rate]) -> list[Decision]:
        """Admit one request against every ``(key, rate)`` or against none (all or nothing)."""
        ...


class Unlimited:
    """For ``DummyCache``: a cache that stores nothing cannot count."""

    def hit(self, keys: Sequence[str], rates: Sequence[Rate]) -> list[Decision]:
        return [decide(True, rate, 0, -1, 0) for rate in rates]


class _Limiters(WeakKeyDictionary[BaseCache, Limiter]):
    """The limiter of each cache object, built once: finding a Redis client and its pool is not free, and a
    cache object (one per alias and thread; new ones after a settings change) keeps its server for life."""

    def clear(self) -> None:
        """Forget every limiter, closing the connections of those that keep their own."""
        for limiter in list(self.values()):
            close = getattr(limiter, "close", None)
            if close is not None:
                close()
        super().clear()


_limiters = _Limiters()
localcache.register(
    "throttling.limiters",
    _limiters,
    size="one per cache object (alias and thread)",
    staleness="none needed: a cache object keeps its server and client for its life",
)


def limiter_for(cache: BaseCache) -> Limiter:
    """The implementation that gives ``cache`` the best guarantee it can hold (built once per cache object)."""
    limiter = _limiters.get(cache)
    if limiter is None:
        limiter = _limiters[cache] = _build(cache)
    return limiter


def _build(cache: BaseCache) -> Limiter:
    client = redis_client_of(cache)
    if client is not None:
        return RedisSlidingWindow(cache, client)
    if isinstance(cache, LocMemCache):
        return local_windows
    if isinstance(cache, DummyCache):
        return Unlimited()
    return BucketedWindow(cache)


def hit(keys: Sequence[str], rates: Sequence[Rate]) -> list[Decision] | None:
    """One all-or-nothing check in the shared cache; ``None`` when the cache is down and throttles fail open
    (``TemporarilyUnavailable`` when they fail closed)."""
    return guarded("THROTTLES", lambda: limiter_for(shared_cache()).hit(keys, rates), fallback=None)
