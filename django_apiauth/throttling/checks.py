"""System checks for rate limits, brute-force counters and the cache-outage policy.

* ``apiauth.E060`` a ``THROTTLE_RATES`` entry that is not a rate (``100/min``, ``5/10m``) or ``None``, or a
  scope name that is not ``[A-Za-z0-9_.:-]``.
* ``apiauth.E061`` the ``CACHE_ALIAS`` cache is a ``DummyCache``: nothing would be counted.
* ``apiauth.E062`` lockout thresholds below 1, or ``LOCKOUT_BASE_WAIT`` above ``LOCKOUT_MAX_WAIT``.
* ``apiauth.E063`` ``CACHE_OUTAGE_POLICY`` names an unknown consumer or a policy other than open/closed.
* ``apiauth.W039`` rate limits and lockout counters in a per-process cache outside ``DEBUG`` (each worker
  counts alone; the W030 family).
* ``apiauth.W060`` a shared cache that is neither Redis nor memcached: its ``incr`` may not be atomic.
* ``apiauth.E064`` a detector threshold (``MONITOR_STUFFING_ACCOUNTS``, ``MONITOR_DISTRIBUTED_NETWORKS``) below 2
  (the generic settings check reports it under this id).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings as django_settings
from django.core import checks

from django_apiauth import conf
from django_apiauth.throttling.rates import InvalidRate, parse_rate

CheckResult = list[checks.CheckMessage]
_SCOPE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_LOCAL = ("django.core.cache.backends.locmem.LocMemCache",)
_DUMMY = ("django.core.cache.backends.dummy.DummyCache",)
_ATOMIC = (
    "django_redis.cache.RedisCache",
    "django.core.cache.backends.redis.RedisCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
)


def _value(key: str) -> Any:
    return conf.user_settings().get(key, conf.SPECS[key].default)


def check_rates(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    rates = _value("THROTTLE_RATES")
    errors: CheckResult = []
    for scope, text in rates.items() if isinstance(rates, dict) else ():
        problem = None
        if not isinstance(scope, str) or not _SCOPE.fullmatch(scope):
            problem = f"scope name {scope!r} must be 1-64 letters, digits or _.:-"
        elif text is not None:
            try:
                parse_rate(text)
            except InvalidRate as exc:
                problem = str(exc)
        if problem:
            errors.append(checks.Error(f"APIAUTH['THROTTLE_RATES']: {problem}.", id="apiauth.E060"))
    return errors


def _cache_backend() -> str:
    alias = _value("CACHE_ALIAS")
    config = django_settings.CACHES.get(alias, {}) if isinstance(alias, str) else {}
    return str(config.get("BACKEND", ""))


def check_cache(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    backend = _cache_backend()
    if backend in _DUMMY:
        return [
            checks.Error(
                "The CACHE_ALIAS cache is a DummyCache: rate limits and brute-force counters count nothing.",
                hint="Use Redis (django-redis or django.core.cache.backends.redis.RedisCache).",
                id="apiauth.E061",
            )
        ]
    if backend in _LOCAL and not django_settings.DEBUG:
        return [
            checks.Warning(
                "Rate limits and brute-force counters live in a per-process cache: every worker counts alone.",
                hint="Point APIAUTH['CACHE_ALIAS'] at Redis when more than one process serves the API.",
                id="apiauth.W039",
            )
        ]
    if backend and backend not in _LOCAL + _ATOMIC:
        return [
            checks.Warning(
                f"Rate limits on {backend} rely on its incr(), which may not be atomic: limits can be exceeded.",
                hint="Use Redis for exact limits, or memcached for limits with the stated precision.",
                id="apiauth.W060",
            )
        ]
    return []


def check_lockout(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """E042 for a first wait longer than the cap (thresholds below 1 are the generic check's, same id)."""
    base, cap = _seconds(_value("LOCKOUT_BASE_WAIT")), _seconds(_value("LOCKOUT_MAX_WAIT"))
    if base is not None and cap is not None and base > cap:
        return [checks.Error("APIAUTH['LOCKOUT_BASE_WAIT'] is longer than LOCKOUT_MAX_WAIT.", id="apiauth.E062")]
    return []


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool) or (not isinstance(value, (int, float)) and not hasattr(value, "total_seconds")):
        return None
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)


def check_outage_policy(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    from django_apiauth.shared_cache import CONSUMERS, POLICIES

    policy = _value("CACHE_OUTAGE_POLICY")
    errors: CheckResult = []
    for consumer, value in policy.items() if isinstance(policy, dict) else ():
        if consumer not in CONSUMERS or value not in POLICIES:
            errors.append(
                checks.Error(
                    f"APIAUTH['CACHE_OUTAGE_POLICY'][{consumer!r}] = {value!r} is not valid.",
                    hint=f"Consumers: {', '.join(CONSUMERS)}; policies: 'open' or 'closed'.",
                    id="apiauth.E063",
                )
            )
    return errors


THROTTLE_CHECKS: list[Callable[..., CheckResult]] = [check_rates, check_cache, check_lockout, check_outage_policy]
