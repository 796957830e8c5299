"""The per-process TTL cache used by hot paths: entries expire on time and size stays bounded."""

from __future__ import annotations

from django_apiauth.localcache import TTLCache


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_entries_expire_after_ttl() -> None:
    clock = FakeClock()
    cache: TTLCache[str] = TTLCache(clock=clock)
    cache.set("k", "v", ttl=1.0)
    assert cache.get("k") == "v"
    clock.now += 0.999
    assert cache.get("k") == "v"
    clock.now += 0.002
    assert cache.get("k") is None
    assert len(cache) == 0


def test_non_positive_ttl_disables_caching() -> None:
    cache: TTLCache[int] = TTLCache()
    cache.set("k", 1, ttl=0)
    assert cache.get("k") is None


def test_size_is_bounded_oldest_evicted_first() -> None:
    cache: TTLCache[int] = TTLCache(maxsize=2)
    cache.set("a", 1, ttl=60)
    cache.set("b", 2, ttl=60)
    cache.set("c", 3, ttl=60)
    assert cache.get("a") is None
    assert (cache.get("b"), cache.get("c")) == (2, 3)


def test_discard_and_clear() -> None:
    cache: TTLCache[int] = TTLCache()
    cache.set("a", 1, ttl=60)
    cache.set("b", 2, ttl=60)
    cache.discard("a")
    cache.discard("missing")
    assert cache.get("a") is None
    cache.clear()
    assert cache.get("b") is None
