"""Rate limits and brute-force counters on a real memcached (no scripting): the bucketed window never admits
more than the limit, across OS processes, and its conservatism stays within the stated bound."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.test import RequestFactory

from django_apiauth.exceptions import RateLimited
from django_apiauth.lockout import service as lockout
from django_apiauth.throttling.bucket_backend import BucketedWindow
from django_apiauth.throttling.limiter import limiter_for
from django_apiauth.throttling.rates import parse_rate
from tests.support.memcached_server import MemcachedServer, memcached_server
from tests.test_throttling_limiter import run_processes

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def memcached() -> Iterator[MemcachedServer]:
    with memcached_server() as server:
        yield server


@pytest.fixture
def shared(memcached: MemcachedServer, settings: Any, apiauth: Callable[..., None]) -> dict[str, Any]:
    config = memcached.cache_settings(f"t{os.getpid()}-{os.urandom(4).hex()}")
    settings.CACHES = {**settings.CACHES, "memcached": config}
    apiauth(CACHE_ALIAS="memcached")
    return config


def test_memcached_gets_the_bucketed_window(shared: dict[str, Any]) -> None:
    assert isinstance(limiter_for(caches["memcached"]), BucketedWindow)


def test_eight_processes_never_exceed_the_limit(shared: dict[str, Any]) -> None:
    """8 OS processes x 200 checks at 100/min: never more than 100. Concurrent refusals may refuse each other
    (the stated conservatism), but fewer than one per other process can be lost: at least 93 get in."""
    admitted = run_processes(shared, "ours", "exactness:memcached")
    assert 100 - 7 <= admitted <= 100


def test_sequential_checks_admit_exactly_the_limit(shared: dict[str, Any]) -> None:
    limiter = limiter_for(caches["memcached"])
    rate = parse_rate("5/min")
    decisions = [limiter.hit(["seq"], [rate])[0] for _ in range(7)]
    assert [d.allowed for d in decisions] == [True] * 5 + [False] * 2
    assert decisions[-1].retry_after >= 1


def test_brute_force_counters_work_on_memcached(shared: dict[str, Any], apiauth: Callable[..., None]) -> None:
    apiauth(LOCKOUT_IP_FAILURES=3)
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7")
    for _ in range(3):
        lockout.check_allowed("api_key", request)
        lockout.register_failure("api_key", request)
    with pytest.raises(RateLimited):
        lockout.check_allowed("api_key", request)
    lockout.check_allowed("api_key", RequestFactory().get("/", REMOTE_ADDR="198.51.100.8"))
