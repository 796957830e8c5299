"""The client endpoints (token, revocation, introspection) share a per-network rate, and a network that keeps
failing client authentication waits before any lookup: 429 with ``Retry-After`` in the RFC 6749 error shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.support.oauth import basic, confidential, token_request

pytestmark = pytest.mark.django_db
FORM = "application/x-www-form-urlencoded"
GRANT = {"grant_type": "client_credentials"}


@pytest.fixture
def app() -> Any:
    return confidential()


def test_token_requests_over_the_rate_get_429_with_headers(apiauth: Callable[..., None], app: Any) -> None:
    apiauth(THROTTLE_RATES={"oauth": "3/min"})
    creds = basic(app.client.client_id, app.secret)
    answers = [token_request(Client(), GRANT, **creds) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0]["RateLimit-Policy"] == '"oauth";q=3;w=60'
    assert answers[0]["RateLimit"].startswith('"oauth";r=2;')
    refused = answers[-1]
    assert refused.json()["error"] == "rate_limited"
    assert set(refused.json()) == {"error", "error_description"}
    assert int(refused["Retry-After"]) >= 1
    assert refused["Cache-Control"] == "no-store"
    other_network = token_request(Client(REMOTE_ADDR="192.0.2.9"), GRANT, **creds)
    assert other_network.status_code == 200


@pytest.mark.parametrize("path", ["/auth/oauth/revoke/", "/auth/oauth/introspect/"])
def test_revocation_and_introspection_share_the_rate(apiauth: Callable[..., None], app: Any, path: str) -> None:
    apiauth(THROTTLE_RATES={"oauth": "2/min"})
    creds = basic(app.client.client_id, app.secret)
    token_request(Client(), GRANT, **creds)
    token_request(Client(), GRANT, **creds)
    refused = Client().post(path, urlencode({"token": "x"}), content_type=FORM, **creds)
    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited"


def test_the_rate_can_be_switched_off(apiauth: Callable[..., None], app: Any) -> None:
    apiauth(THROTTLE_RATES={"oauth": None})
    creds = basic(app.client.client_id, app.secret)
    answers = [token_request(Client(), GRANT, **creds) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert "RateLimit" not in answers[0]


def test_failed_client_authentication_makes_the_network_wait(apiauth: Callable[..., None], app: Any) -> None:
    apiauth(LOCKOUT_IP_FAILURES=3)
    wrong = basic(app.client.client_id, "not-the-secret")
    assert [token_request(Client(), GRANT, **wrong).status_code for _ in range(3)] == [401, 401, 401]
    refused = token_request(Client(), GRANT, **basic(app.client.client_id, app.secret))
    assert (refused.status_code, refused.json()["error"], refused["Retry-After"]) == (429, "rate_limited", "1")
    assert token_request(Client(REMOTE_ADDR="192.0.2.10"), GRANT, **wrong).status_code == 401


def test_unknown_clients_count_as_failures(apiauth: Callable[..., None]) -> None:
    apiauth(LOCKOUT_IP_FAILURES=2)
    for _ in range(2):
        assert token_request(Client(), {**GRANT, "client_id": "cl_nobody"}).status_code == 401
    assert token_request(Client(), {**GRANT, "client_id": "cl_nobody"}).status_code == 429
