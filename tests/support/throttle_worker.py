"""Child process of the exactness tests: ``hits`` checks on one key, started together through a barrier.

The parent passes its own cache configuration (with its key prefix), so every child counts in the same
Redis keys as the parent and each other.
"""

from __future__ import annotations

import os
from typing import Any


def build_cache(config: dict[str, Any]) -> Any:
    from django.utils.module_loading import import_string

    params = {k: v for k, v in config.items() if k not in ("BACKEND", "LOCATION")}
    return import_string(config["BACKEND"])(config.get("LOCATION", ""), params)


def run(key: str, rate: str, hits: int, barrier: Any, config: dict[str, Any], limiter_name: str) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django_apiauth.throttling.limiter import limiter_for
    from django_apiauth.throttling.rates import parse_rate

    cache = build_cache(config)
    limiter: Any = limiter_for(cache)
    if limiter_name == "drf":  # the benchmark's comparison: DRF's read-modify-write throttle
        from bench.drf_throttle import SimpleRateLimiter

        limiter = SimpleRateLimiter(cache)
    parsed = parse_rate(rate)
    barrier.wait()
    return sum(1 for _ in range(hits) if limiter.hit([key], [parsed])[0].allowed)
