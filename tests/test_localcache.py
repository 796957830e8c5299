"""The one per-process cache layer: bounded size, bounded staleness, one registry, one way to clear it all."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import django_apiauth
from django_apiauth import localcache
from django_apiauth.api_keys import cache as api_key_cache
from django_apiauth.jwt import codec, subjects
from django_apiauth.localcache import LocalCache, local_cache, registry
from django_apiauth.testing import clear_caches

DOCS = Path(__file__).resolve().parent.parent / "docs" / "caches.md"


def _import_the_whole_package() -> None:
    """Caches register when their module is imported; a fresh process may not have imported them all yet."""
    for module in pkgutil.walk_packages(django_apiauth.__path__, "django_apiauth."):
        if ".migrations" not in module.name and not module.name.endswith("settings_reference"):
            importlib.import_module(module.name)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_entries_expire_after_their_ttl() -> None:
    clock = FakeClock()
    cache: LocalCache[str] = LocalCache(10, clock)
    cache.set("k", "v", ttl=1.0)
    assert cache.get("k") == "v"
    clock.now += 0.999
    assert cache.get("k") == "v"
    clock.now += 0.002
    assert cache.get("k") is None


def test_entries_without_ttl_stay_until_evicted() -> None:
    clock = FakeClock()
    cache: LocalCache[int] = LocalCache(10, clock)
    cache.set("k", 1)
    clock.now += 10**9
    assert cache.get("k") == 1


def test_an_entry_without_ttl_is_read_without_the_clock() -> None:
    def no_clock() -> float:
        raise AssertionError("the clock was read")

    cache: LocalCache[int] = LocalCache(10, no_clock)
    cache.set("k", 1)
    assert cache.get("k") == 1
    assert cache.get("missing") is None


@pytest.mark.parametrize("ttl", [0, -1.0])
def test_a_non_positive_ttl_stores_nothing(ttl: float) -> None:
    cache: LocalCache[int] = LocalCache(10)
    cache.set("k", 1, ttl=ttl)
    assert cache.get("k") is None
    assert len(cache) == 0


def test_size_is_bounded_oldest_written_evicted_first() -> None:
    cache: LocalCache[int] = LocalCache(2)
    cache.set("a", 1)
    cache.set("b", 2)
    cache.set("a", 10)  # rewriting makes it the newest
    cache.set("c", 3)
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c")) == (10, 3)
    assert len(cache) == 2


def test_size_can_follow_a_setting_read_at_call_time() -> None:
    limit = [0]
    cache: LocalCache[int] = LocalCache(lambda: limit[0])
    cache.set("a", 1)
    assert len(cache) == 0  # size 0: caching off
    limit[0] = 1
    cache.set("a", 1)
    cache.set("b", 2)
    assert (cache.get("a"), cache.get("b")) == (None, 2)


def test_discard_and_clear() -> None:
    cache: LocalCache[int] = LocalCache(10)
    cache.set("a", 1)
    cache.set("b", 2)
    cache.discard("a")
    cache.discard("missing")
    assert cache.get("a") is None
    cache.clear()
    assert len(cache) == 0


def test_every_cache_is_registered_with_its_bounds() -> None:
    _import_the_whole_package()
    expected = {
        "refresh.known_live_sessions", "jwt.known_headers", "jwt.key_store", "jwt.published_jwks", "jwt.users",
        "jwt.private_keys", "jwt.active_signing_keys", "jwt.verified_tokens", "api_keys.verified_keys",
        "client_ip.trusted_networks", "api_keys.derived_peppers", "api_keys.key_pattern", "crypto.multi_fernet",
    }  # fmt: skip
    assert expected <= set(registry)
    for bound in registry.values():
        assert bound.size
        assert bound.staleness


def test_clear_caches_empties_every_registered_cache() -> None:
    codec.known_headers.set("header", ("RS256", "kid"))
    subjects.user_cache.set(("auth.user", "1"), object(), ttl=60)
    api_key_cache.verified_keys.set("lookup", object(), ttl=1)  # type: ignore[arg-type]
    scratch: LocalCache[int] = local_cache("tests.scratch", maxsize=1, size="1", staleness="none")
    scratch.set("x", 1)
    try:
        clear_caches()
        for cache in (codec.known_headers, subjects.user_cache, api_key_cache.verified_keys, scratch):
            assert len(cache) == 0
    finally:
        del localcache.registry["tests.scratch"]


def test_the_docs_table_lists_every_cache_with_its_bounds() -> None:
    """docs/caches.md is the one table of per-process caches; it must not drift from the registry."""
    _import_the_whole_package()
    rows = {
        name: (size, staleness)
        for name, size, staleness in re.findall(
            r"^\| `([a-z_.]+)` \| (.+?) \| (.+) \|$", DOCS.read_text(), re.MULTILINE
        )
    }
    assert set(rows) == set(registry)
    for name, bound in registry.items():
        assert rows[name] == (bound.size, bound.staleness)
