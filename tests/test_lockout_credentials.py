"""API-key and refresh-token failures count against the client's network; past the threshold it waits (429
with Retry-After) before any database work, whatever the project's EXCEPTION_HANDLER is."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from tests.support.users import login_name

pytestmark = pytest.mark.django_db


def well_formed(lookup_id: str | None = None) -> str:
    """A key that passes the format check (free to refuse) and so reaches the lookup and the counter."""
    from django_apiauth.api_keys.format import generate_key

    return generate_key("apiauth", lookup_id).full


@pytest.fixture(autouse=True)
def low_threshold(apiauth: Callable[..., None]) -> None:
    apiauth(LOCKOUT_IP_FAILURES=3)


def test_wrong_api_keys_make_the_network_wait(api_client: APIClient, issue_key: Callable[..., Any]) -> None:
    good = issue_key().plaintext
    wrong = well_formed(good.split("_")[1])
    unknown = well_formed()
    for key in (wrong, unknown, wrong):
        assert api_client.get("/api/whoami/", HTTP_X_API_KEY=key).status_code == 401
    refused = api_client.get("/api/whoami/", HTTP_X_API_KEY=unknown)
    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited"
    assert refused["Retry-After"] == "1"
    assert api_client.get("/api/whoami/", HTTP_X_API_KEY=unknown, REMOTE_ADDR="192.0.2.77").status_code == 401


def test_api_key_wait_without_our_exception_handler(api_client: APIClient, settings: Any) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "EXCEPTION_HANDLER": "rest_framework.views.exception_handler"}
    unknown = well_formed()
    for _ in range(3):
        api_client.get("/api/whoami/", HTTP_X_API_KEY=unknown)
    refused = api_client.get("/api/whoami/", HTTP_X_API_KEY=unknown)
    assert (refused.status_code, refused["Retry-After"]) == (429, "1")


def test_wrong_refresh_tokens_make_the_network_wait(api_client: APIClient) -> None:
    for token in ("x", "y" * 43, "z" * 43):
        assert api_client.post("/auth/refresh/", {"refresh_token": token}, format="json").status_code == 401
    refused = api_client.post("/auth/refresh/", {"refresh_token": "x"}, format="json")
    assert (refused.status_code, refused.json()["error"], refused["Retry-After"]) == (429, "rate_limited", "1")


def test_outage_during_api_key_check_is_a_503(
    api_client: APIClient, issue_key: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from django_apiauth.exceptions import TemporarilyUnavailable

    def down(*args: Any, **kwargs: Any) -> None:
        raise TemporarilyUnavailable()

    monkeypatch.setattr("django_apiauth.api_keys.authenticate.lockout.check_allowed", down)
    good = issue_key().plaintext
    response = api_client.get("/api/whoami/", HTTP_X_API_KEY=good)
    assert (response.status_code, response.json()["error"], response["Retry-After"]) == (
        503,
        "temporarily_unavailable",
        "5",
    )


def test_valid_keys_and_logins_are_not_slowed(api_client: APIClient, user: User, password: str,
                                              issue_key: Callable[..., Any]) -> None:  # fmt: skip
    good = issue_key().plaintext
    for _ in range(10):
        assert api_client.get("/api/whoami/", HTTP_X_API_KEY=good).status_code == 200
    for _ in range(10):
        assert (
            api_client.post("/auth/login/", {"username": login_name("alice"), "password": password}).status_code == 200
        )
