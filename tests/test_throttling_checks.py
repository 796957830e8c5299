"""System checks of rate limits, lockout and the outage policy: each id fires, and stays quiet when fine."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import checks
from django.test import override_settings

from django_apiauth.testing import override_apiauth

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def _ids() -> set[str]:
    return {m.id for m in checks.run_checks(tags=["apiauth"]) if m.id}


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"THROTTLE_RATES": {"login": "lots"}}, "apiauth.E060"),
        ({"THROTTLE_RATES": {"login": "0/min"}}, "apiauth.E060"),
        ({"THROTTLE_RATES": {"login": "5/0s"}}, "apiauth.E060"),
        ({"THROTTLE_RATES": {"login": "5/8d"}}, "apiauth.E060"),
        ({"THROTTLE_RATES": {"login": "\u0665/min"}}, "apiauth.E060"),  # a digit int() reads, not ASCII
        ({"THROTTLE_RATES": {"bad scope": "5/min"}}, "apiauth.E060"),
        ({"LOCKOUT_FAILURES": 0}, "apiauth.E062"),
        ({"LOCKOUT_IP_FAILURES": -1}, "apiauth.E062"),
        ({"LOCKOUT_BASE_WAIT": 60, "LOCKOUT_MAX_WAIT": 30}, "apiauth.E062"),
        ({"CACHE_OUTAGE_POLICY": {"THROTTLES": "sideways"}}, "apiauth.E063"),
        ({"CACHE_OUTAGE_POLICY": {"NOPE": "open"}}, "apiauth.E063"),
    ],
)
def test_bad_settings_report_their_id(overrides: dict[str, Any], expected: str) -> None:
    with override_apiauth(**overrides):
        assert expected in _ids()


def test_a_wait_of_the_wrong_type_is_left_to_the_type_check() -> None:
    with override_apiauth(LOCKOUT_BASE_WAIT=True, LOCKOUT_MAX_WAIT=30):
        found = _ids()
    assert "apiauth.E003" in found
    assert "apiauth.E062" not in found


def test_good_settings_are_quiet() -> None:
    good = {
        "THROTTLE_RATES": {"login": "5/10m", "reports": "1000/day", "burst": "10/s", "x": "100/min", "off": None},
        "LOCKOUT_FAILURES": 3,
        "LOCKOUT_BASE_WAIT": 2,
        "LOCKOUT_MAX_WAIT": 60,
        "CACHE_OUTAGE_POLICY": {"THROTTLES": "closed", "LOCKOUT": "open", "REVOKED_SESSIONS": "open"},
    }
    with override_apiauth(**good):
        assert not {"apiauth.E060", "apiauth.E062", "apiauth.E063"} & _ids()


@pytest.mark.parametrize(
    ("backend", "debug", "expected"),
    [
        ("django.core.cache.backends.dummy.DummyCache", False, "apiauth.E061"),
        ("django.core.cache.backends.locmem.LocMemCache", False, "apiauth.W039"),
        ("django.core.cache.backends.db.DatabaseCache", False, "apiauth.W060"),
    ],
)
def test_cache_backends(backend: str, debug: bool, expected: str) -> None:
    with override_settings(CACHES={"default": {"BACKEND": backend, "LOCATION": "t"}}, DEBUG=debug):
        assert expected in _ids()


@pytest.mark.parametrize(
    "backend",
    [
        "django_redis.cache.RedisCache",
        "django.core.cache.backends.redis.RedisCache",
        "django.core.cache.backends.memcached.PyMemcacheCache",
    ],
)
def test_shared_atomic_caches_are_quiet(backend: str) -> None:
    with override_settings(CACHES={"default": {"BACKEND": backend, "LOCATION": "redis://127.0.0.1:1/0"}}):
        assert not {"apiauth.E061", "apiauth.W039", "apiauth.W060"} & _ids()


def test_local_memory_in_debug_is_quiet() -> None:
    with override_settings(CACHES=LOCMEM, DEBUG=True):
        assert "apiauth.W039" not in _ids()
