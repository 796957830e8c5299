"""CORS through django-cors-headers from ``APIAUTH["CORS"]``, and our endpoint classification on top of it.

The test settings allow ``https://app.example.com`` with credentials through ``APIAUTH["CORS"]``.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

ALLOWED = "https://app.example.com"
FOREIGN = "https://evil.example"

pytestmark = pytest.mark.django_db


def preflight(client: Client, path: str, origin: str, method: str = "POST") -> Any:
    return client.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, x-requested-with",
    )


def cors_headers(response: Any) -> dict[str, str]:
    items = response.headers.items()
    return {name.lower(): value for name, value in items if name.lower().startswith("access-control-")}


@pytest.mark.parametrize("path", ["/auth/refresh/", "/auth/login/", "/auth/logout/", "/api/whoami/"])
def test_preflight_from_an_allowed_origin_succeeds_with_credentials(client: Client, path: str) -> None:
    response = preflight(client, path, ALLOWED)

    assert response.status_code == 200
    headers = cors_headers(response)
    assert headers["access-control-allow-origin"] == ALLOWED
    assert headers["access-control-allow-credentials"] == "true"
    assert "POST" in headers["access-control-allow-methods"]
    assert "authorization" in headers["access-control-allow-headers"]


def test_actual_request_from_an_allowed_origin_exposes_rate_limit_and_challenge_headers(client: Client) -> None:
    response = client.get("/api/whoami/", HTTP_ORIGIN=ALLOWED)

    assert response.status_code == 401
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    exposed = [h.strip() for h in response["Access-Control-Expose-Headers"].split(",")]
    assert exposed == ["RateLimit", "RateLimit-Policy", "Retry-After", "WWW-Authenticate"]
    assert "origin" in response["Vary"].lower()


@pytest.mark.parametrize("path", ["/auth/refresh/", "/api/whoami/", "/auth/sessions/"])
def test_a_disallowed_origin_gets_no_cors_headers(client: Client, path: str) -> None:
    assert cors_headers(preflight(client, path, FOREIGN)) == {}
    assert cors_headers(client.get(path, HTTP_ORIGIN=FOREIGN)) == {}


@pytest.mark.parametrize("path", ["/admin/", "/admin/login/", "/admin/auth/user/"])
def test_the_admin_never_answers_cors(client: Client, path: str) -> None:
    assert cors_headers(preflight(client, path, ALLOWED, method="GET")) == {}
    assert cors_headers(client.get(path, HTTP_ORIGIN=ALLOWED)) == {}


def test_the_admin_never_answers_cors_even_under_the_projects_own_allow_all(client: Client, settings: Any) -> None:
    settings.CORS_ALLOW_ALL_ORIGINS = True
    assert cors_headers(preflight(client, "/admin/login/", FOREIGN, method="POST")) == {}
    assert cors_headers(client.get("/admin/login/", HTTP_ORIGIN=FOREIGN)) == {}


def test_credential_endpoints_answer_only_allowed_origins_even_under_allow_all(client: Client, settings: Any) -> None:
    settings.CORS_ALLOW_ALL_ORIGINS = True
    assert cors_headers(preflight(client, "/auth/refresh/", FOREIGN)) == {}
    assert cors_headers(preflight(client, "/api/whoami/", FOREIGN))["access-control-allow-origin"] == "*"


def test_public_documents_answer_any_origin_without_credentials(client: Client) -> None:
    for origin in (ALLOWED, FOREIGN):
        response = client.get("/auth/jwks.json", HTTP_ORIGIN=origin)
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in response


def test_credentials_are_not_sent_unless_configured(client: Client, apiauth: Any) -> None:
    apiauth(CORS={"ALLOWED_ORIGINS": [ALLOWED]})
    headers = cors_headers(preflight(client, "/auth/refresh/", ALLOWED))
    assert headers["access-control-allow-origin"] == ALLOWED
    assert "access-control-allow-credentials" not in headers


def test_the_projects_own_cors_settings_keep_working(client: Client, apiauth: Any, settings: Any) -> None:
    apiauth(CORS={})
    settings.CORS_ALLOWED_ORIGINS = ["https://legacy.example"]
    settings.CORS_ALLOW_CREDENTIALS = True
    headers = cors_headers(preflight(client, "/auth/refresh/", "https://legacy.example"))
    assert headers["access-control-allow-origin"] == "https://legacy.example"
    assert headers["access-control-allow-credentials"] == "true"
    assert cors_headers(preflight(client, "/auth/refresh/", ALLOWED)) == {}


def test_a_wildcard_entry_never_matches_an_origin_through_our_block(client: Client, apiauth: Any) -> None:
    apiauth(CORS={"ALLOWED_ORIGINS": ["*"], "ALLOW_CREDENTIALS": True})
    assert cors_headers(preflight(client, "/api/whoami/", FOREIGN)) == {}


def test_a_malformed_origin_header_is_ignored(client: Client) -> None:
    assert cors_headers(client.get("/api/whoami/", HTTP_ORIGIN="http://[::1")) == {}


# --- one list of origins: the refresh cookie follows CORS unless told otherwise --------------------------
def _cookie_request(origin: str) -> Any:
    from django.test import RequestFactory

    return RequestFactory().post("/auth/refresh/", HTTP_ORIGIN=origin, HTTP_X_REQUESTED_WITH="fetch")


def test_refresh_cookie_origins_default_to_the_cors_origins() -> None:
    from django_apiauth.exceptions import CrossSiteRequestRejected
    from django_apiauth.http_security.cors import refresh_cookie_origins
    from django_apiauth.refresh.cookies import enforce_same_origin

    assert refresh_cookie_origins() == (ALLOWED,)
    enforce_same_origin(_cookie_request(ALLOWED), cookie_used=True)
    with pytest.raises(CrossSiteRequestRejected):
        enforce_same_origin(_cookie_request(FOREIGN), cookie_used=True)


def test_refresh_cookie_origins_fall_back_to_the_projects_cors_list(apiauth: Any, settings: Any) -> None:
    from django_apiauth.http_security.cors import refresh_cookie_origins

    apiauth(CORS={})
    settings.CORS_ALLOWED_ORIGINS = ["https://Legacy.example/"]
    assert refresh_cookie_origins() == ("https://legacy.example",)


def test_an_explicit_refresh_cookie_list_wins_even_when_empty(apiauth: Any) -> None:
    from django_apiauth.http_security.cors import refresh_cookie_origins

    apiauth(REFRESH_COOKIE_ALLOWED_ORIGINS=[])
    assert refresh_cookie_origins() == ()


def test_origin_parsing_edge_cases() -> None:
    from django.test import RequestFactory

    from django_apiauth.http_security.cors import _origin_of

    assert _origin_of(RequestFactory().get("/")) is None
    assert _origin_of(RequestFactory().get("/", HTTP_ORIGIN="http://[::1")) is None
    assert _origin_of(RequestFactory().get("/", HTTP_ORIGIN="HTTPS://App.Example.com/")) == ALLOWED


def test_no_exposed_headers_when_configured_empty(client: Client, apiauth: Any) -> None:
    apiauth(CORS={"ALLOWED_ORIGINS": [ALLOWED], "EXPOSE_HEADERS": []})
    response = client.get("/api/whoami/", HTTP_ORIGIN=ALLOWED)
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert "Access-Control-Expose-Headers" not in response


def test_a_view_marked_as_an_html_page_never_answers_cors() -> None:
    from django.http import HttpRequest, JsonResponse
    from django.test import RequestFactory
    from django.urls import ResolverMatch

    from django_apiauth.http_security.endpoints import Endpoint, endpoint
    from django_apiauth.middleware import SecurityHeadersMiddleware

    @endpoint(Endpoint.HTML_PAGE)
    def consent(request: HttpRequest) -> JsonResponse:
        return JsonResponse({}, headers={"Access-Control-Allow-Origin": ALLOWED})

    request = RequestFactory().get("/consent/", HTTP_ORIGIN=ALLOWED)
    request.resolver_match = ResolverMatch(consent, (), {})
    response = SecurityHeadersMiddleware(consent)(request)
    assert "Access-Control-Allow-Origin" not in response
    assert response["Referrer-Policy"] == "no-referrer"
