"""Throttles over HTTP: the app's endpoints by default, the 429 contract, RateLimit headers, client IPs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from django_apiauth.models.events import AuthEvent, EventType
from django_apiauth.throttling.service import DEFAULT_RATES
from tests.support.users import login_name

pytestmark = pytest.mark.django_db
T0 = 1_800_000_000.0
LOGIN = "/auth/login/"


def login(client: APIClient, password: str = "wrong", **extra: Any) -> Any:
    return client.post(LOGIN, {"username": login_name("alice"), "password": password}, format="json", **extra)


@pytest.fixture
def login_rate(apiauth: Callable[..., None], local_clock_cache: None) -> None:
    apiauth(THROTTLE_RATES={"login": "3/min"}, LOCKOUT_ENABLED=False)


def test_429_contract_and_headers(api_client: APIClient, user: User, login_rate: None) -> None:
    with time_machine.travel(T0, tick=False):
        first = login(api_client)
        assert first.status_code == 401
        assert first["RateLimit-Policy"] == '"login";q=3;w=60'
        assert first["RateLimit"] == '"login";r=2;t=60'
        login(api_client)
        login(api_client)
        refused = login(api_client)
    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited"
    assert refused.json()["error_description"]
    assert refused["Retry-After"] == "60"
    assert refused["RateLimit-Policy"] == '"login";q=3;w=60'
    assert refused["RateLimit"] == '"login";r=0;t=60'


def test_headers_and_retry_after_at_the_window_boundary(api_client: APIClient, user: User, login_rate: None) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        login(api_client)
        clock.shift(20)
        login(api_client)
        login(api_client)
        clock.shift(39.5)
        refused = login(api_client)
        assert (refused.status_code, refused["Retry-After"], refused["RateLimit"]) == (429, "1", '"login";r=0;t=1')
        clock.shift(0.5)  # exactly 60 s after the first: it has left the window
        admitted = login(api_client)
        assert admitted.status_code == 401
        assert admitted["RateLimit"] == '"login";r=0;t=20'


def test_success_is_counted_too(api_client: APIClient, user: User, password: str, login_rate: None) -> None:
    for _ in range(3):
        assert login(api_client, password).status_code == 200
    assert login(api_client, password).status_code == 429


def test_rate_limited_events_are_aggregated(api_client: APIClient, user: User, login_rate: None) -> None:
    for _ in range(10):
        login(api_client)
    rows = AuthEvent.objects.filter(type=EventType.RATE_LIMITED)
    assert rows.count() == 1
    assert rows.get().count == 4  # 7 refusals: the row is raised at powers of two (aggregation)
    assert rows.get().details["scopes"] == ["login"]


def test_spoofed_forwarded_for_from_an_untrusted_peer_makes_no_new_bucket(
    api_client: APIClient, user: User, login_rate: None
) -> None:
    for i in range(3):
        login(api_client, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    assert login(api_client, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429


def test_trusted_proxy_separates_clients(
    api_client: APIClient, user: User, login_rate: None, apiauth: Callable[..., None]
) -> None:
    apiauth(TRUSTED_PROXIES=["127.0.0.0/8"])
    for _ in range(3):
        login(api_client, HTTP_X_FORWARDED_FOR="198.51.100.1", REMOTE_ADDR="127.0.0.1")
    assert login(api_client, HTTP_X_FORWARDED_FOR="198.51.100.1", REMOTE_ADDR="127.0.0.1").status_code == 429
    assert login(api_client, HTTP_X_FORWARDED_FOR="198.51.100.2", REMOTE_ADDR="127.0.0.1").status_code == 401


def test_ipv6_clients_share_a_bucket_per_64(api_client: APIClient, user: User, login_rate: None) -> None:
    for i in range(3):
        login(api_client, REMOTE_ADDR=f"2001:db8:1:2::{i + 1}")
    assert login(api_client, REMOTE_ADDR="2001:db8:1:2:ffff::9").status_code == 429
    assert login(api_client, REMOTE_ADDR="2001:db8:1:3::1").status_code == 401


def test_rates_are_read_at_call_time(api_client: APIClient, user: User, apiauth: Callable[..., None]) -> None:
    apiauth(THROTTLE_RATES={"login": "1/min"}, LOCKOUT_ENABLED=False)
    login(api_client)
    assert login(api_client).status_code == 429
    apiauth(THROTTLE_RATES={"login": None})
    response = login(api_client)
    assert response.status_code == 401
    assert "RateLimit" not in response


def test_built_in_rates_apply_when_not_configured(
    api_client: APIClient, user: User, apiauth: Callable[..., None]
) -> None:
    apiauth(THROTTLE_RATES={}, LOCKOUT_ENABLED=False)
    assert login(api_client)["RateLimit-Policy"] == '"login";q=30;w=60'
    assert DEFAULT_RATES == {
        "login": "30/min", "refresh": "60/min", "api_keys": "60/min", "sessions": "120/min",
        "mfa": "30/min", "oauth": "60/min",
    }  # fmt: skip


def test_malformed_rate_is_ignored_not_a_500(
    api_client: APIClient, user: User, apiauth: Callable[..., None], caplog: pytest.LogCaptureFixture
) -> None:
    apiauth(THROTTLE_RATES={"login": "lots"}, LOCKOUT_ENABLED=False)
    assert login(api_client).status_code == 401
    assert "THROTTLE_RATES" in caplog.text


def test_refresh_and_logout_are_throttled_per_network(api_client: APIClient, apiauth: Callable[..., None]) -> None:
    apiauth(THROTTLE_RATES={"refresh": "2/min"})
    for _ in range(2):
        assert api_client.post("/auth/refresh/", {"refresh_token": "x"}, format="json").status_code in (400, 401)
    refused = api_client.post("/auth/logout/", {"refresh_token": "x"}, format="json")
    assert refused.status_code == 429
    assert refused["RateLimit"].startswith('"refresh";r=0;')


def test_key_management_and_sessions_are_throttled_per_user(
    api_client: APIClient, user: User, apiauth: Callable[..., None]
) -> None:
    apiauth(THROTTLE_RATES={"api_keys": "2/min", "sessions": "1/min"})
    api_client.force_authenticate(user)
    assert api_client.get("/auth/api-keys/").status_code == 200
    listed = api_client.get("/auth/api-keys/")
    assert listed["RateLimit"] == '"api_keys";r=0;t=60'
    assert api_client.get("/auth/api-keys/").status_code == 429
    assert api_client.get("/auth/sessions/").status_code == 200
    assert api_client.get("/auth/sessions/").status_code == 429
