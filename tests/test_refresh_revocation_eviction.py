"""Another account's traffic cannot make a revoked access token valid again, whatever the cache evicts.

The attacker logs in over and over (each login adds cache entries) and calls ``logout-all`` until the
victim's revocation entry has been evicted -- from a local-memory cache of the example project's size, and
from a Redis under ``maxmemory`` with an LRU policy. The victim's stolen token must stay refused.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from rest_framework.test import APIClient

from django_apiauth.jwt.access import verify_access_token
from tests.support.redis_server import RedisServer, redis_server
from tests.support.refresh_tokens import LOGOUT, LOGOUT_ALL, PASSWORD, SESSIONS, bearer, login_pair

pytestmark = pytest.mark.django_db
__all__ = ["redis_server"]
MAX_ATTACKER_LOGINS = 3000
#: The attacker is given all the requests it wants: rate limits only slow the attack, the property must hold
#: without them.
NO_RATE_LIMITS = {"login": None, "sessions": None, "refresh": None}


def attacker_floods_until_evicted(key: str, alias: str) -> int:
    """Attacker logins (and a ``logout-all`` every 50) until ``key`` is gone; returns how many it took."""
    user_model = get_user_model()
    attacker = user_model._default_manager.create_user(  # type: ignore[attr-defined]
        **{user_model.USERNAME_FIELD: "mallory@example.com", "password": PASSWORD}
    )
    client = APIClient()
    for attempt in range(1, MAX_ATTACKER_LOGINS + 1):
        pair = login_pair(client, attacker.get_username())
        if attempt % 50 == 0:
            assert bearer(APIClient(), pair["access_token"]).post(LOGOUT_ALL).status_code < 300
        if not caches[alias].has_key(key):  # unlike get(), does not refresh the entry's LRU position
            return attempt
    raise AssertionError("the flood never evicted the entry: the test proves nothing")


def victim_logs_out(user: Any) -> tuple[str, str]:
    pair = login_pair(APIClient(), user.get_username())
    APIClient().post(LOGOUT, {"refresh_token": pair["refresh_token"]}, format="json")
    sid = verify_access_token(pair["access_token"])["sid"]
    return pair["access_token"], f"apiauth:session:{sid}"


def assert_refused(access_token: str) -> None:
    response = bearer(APIClient(), access_token).get(SESSIONS)
    assert response.status_code == 401, response.content
    assert response.json()["error"] == "invalid_token"


def test_a_full_local_memory_cache_cannot_revive_a_revoked_token(user: Any, settings: Any, apiauth: Any) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "small": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "eviction-test"},
    }  # Django's default size: 300 entries, as in the example project
    apiauth(CACHE_ALIAS="small", THROTTLE_RATES=NO_RATE_LIMITS)
    stolen, key = victim_logs_out(user)
    assert_refused(stolen)

    attacker_floods_until_evicted(key, "small")

    assert_refused(stolen)
    assert caches["small"].get(key) == "revoked"  # asked of the database and written back


def test_a_redis_evicting_under_maxmemory_cannot_revive_a_revoked_token(
    user: Any, redis_server: RedisServer, settings: Any, apiauth: Any
) -> None:
    server = redis_server.client()
    settings.CACHES = {**settings.CACHES, "evicting": redis_server.cache_settings()}
    apiauth(CACHE_ALIAS="evicting", THROTTLE_RATES=NO_RATE_LIMITS)
    stolen, key = victim_logs_out(user)
    assert_refused(stolen)
    # Little room left above what the server uses now (connections included): the flood must evict.
    server.config_set("maxmemory-policy", "allkeys-lru")
    server.config_set("maxmemory", int(server.info("memory")["used_memory"]) + 48 * 1024)

    attacker_floods_until_evicted(key, "evicting")

    assert int(server.info("stats")["evicted_keys"]) > 0
    assert_refused(stolen)
