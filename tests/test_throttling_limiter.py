"""The limiter: exact sliding windows (local memory, Redis through both clients), the bucketed fallback,
and the all-or-nothing multi-key check."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.test import override_settings

from django_apiauth.throttling.bucket_backend import BucketedWindow
from django_apiauth.throttling.limiter import Unlimited, limiter_for
from django_apiauth.throttling.local_backend import MAX_KEYS, LocalSlidingWindow, local_windows
from django_apiauth.throttling.rates import parse_rate
from django_apiauth.throttling.redis_backend import RedisSlidingWindow
from tests.support import throttle_worker

T0 = 1_800_000_000.0
REDIS_URL = os.environ.get("REDIS_URL", "")


def admitted(limiter: Any, key: str, rate: str, n: int) -> int:
    return sum(1 for _ in range(n) if limiter.hit([key], [parse_rate(rate)])[0].allowed)


def test_local_window_is_exact_and_slides() -> None:
    with time_machine.travel(T0, tick=False) as clock:
        assert admitted(local_windows, "k", "3/10s", 5) == 3
        clock.shift(9.999)
        assert admitted(local_windows, "k", "3/10s", 1) == 0
        clock.shift(0.001)  # the first three leave the window exactly 10 s after they entered
        assert admitted(local_windows, "k", "3/10s", 5) == 3


def test_sliding_not_fixed_window() -> None:
    """A fixed window would admit 2 x limit around its boundary; the sliding window never does."""
    with time_machine.travel(T0 + 59, tick=False) as clock:
        assert admitted(local_windows, "k", "5/min", 5) == 5
        clock.shift(2)  # a fixed minute boundary has passed
        assert admitted(local_windows, "k", "5/min", 5) == 0


def test_decision_fields_at_window_boundaries() -> None:
    rate = parse_rate("2/10s")
    with time_machine.travel(T0, tick=False) as clock:
        first = local_windows.hit(["k"], [rate])[0]
        assert (first.allowed, first.remaining, first.reset_after) == (True, 1, 10)
        clock.shift(4.2)
        second = local_windows.hit(["k"], [rate])[0]
        assert (second.remaining, second.reset_after) == (0, 6)  # 5.8 s rounds up
        refused = local_windows.hit(["k"], [rate])[0]
        assert (refused.allowed, refused.retry_after) == (False, 6)
        clock.shift(5.8 - 0.001)
        assert local_windows.hit(["k"], [rate])[0].retry_after == 1  # never 0 while refused
        clock.shift(0.001)
        again = local_windows.hit(["k"], [rate])[0]
        assert (again.allowed, again.remaining, again.reset_after) == (True, 0, 5)


def test_multi_key_check_is_all_or_nothing() -> None:
    tight, loose = parse_rate("1/min"), parse_rate("10/min")
    assert all(d.allowed for d in local_windows.hit(["a", "b"], [tight, loose]))
    refused = local_windows.hit(["a", "b"], [tight, loose])
    assert not any(d.allowed for d in refused)
    assert refused[1].remaining == 9  # the loose key was not charged for the refused request


def test_local_store_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("django_apiauth.throttling.local_backend.MAX_KEYS", 3)
    store = LocalSlidingWindow()
    for key in "abcd":
        store.hit([key], [parse_rate("1/min")])
    store.hit(["b"], [parse_rate("1/min")])  # touching b keeps it; a was dropped first
    assert not store.hit(["b"], [parse_rate("1/min")])[0].allowed
    assert store.hit(["a"], [parse_rate("1/min")])[0].allowed
    assert MAX_KEYS >= 10_000


def test_backend_selection() -> None:
    assert limiter_for(caches["default"]) is local_windows or isinstance(
        limiter_for(caches["default"]), RedisSlidingWindow
    )
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}):
        dummy = limiter_for(caches["default"])
        assert isinstance(dummy, Unlimited)
        assert admitted(dummy, "k", "1/min", 5) == 5
    db_like = {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": "/tmp/apiauth-x"}
    with override_settings(CACHES={"default": db_like}):
        assert isinstance(limiter_for(caches["default"]), BucketedWindow)


@pytest.fixture
def locmem() -> Iterator[LocMemCache]:
    cache = LocMemCache("bucket-tests", {})
    yield cache
    cache.clear()


def test_bucketed_window_never_exceeds_the_limit(locmem: LocMemCache) -> None:
    limiter = BucketedWindow(locmem)
    with time_machine.travel(T0, tick=False) as clock:
        total = 0
        for _ in range(30):  # 30 steps of 7 s through 3.5 minutes, 4 tries each
            total += admitted(limiter, "k", "10/min", 4)
            clock.shift(7)
        # 210 s of traffic: exact sliding log would admit at most 10 per 60 s; buckets never more.
        assert 10 <= total <= 10 * (210 // 60 + 1)


def test_bucketed_window_is_conservative_by_at_most_one_bucket(locmem: LocMemCache) -> None:
    limiter = BucketedWindow(locmem)
    with time_machine.travel(T0, tick=False) as clock:
        assert admitted(limiter, "k", "10/min", 15) == 10
        refused = limiter.hit(["k"], [parse_rate("10/min")])[0]
        assert not refused.allowed
        assert 60 <= refused.retry_after <= 66  # one 6-second bucket later than an exact log
        clock.shift(refused.retry_after)
        assert limiter.hit(["k"], [parse_rate("10/min")])[0].allowed


def test_bucketed_window_refusal_gives_back_every_key(locmem: LocMemCache) -> None:
    limiter = BucketedWindow(locmem)
    tight, loose = parse_rate("1/min"), parse_rate("10/min")
    with time_machine.travel(T0, tick=False):
        limiter.hit(["a", "b"], [tight, loose])
        refused = limiter.hit(["a", "b"], [tight, loose])
        assert not refused[0].allowed
        assert refused[1].remaining == 9


def test_bucketed_window_creates_buckets_once_under_a_race(
    locmem: LocMemCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process creating the bucket between our ``incr`` and ``add`` is counted, not overwritten."""
    limiter = BucketedWindow(locmem)
    real_add = locmem.add

    def racing_add(key: str, value: Any, timeout: Any = None, version: Any = None) -> bool:
        real_add(key, 1, timeout)  # the other process wins
        return bool(real_add(key, value, timeout))

    monkeypatch.setattr(locmem, "add", racing_add)
    with time_machine.travel(T0, tick=False):
        decision = limiter.hit(["k"], [parse_rate("5/min")])[0]
    assert decision.remaining == 3


# --- Redis ------------------------------------------------------------------------------------------------
BUILTIN_REDIS = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "builtin": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
}


@pytest.mark.redis
@pytest.mark.parametrize("alias", ["default", "builtin"])
def test_redis_script_is_exact_through_both_clients(alias: str) -> None:
    with override_settings(CACHES={**_current_caches(), "builtin": BUILTIN_REDIS["builtin"]}):
        cache = caches[alias]
        limiter = limiter_for(cache)
        assert isinstance(limiter, RedisSlidingWindow)
        key = f"test:{alias}:{os.getpid()}"
        cache.delete(key)
        first = limiter.hit([key], [parse_rate("5/10s")])[0]
        assert (first.allowed, first.remaining, first.reset_after) == (True, 4, 10)
        assert admitted(limiter, key, "5/10s", 10) == 4
        refused = limiter.hit([key], [parse_rate("5/10s")])[0]
        assert not refused.allowed
        assert 1 <= refused.retry_after <= 10
        cache.delete(key)


@pytest.mark.redis
def test_redis_multi_key_is_all_or_nothing() -> None:
    limiter = limiter_for(caches["default"])
    assert isinstance(limiter, RedisSlidingWindow)
    tight, loose = parse_rate("1/min"), parse_rate("10/min")
    keys = [f"t:{os.getpid()}:a", f"t:{os.getpid()}:b"]
    assert all(d.allowed for d in limiter.hit(keys, [tight, loose]))
    refused = limiter.hit(keys, [tight, loose])
    assert [d.allowed for d in refused] == [False, False]
    assert refused[1].remaining == 9


def _current_caches() -> dict[str, Any]:
    from django.conf import settings

    return dict(settings.CACHES)


def run_processes(config: dict[str, Any], limiter_name: str, key: str, processes: int = 8, hits: int = 200) -> int:
    context = multiprocessing.get_context("spawn")
    barrier = context.Manager().Barrier(processes)
    with context.Pool(processes) as pool:
        args = [(key, "100/min", hits, barrier, config, limiter_name)] * processes
        return sum(pool.starmap(throttle_worker.run, args))


@pytest.mark.redis
def test_eight_processes_on_one_key_admit_exactly_the_limit() -> None:
    """Acceptance: 8 OS processes x 200 requests on one key at 100/min on the real Redis admit exactly 100."""
    key = f"exactness:{os.getpid()}"
    caches["default"].delete(key)
    assert run_processes(_current_caches()["default"], "ours", key) == 100
    caches["default"].delete(key)
