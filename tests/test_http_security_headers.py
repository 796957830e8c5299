"""Security headers on every endpoint of the example project, in one parametrised table.

A route added to the URLconf without a row here fails ``test_every_route_is_in_the_table``.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from tests.support.refresh_tokens import login_pair

pytestmark = pytest.mark.django_db

# route prefix -> (method, path, kind); kind decides CORP, Referrer-Policy, CSP and no-store.
ENDPOINTS: list[tuple[str, str, str, str]] = [
    ("auth/jwks.json", "get", "/auth/jwks.json", "public"),
    (".well-known/jwks.json", "get", "/.well-known/jwks.json", "public"),
    ("auth/login/", "post", "/auth/login/", "credential"),
    ("auth/refresh/", "post", "/auth/refresh/", "credential"),
    ("auth/logout/", "post", "/auth/logout/", "credential"),
    ("auth/logout-all/", "post", "/auth/logout-all/", "api"),
    ("auth/sessions/", "get", "/auth/sessions/", "api"),
    ("auth/sessions/<str:sid>/", "delete", "/auth/sessions/nope/", "api"),
    ("auth/api-keys/", "post", "/auth/api-keys/", "credential"),
    ("auth/api-keys/<int:key_id>/", "get", "/auth/api-keys/1/", "credential"),
    ("auth/api-keys/<int:key_id>/rotate/", "post", "/auth/api-keys/1/rotate/", "credential"),
    ("auth/oauth/authorize/", "get", "/auth/oauth/authorize/", "html"),
    ("auth/oauth/login/", "get", "/auth/oauth/login/", "html"),
    ("auth/oauth/token/", "post", "/auth/oauth/token/", "credential"),
    ("auth/oauth/revoke/", "post", "/auth/oauth/revoke/", "credential"),
    ("auth/oauth/introspect/", "post", "/auth/oauth/introspect/", "credential"),
    ("auth/oauth/grants/", "get", "/auth/oauth/grants/", "api"),
    ("auth/oauth/grants/<str:client_id>/", "delete", "/auth/oauth/grants/cl_x/", "api"),
    (".well-known/oauth-authorization-server", "get", "/.well-known/oauth-authorization-server", "public"),
    ("auth/mfa/", "get", "/auth/mfa/", "api"),
    ("auth/mfa/totp/", "post", "/auth/mfa/totp/", "credential"),
    ("auth/mfa/totp/confirm/", "post", "/auth/mfa/totp/confirm/", "credential"),
    ("auth/mfa/backup-codes/", "post", "/auth/mfa/backup-codes/", "credential"),
    ("auth/mfa/verify/", "post", "/auth/mfa/verify/", "credential"),
    ("auth/mfa/step-up/", "post", "/auth/mfa/step-up/", "credential"),
    ("api/whoami/", "get", "/api/whoami/", "api"),
    ("api/reports/", "get", "/api/reports/", "api"),
    ("api/schema/", "get", "/api/schema/", "api"),
    ("api/docs/", "get", "/api/docs/", "client"),  # Swagger UI: the policy plus data: images
    ("admin/", "get", "/admin/login/", "html"),
    ("", "get", "/", "client"),  # the example project's web client: a page with its own, stricter CSP
    ("favicon.ico", "get", "/favicon.ico", "redirect"),  # Django's redirects are text/html: they get the CSP
    ("<unrouted>", "get", "/no/such/page/", "api"),
]
PERMISSIONS_FEATURES_OFF = ("camera=()", "geolocation=()", "microphone=()", "payment=()", "usb=()")


@pytest.fixture(autouse=True)
def _example_project_urls(settings: Any) -> None:
    """The table covers the example project's routes, so these tests use its URLconf (the suite has its own)."""
    settings.ROOT_URLCONF = "example_project.urls"


def _routes(patterns: list[Any], prefix: str = "") -> set[str]:
    found: set[str] = set()
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver) and getattr(pattern, "app_name", None) == "admin":
            found.add(route)
        elif isinstance(pattern, URLResolver):
            found |= _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            found.add(route)
    return found


def test_every_route_is_in_the_table() -> None:
    assert _routes(get_resolver().url_patterns) == {row[0] for row in ENDPOINTS} - {"<unrouted>"}


@pytest.fixture
def authed_client(api_client: APIClient, user: User) -> APIClient:
    token = login_pair(api_client)["access_token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.mark.parametrize(("route", "method", "path", "kind"), ENDPOINTS, ids=[row[0] for row in ENDPOINTS])
def test_security_headers(authed_client: APIClient, route: str, method: str, path: str, kind: str) -> None:
    response = getattr(authed_client, method)(path, {} if method == "post" else None)

    assert response.status_code < 500
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cross-Origin-Resource-Policy"] == ("cross-origin" if kind == "public" else "same-origin")
    assert response["Referrer-Policy"] == ("no-referrer" if kind == "html" else "same-origin")
    policy = response["Permissions-Policy"]
    if kind == "client":  # the page sets its own policy, which the middleware keeps
        assert "camera=()" in policy
    else:
        assert all(feature in policy for feature in PERMISSIONS_FEATURES_OFF)
    assert "clipboard-write=(self)" in policy
    assert "Strict-Transport-Security" not in response  # plain HTTP: HSTS is only sent over HTTPS
    if kind in ("html", "redirect"):
        csp = response["Content-Security-Policy"]
        assert csp == "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    elif kind == "client":
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]  # the page's own, kept
    else:
        assert "Content-Security-Policy" not in response  # JSON needs none
    if kind == "credential":
        assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(("route", "method", "path", "kind"), ENDPOINTS, ids=[row[0] for row in ENDPOINTS])
def test_hsts_on_secure_requests(authed_client: APIClient, route: str, method: str, path: str, kind: str) -> None:
    response = getattr(authed_client, method)(path, {} if method == "post" else None, secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000"


def test_hsts_options(api_client: APIClient, apiauth: Any) -> None:
    apiauth(SECURITY_HEADERS={"HSTS_SECONDS": 600, "HSTS_INCLUDE_SUBDOMAINS": True, "HSTS_PRELOAD": True})
    response = api_client.get("/auth/jwks.json", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=600; includeSubDomains; preload"
    apiauth(SECURITY_HEADERS={"HSTS_SECONDS": 0})
    assert "Strict-Transport-Security" not in api_client.get("/auth/jwks.json", secure=True)
