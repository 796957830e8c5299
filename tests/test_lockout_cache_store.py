"""Failure counters on a cache without scripts: the slots a concurrent attempt takes between read and ``incr``."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache.backends.locmem import LocMemCache

from django_apiauth.lockout.cache_store import CacheStore
from django_apiauth.lockout.policy import Counter, Timing

TIMING = Timing(base_ms=1000, max_ms=60_000, window_ms=900_000, account_window_ms=3_600_000)


class RacingCache(LocMemCache):
    """A real local-memory cache in which another process fails once more right after each counter read."""

    def __init__(self, racer_key: str) -> None:
        super().__init__(f"lockout-race-{racer_key}", {})
        self.racer_key = racer_key

    def get_many(self, keys: Any, version: int | None = None) -> dict[str, Any]:
        values = super().get_many(keys, version)
        if self.racer_key in keys:
            self.incr(self.racer_key)
        return values


@pytest.fixture
def cache() -> LocMemCache:
    store = LocMemCache("lockout-cache-store", {})
    store.clear()
    return store


def test_a_slot_taken_meanwhile_past_the_threshold_is_given_back(cache: LocMemCache) -> None:
    entry = Counter("account", threshold=2)
    cache.set("account:n", 2)
    assert CacheStore(cache)._take(entry, seen=1, now=0, timing=TIMING) is None
    assert cache.get("account:n") == 2


def test_losing_the_race_on_one_counter_gives_back_the_others() -> None:
    racing = RacingCache("network:n")
    racing.clear()
    racing.set("network:n", 2)
    entries = [Counter("pair", threshold=5), Counter("network", threshold=2)]
    verdict = CacheStore(racing).reserve(entries, TIMING, reserve=True)
    assert not verdict.allowed
    assert racing.get("pair:n") == 0  # taken, then given back
    assert racing.get("network:n") == 3  # the other process's failure stays counted


@pytest.mark.parametrize(("count", "after"), [(None, None), (0, 0), (2, 1)])
def test_release_without_reset_gives_back_one_slot_if_any(
    cache: LocMemCache, count: int | None, after: int | None
) -> None:
    if count is not None:
        cache.set("network:n", count)
    CacheStore(cache).release([Counter("network", threshold=5, reset_on_success=False)])
    assert cache.get("network:n") == after
