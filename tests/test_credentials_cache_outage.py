"""Clients holding a credential go on while the shared cache is down: API keys, refresh tokens and OAuth client
secrets are decided by the database, and their per-network refusal counters carry on without the cache
whatever ``CACHE_OUTAGE_POLICY["LOCKOUT"]`` says; only password and MFA-code checks answer 503.

The Redis server is the test's own, stopped and started again (empty) by the test.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from django_apiauth.api_keys.service import create_api_key
from django_apiauth.shared_cache import reset_outage_log
from tests.support.oauth import basic, confidential, token_request
from tests.support.redis_server import RedisServer, redis_server
from tests.support.refresh_tokens import REFRESH, bearer, login, login_pair

pytestmark = pytest.mark.django_db
__all__ = ["redis_server"]


@pytest.fixture(params=["django_redis", "django"])
def shared(request: pytest.FixtureRequest, redis_server: RedisServer, settings: Any, apiauth: Any) -> RedisServer:
    """The app's shared cache is the test's Redis; ``LOCKOUT`` keeps its default, ``closed``."""
    settings.CACHES = {**settings.CACHES, "shared": redis_server.cache_settings(request.param)}
    apiauth(CACHE_ALIAS="shared")
    reset_outage_log()
    return redis_server


def whoami_with_key(key: str) -> Any:
    return APIClient().get("/api/whoami/", HTTP_X_API_KEY=key)


def test_api_keys_refresh_tokens_and_client_secrets_work_while_logins_wait(
    shared: RedisServer, user: User, caplog: pytest.LogCaptureFixture
) -> None:
    key = create_api_key(owner=user, name="during the outage", scopes=[]).plaintext
    pair = login_pair(APIClient())
    app = confidential()
    shared.stop()

    with caplog.at_level(logging.ERROR, logger="django_apiauth.shared_cache"):
        keyed = whoami_with_key(key)
        refreshed = APIClient().post(REFRESH, {"refresh_token": pair["refresh_token"]}, format="json")
        issued = token_request(
            Client(), {"grant_type": "client_credentials"}, **basic(app.client.client_id, app.secret)
        )
        unknown_key = whoami_with_key(key[:-4] + "AAAA")
        password = login(APIClient())

    assert keyed.status_code == 200, keyed.content
    assert refreshed.status_code == 200, refreshed.content
    assert bearer(APIClient(), refreshed.json()["access_token"]).get("/api/whoami/").status_code == 200
    assert issued.status_code == 200, issued.content
    assert unknown_key.status_code == 401  # refused by the database, not a 503
    assert password.status_code == 503  # password checks still fail closed
    assert password.json()["error"] == "temporarily_unavailable"
    lines = {r.getMessage().split("; ")[1] for r in caplog.records if "unreachable" in r.getMessage()}
    assert {"CREDENTIAL_REFUSALS fails open", "LOCKOUT fails closed"} <= lines

    shared.start()
    after = APIClient().post(REFRESH, {"refresh_token": refreshed.json()["refresh_token"]}, format="json")
    assert after.status_code == 200  # the token answered during the outage stays usable
    assert login(APIClient()).status_code == 200
