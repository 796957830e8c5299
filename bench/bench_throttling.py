"""One throttle check next to DRF's ``SimpleRateThrottle`` on the same Redis, in the same run.

Targets: our check costs at most half of DRF's, in one round trip, with zero over-admission; DRF's
over-admission under 8 processes on one key at 100/min is printed beside ours. Uses ``REDIS_URL`` when set,
otherwise a throw-away ``redis-server`` on a free port (skipped with a note when none is installed).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.test.utils import override_settings

from bench.drf_throttle import SimpleRateLimiter
from bench.harness import NoAuthView, Result, baseline, measure, measure_view, print_table
from django_apiauth.testing import override_apiauth
from django_apiauth.throttling.drf import IPRateThrottle
from django_apiauth.throttling.limiter import limiter_for
from django_apiauth.throttling.rates import parse_rate

HUGE = "100000/min"  # timing runs must not be refused


@contextmanager
def redis_url() -> Iterator[str | None]:
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    from tests.support.redis_server import RedisServer

    with tempfile.TemporaryDirectory() as directory:
        server = RedisServer(Path(directory))
        try:
            server.start()
        except Exception:  # no redis-server binary
            yield None
            return
        try:
            yield server.url
        finally:
            server.stop()


def round_trips_per_call(call: Any, n: int = 200) -> float:
    """Requests sent to Redis per call, counted at redis-py's socket write."""
    from redis.connection import AbstractConnection

    sent = 0
    original = AbstractConnection.send_packed_command

    def counting(self: Any, command: Any, check_health: bool = True) -> None:
        nonlocal sent
        sent += 1
        original(self, command, check_health)

    AbstractConnection.send_packed_command = counting  # type: ignore[method-assign]
    try:
        for _ in range(n):
            call()
    finally:
        AbstractConnection.send_packed_command = original  # type: ignore[method-assign]
    return sent / n


def cycling(prefix: str) -> Iterator[str]:
    """64 keys in turn, so no key's history grows large (DRF pickles its whole list on every request)."""
    n = 0
    while True:
        n += 1
        yield f"{prefix}:{n % 64}"


class OurView(NoAuthView):
    throttle_classes = [IPRateThrottle]


def drf_view_on(cache: Any) -> Any:
    """DRF captures its cache and its rates at import time: the view's throttle gets the benchmark's Redis and
    the same rate as ours, so it really counts (without a rate DRF's throttle admits without a lookup)."""
    from rest_framework.throttling import AnonRateThrottle

    throttle = type("AnonOnRedis", (AnonRateThrottle,), {"cache": cache, "rate": HUGE})
    return type("DRFView", (NoAuthView,), {"throttle_classes": [throttle]}).as_view()


def run() -> None:
    with redis_url() as url:
        if url is None:
            print("\n### Throttling: skipped (no REDIS_URL and no redis-server installed)\n")
            return
        config = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": url, "KEY_PREFIX": f"bench-{os.getpid()}"}
        drf = {"DEFAULT_THROTTLE_RATES": {"anon": HUGE}}
        with (
            override_settings(CACHES={"default": config}, REST_FRAMEWORK=drf),
            override_apiauth(THROTTLE_RATES={"ip": HUGE}),
        ):
            _run(config)


def _run(config: dict[str, Any]) -> None:
    from django.core.cache import caches

    from tests.test_throttling_limiter import run_processes

    cache = caches["default"]
    cache.clear()
    ours, theirs, rate = limiter_for(cache), SimpleRateLimiter(cache), parse_rate(HUGE)
    our_keys, their_keys = cycling("ours"), cycling("theirs")

    def our_call() -> None:
        ours.hit([next(our_keys)], [rate])

    def their_call() -> None:
        theirs.hit([next(their_keys)], [rate])

    ours_rt, theirs_rt = round_trips_per_call(our_call), round_trips_per_call(their_call)
    cache.clear()
    base = baseline()
    drf_check = measure("DRF SimpleRateThrottle.allow_request", their_call)
    our_check = measure("our limiter check (Lua)", our_call)
    ratio = our_check.median_us / drf_check.median_us
    our_check.note = f"{ratio:.2f} x DRF (target <= 0.5); {ours_rt:.1f} round trips per check"
    drf_check.note = f"{theirs_rt:.1f} round trips per check"
    cache.clear()
    drf_view = measure_view("view + DRF AnonRateThrottle", drf_view_on(cache))
    our_view = measure_view("view + IPRateThrottle (+ RateLimit headers)", OurView.as_view())
    print_table("Throttling: one check on the same Redis", [drf_check, our_check, drf_view, our_view], base)
    _print_exactness(config, run_processes)


def _print_exactness(config: dict[str, Any], run_processes: Any) -> None:
    rows = []
    for name in ("ours", "drf"):
        key = f"exact-{name}-{os.getpid()}"
        admitted = run_processes(config, name, key)
        rows.append((name, admitted))
    print("\n### Throttling: 8 processes x 200 requests on one key at 100/min (same Redis)\n")
    print("| limiter | admitted | over-admission |")
    print("| --- | ---: | ---: |")
    for name, admitted in rows:
        label = "django-apiauth (Lua)" if name == "ours" else "DRF SimpleRateThrottle"
        print(f"| {label} | {admitted} | {admitted / 100:.2f} x limit |")


__all__ = ["Result", "run"]
