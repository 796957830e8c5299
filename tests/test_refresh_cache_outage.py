"""A shared cache that goes away: the revoked-session check, login and logout never answer 500.

The Redis server is the test's own: started on a free port, killed, and started again (empty, as after a
restart) to show recovery.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from rest_framework.test import APIClient

from django_apiauth.jwt.access import verify_access_token
from tests.support.redis_server import RedisServer, redis_server
from tests.support.refresh_tokens import LOGOUT, SESSIONS, bearer, login, login_pair

pytestmark = pytest.mark.django_db
__all__ = ["redis_server"]

BACKENDS = ["django_redis", "django"]


@pytest.fixture(params=BACKENDS)
def shared(request: pytest.FixtureRequest, redis_server: RedisServer, settings: Any, apiauth: Any) -> RedisServer:
    """The app's shared cache is the test's Redis, through django-redis or Django's own ``RedisCache``."""
    settings.CACHES = {**settings.CACHES, "shared": redis_server.cache_settings(request.param)}
    apiauth(CACHE_ALIAS="shared")
    return redis_server


def session_status(access_token: str) -> int:
    return int(bearer(APIClient(), access_token).get(SESSIONS).status_code)


def outage_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "django_apiauth.shared_cache"]


def test_fail_open_asks_the_database_and_refuses_revoked_sessions(
    shared: RedisServer, user: User, caplog: pytest.LogCaptureFixture
) -> None:
    live = login_pair(APIClient())
    revoked = login_pair(APIClient())
    APIClient().post(LOGOUT, {"refresh_token": revoked["refresh_token"]}, format="json")

    shared.stop()
    with caplog.at_level(logging.ERROR, logger="django_apiauth.shared_cache"):
        statuses = [session_status(live["access_token"]), session_status(revoked["access_token"])]
        statuses += [session_status(live["access_token"]) for _ in range(5)]

    assert statuses == [200, 401] + [200] * 5
    lines = [line for line in outage_lines(caplog) if "REVOKED_SESSIONS" in line]
    assert lines == ["shared cache 'shared' unreachable (ConnectionError); REVOKED_SESSIONS fails open"]


def test_login_and_logout_work_while_the_cache_is_down_and_stay_revoked_after_it_returns(
    shared: RedisServer, user: User, apiauth: Any
) -> None:
    shared.stop()
    assert login(APIClient()).status_code == 503  # brute-force counters fail closed by default, never 500
    apiauth(CACHE_ALIAS="shared", CACHE_OUTAGE_POLICY={"LOCKOUT": "open"})
    pair = login_pair(APIClient())
    logout = APIClient().post(LOGOUT, {"refresh_token": pair["refresh_token"]}, format="json")
    assert logout.status_code < 300
    assert session_status(pair["access_token"]) == 401

    shared.start()  # an empty server: every entry is gone

    assert session_status(pair["access_token"]) == 401
    fresh = login_pair(APIClient())
    assert session_status(fresh["access_token"]) == 200


def test_fail_closed_answers_503_json_with_retry_after(shared: RedisServer, user: User, apiauth: Any) -> None:
    apiauth(CACHE_ALIAS="shared", CACHE_OUTAGE_POLICY={"REVOKED_SESSIONS": "closed"})
    pair = login_pair(APIClient())
    shared.stop()

    response = bearer(APIClient(), pair["access_token"]).get(SESSIONS)

    assert response.status_code == 503
    assert response.json() == {
        "error": "temporarily_unavailable",
        "error_description": "The service is temporarily unavailable; retry later.",
    }
    assert int(response["Retry-After"]) >= 1
    assert "shared" not in response.content.decode()
    assert "redis" not in response.content.decode().lower()

    shared.start()
    assert session_status(pair["access_token"]) == 200  # recovered (answered by the database, then cached)


def test_a_project_without_our_exception_handler_still_gets_json_503(
    shared: RedisServer, user: User, apiauth: Any, settings: Any
) -> None:
    settings.REST_FRAMEWORK = {k: v for k, v in settings.REST_FRAMEWORK.items() if k != "EXCEPTION_HANDLER"}
    apiauth(CACHE_ALIAS="shared", CACHE_OUTAGE_POLICY={"REVOKED_SESSIONS": "closed"})
    pair = login_pair(APIClient())
    shared.stop()

    response = bearer(APIClient(), pair["access_token"]).get("/api/whoami/")

    assert response.status_code == 503
    assert response.json()["error"] == "temporarily_unavailable"
    assert response.has_header("Retry-After")


def test_a_revocation_written_during_a_partition_reaches_the_cache_when_it_answers_again(
    shared: RedisServer, user: User, settings: Any, free_port: Callable[[], int]
) -> None:
    """The server keeps its data (a network partition, not a restart): its stale ``live`` entry is replaced."""
    pair = login_pair(APIClient())
    sid = verify_access_token(pair["access_token"])["sid"]
    reachable = settings.CACHES["shared"]
    settings.CACHES = {**settings.CACHES, "shared": {**reachable, "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}}
    APIClient().post(LOGOUT, {"refresh_token": pair["refresh_token"]}, format="json")

    settings.CACHES = {**settings.CACHES, "shared": reachable}
    key = f"apiauth:session:{sid}"
    assert caches["shared"].get(key) == "live"  # what the partition left behind

    assert session_status(pair["access_token"]) == 401
    assert caches["shared"].get(key) == "revoked"  # written once the cache answered again
    assert session_status(pair["access_token"]) == 401
    assert login(APIClient()).status_code == 200
