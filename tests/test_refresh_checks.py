"""System checks apiauth.E030-E036 and W030-W033 for the login and refresh-token settings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings

from django_apiauth.checks import ALL_CHECKS, check_namespace
from django_apiauth.refresh.checks import REFRESH_CHECKS


def ids() -> list[str]:
    """This feature's checks plus the generic one reporting its keys' constraints (types are E003's tests)."""
    found = (str(message.id) for check in [check_namespace, *REFRESH_CHECKS] for message in check(None))
    return sorted(i for i in found if i != "apiauth.E003")


def test_refresh_checks_are_registered() -> None:
    assert set(REFRESH_CHECKS) <= set(ALL_CHECKS)


@override_settings(DEBUG=True)
def test_defaults_pass() -> None:
    assert ids() == []


CASES: list[tuple[dict[str, Any], str]] = [
    ({"REFRESH_TOKEN_TRANSPORT": "header"}, "apiauth.E030"),
    ({"REFRESH_COOKIE_SAMESITE": "strict"}, "apiauth.E031"),
    ({"REFRESH_REUSE_GRACE": -1}, "apiauth.E032"),
    ({"REFRESH_REUSE_GRACE": timedelta(seconds=-5)}, "apiauth.E032"),
    ({"REFRESH_COOKIE_ALLOWED_ORIGINS": ["https://app.example.com/path"]}, "apiauth.E033"),
    ({"REFRESH_COOKIE_ALLOWED_ORIGINS": ["app.example.com"]}, "apiauth.E033"),
    ({"REFRESH_COOKIE_ALLOWED_ORIGINS": ["https://user@app.example.com"]}, "apiauth.E033"),
    ({"REFRESH_COOKIE_ALLOWED_ORIGINS": [42]}, "apiauth.E033"),
    ({"REFRESH_COOKIE_CSRF_HEADER": "X_Requested_With"}, "apiauth.E034"),
    ({"REFRESH_COOKIE_NAME": "refresh token"}, "apiauth.E035"),
    ({"REFRESH_COOKIE_NAME": "__Host-refresh"}, "apiauth.E035"),
    ({"REFRESH_TOKEN_TRANSPORT": "cookie", "REFRESH_COOKIE_SAMESITE": "Lax"}, "apiauth.W031"),
    ({"REFRESH_REUSE_GRACE": 61}, "apiauth.W032"),
    ({"REFRESH_TOKEN_IDLE_LIFETIME": 3600, "REFRESH_TOKEN_ABSOLUTE_LIFETIME": 60}, "apiauth.W033"),
]


@override_settings(DEBUG=True)
@pytest.mark.parametrize(("keys", "expected"), CASES, ids=[f"{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_each_misconfiguration_has_its_id(apiauth: Callable[..., None], keys: dict[str, Any], expected: str) -> None:
    apiauth(**keys)

    assert ids() == [expected]


@override_settings(DEBUG=True)
@pytest.mark.parametrize(
    "keys",
    [
        {
            "REFRESH_REUSE_GRACE": 5,
            "REFRESH_COOKIE_ALLOWED_ORIGINS": ["https://app.example.com", "http://localhost:3000"],
        },
        {"REFRESH_COOKIE_NAME": "__Host-refresh", "REFRESH_COOKIE_PATHS": ["/"]},
        {"REFRESH_TOKEN_TRANSPORT": "body", "REFRESH_COOKIE_SAMESITE": "Lax"},  # the cookie is not used
        {"REFRESH_COOKIE_CSRF_HEADER": ""},
        {"REFRESH_TOKEN_TRANSPORT": 3, "REFRESH_REUSE_GRACE": "1s", "REFRESH_COOKIE_NAME": None},  # E003's job
    ],
)
def test_sound_or_foreign_values_are_not_reported(apiauth: Callable[..., None], keys: dict[str, Any]) -> None:
    apiauth(**keys)

    assert ids() == []


DUMMY = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:6379/5"}}


@pytest.mark.parametrize(
    ("caches", "debug", "check_sessions", "expected"),
    [
        (DUMMY, True, True, ["apiauth.E036"]),
        (LOCMEM, False, True, ["apiauth.W030"]),
        (LOCMEM, True, True, []),
        (REDIS, False, True, []),
        (DUMMY, False, False, []),
    ],
)
def test_the_revocation_list_needs_a_shared_cache(
    apiauth: Callable[..., None], caches: dict[str, Any], debug: bool, check_sessions: bool, expected: list[str]
) -> None:
    apiauth(CHECK_REVOKED_SESSIONS=check_sessions)
    with override_settings(CACHES=caches, DEBUG=debug):
        assert ids() == expected
