"""HTTPS for credentials: plain-HTTP requests presenting or asking for one are refused outside DEBUG."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.support.users import login_name

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _require_https(apiauth: Any) -> None:
    apiauth(REQUIRE_HTTPS=True)


def _assert_refused(response: Any) -> None:
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request", "error_description": "HTTPS required"}
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "extra",
    [
        {"HTTP_AUTHORIZATION": "Bearer abc"},
        {"HTTP_AUTHORIZATION": "Api-Key abc"},
        {"HTTP_X_API_KEY": "apiauth_abc"},
    ],
    ids=["bearer", "api-key-authorization", "api-key-header"],
)
def test_a_presented_credential_over_http_is_refused(api_client: APIClient, extra: dict[str, str]) -> None:
    _assert_refused(api_client.get("/api/whoami/", **extra))


@pytest.mark.parametrize("path", ["/auth/login/", "/auth/refresh/", "/auth/logout/"])
def test_credential_endpoints_over_http_are_refused(api_client: APIClient, path: str) -> None:
    _assert_refused(api_client.post(path, {"username": login_name("alice"), "password": "x"}))


def test_the_refresh_cookie_over_http_is_refused(api_client: APIClient) -> None:
    api_client.cookies["apiauth_refresh"] = "some-token"
    _assert_refused(api_client.get("/api/whoami/"))


def test_the_api_key_query_parameter_over_http_is_refused(api_client: APIClient, apiauth: Any) -> None:
    apiauth(REQUIRE_HTTPS=True, API_KEY_QUERY_PARAM="api_key")
    _assert_refused(api_client.get("/api/whoami/?api_key=apiauth_x"))


def test_requests_without_credentials_pass(api_client: APIClient) -> None:
    assert api_client.get("/auth/jwks.json").status_code == 200
    assert api_client.get("/api/whoami/").status_code == 401


@pytest.mark.parametrize("host", ["localhost", "localhost:8000", "127.0.0.1:8000", "[::1]:8000", "[::1]"])
def test_loopback_hosts_are_exempt(api_client: APIClient, host: str, settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["*"]
    response = api_client.get("/api/whoami/", HTTP_HOST=host, HTTP_AUTHORIZATION="Bearer abc")
    assert response.status_code == 401  # reached authentication, which refused the bogus token


@pytest.mark.parametrize("host", ["localhost.evil.example", "127.0.0.1.evil.example", "[::2]"])
def test_lookalike_hosts_are_not_loopback(api_client: APIClient, host: str, settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["*"]
    _assert_refused(api_client.get("/api/whoami/", HTTP_HOST=host, HTTP_AUTHORIZATION="Bearer abc"))


def test_secure_requests_pass(api_client: APIClient) -> None:
    assert (
        api_client.post("/auth/login/", {"username": login_name("a"), "password": "b"}, secure=True).status_code == 401
    )


def test_a_trusted_tls_proxy_header_counts_as_secure(api_client: APIClient, settings: Any) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = api_client.post(
        "/auth/login/", {"username": login_name("a"), "password": "b"}, HTTP_X_FORWARDED_PROTO="https"
    )
    assert response.status_code == 401


def test_debug_turns_the_requirement_off(api_client: APIClient, settings: Any) -> None:
    settings.DEBUG = True
    assert api_client.post("/auth/login/", {"username": login_name("a"), "password": "b"}).status_code == 401


def test_the_setting_turns_the_requirement_off(api_client: APIClient, apiauth: Any) -> None:
    apiauth(REQUIRE_HTTPS=False)
    assert api_client.post("/auth/login/", {"username": login_name("a"), "password": "b"}).status_code == 401
