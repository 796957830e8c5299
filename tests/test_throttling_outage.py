"""A Redis outage in the middle of traffic: throttles fail open, brute-force counters fail closed (503 JSON with
Retry-After), never a 500, logged once per interval, and service resumes when Redis is back. The Redis server
is one the test starts, stops and restarts itself."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from rest_framework.test import APIClient

from django_apiauth import shared_cache
from django_apiauth.exceptions import TemporarilyUnavailable
from tests.support.redis_server import RedisServer, redis_server
from tests.support.users import login_name

pytestmark = pytest.mark.django_db
__all__ = ["redis_server"]

BACKENDS = {
    "django-redis": lambda url: {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
    },
    "django": lambda url: {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    },
}


@pytest.fixture(params=sorted(BACKENDS))
def server(
    request: pytest.FixtureRequest, redis_server: RedisServer, settings: Any, apiauth: Callable[..., None]
) -> Iterator[RedisServer]:
    settings.CACHES = {**settings.CACHES, "outage": BACKENDS[request.param](redis_server.url)}
    apiauth(CACHE_ALIAS="outage", THROTTLE_RATES={"login": "100/min", "sessions": "100/min"})
    yield redis_server
    caches["outage"].close()


def login(client: APIClient, password: str) -> Any:
    return client.post("/auth/login/", {"username": login_name("alice"), "password": password}, format="json")


def test_outage_answers_per_policy_and_recovers(
    server: RedisServer, api_client: APIClient, user: User, password: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert login(api_client, "wrong").status_code == 401
    assert login(api_client, password)["RateLimit-Policy"] == '"login";q=100;w=60'

    server.stop()
    with caplog.at_level(logging.ERROR, logger="django_apiauth.shared_cache"):
        answers = [login(api_client, password) for _ in range(3)]
    for answer in answers:
        assert answer.status_code == 503  # the counters fail closed: no password check without them
        assert answer.json()["error"] == "temporarily_unavailable"
        assert answer["Retry-After"] == "5"
        assert "RateLimit" not in answer  # the throttle failed open
    outage_lines = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert [r.getMessage().split("; ")[1] for r in outage_lines] == ["THROTTLES fails open", "LOCKOUT fails closed"]

    api_client.force_authenticate(user)
    assert api_client.get("/auth/sessions/").status_code == 200  # throttled endpoint, open policy
    api_client.force_authenticate(None)

    server.start()
    assert login(api_client, password).status_code == 200


def test_lockout_can_fail_open(server: RedisServer, api_client: APIClient, user: User, password: str,
                               apiauth: Callable[..., None]) -> None:  # fmt: skip
    apiauth(CACHE_OUTAGE_POLICY={"LOCKOUT": "open"})
    server.stop()
    assert login(api_client, password).status_code == 200
    assert login(api_client, "wrong").status_code == 401


def test_throttles_can_fail_closed(server: RedisServer, api_client: APIClient, user: User,
                                   apiauth: Callable[..., None]) -> None:  # fmt: skip
    apiauth(CACHE_OUTAGE_POLICY={"THROTTLES": "closed"})
    server.stop()
    api_client.force_authenticate(user)
    assert api_client.get("/auth/sessions/").status_code == 503


def test_other_errors_are_not_outages() -> None:
    def broken() -> None:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        shared_cache.guarded("THROTTLES", broken, fallback=None)


def test_policy_defaults_and_bad_values(apiauth: Callable[..., None]) -> None:
    assert [shared_cache.policy(c) for c in shared_cache.CONSUMERS] == ["open", "open", "closed"]
    apiauth(CACHE_OUTAGE_POLICY={"THROTTLES": "sideways"})
    assert shared_cache.policy("THROTTLES") == "open"
    apiauth(CACHE_OUTAGE_POLICY="closed")
    assert shared_cache.policy("LOCKOUT") == "closed"


def test_outage_log_interval(apiauth: Callable[..., None], caplog: pytest.LogCaptureFixture) -> None:
    def down() -> None:
        raise ConnectionError("refused")

    apiauth(CACHE_OUTAGE_LOG_INTERVAL=3600)
    with caplog.at_level(logging.ERROR, logger="django_apiauth.shared_cache"):
        for _ in range(5):
            with pytest.raises(TemporarilyUnavailable):
                shared_cache.guarded("LOCKOUT", down, fallback=None)
    assert len(caplog.records) == 1
