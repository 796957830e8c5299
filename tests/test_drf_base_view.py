"""Every endpoint of the app answers OAuth-style JSON errors whatever the project's ``REST_FRAMEWORK`` is.

The project here sets nothing: no ``EXCEPTION_HANDLER`` and DRF's default parsers, renderers and
authentication classes, as a project that only added ``django_apiauth`` to ``INSTALLED_APPS`` would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import URLPattern
from rest_framework.test import APIClient

from django_apiauth import urls
from django_apiauth.api_keys.service import IssuedKey
from django_apiauth.views import oauth_endpoints, oauth_pages
from django_apiauth.views.base import AppEndpoint
from django_apiauth.views.jwks import JWKSView
from tests.support.users import login_name

pytestmark = pytest.mark.django_db
KEYS = "/auth/api-keys/"
DEEP = "[" * 5000 + "]" * 5000


@pytest.fixture(autouse=True)
def _bare_drf(settings: Any) -> None:
    settings.REST_FRAMEWORK = {}


@pytest.fixture
def signed_in(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def assert_json_error(response: Any, status: int, error: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] == error
    assert isinstance(body["error_description"], str)
    assert body["error_description"]
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "error"),
    [
        ("get", f"{KEYS}999/", None, 404, "not_found"),
        ("delete", f"{KEYS}999/", None, 404, "not_found"),
        ("post", f"{KEYS}999/rotate/", None, 404, "not_found"),
        ("post", KEYS, {"name": "ci", "scopes": ["nope"]}, 400, "invalid_scope"),
        ("post", KEYS, {"name": ""}, 400, "invalid_request"),
        ("delete", "/auth/sessions/no-such-session/", None, 404, "not_found"),
        ("put", "/auth/sessions/", None, 405, "method_not_allowed"),
        ("post", "/auth/logout/", {}, 400, "invalid_request"),
    ],
)
def test_signed_in_user_gets_json_errors(
    signed_in: APIClient, method: str, path: str, body: Any, status: int, error: str
) -> None:
    response = getattr(signed_in, method)(path, body, format="json")
    assert_json_error(response, status, error)


@pytest.mark.parametrize(
    ("path", "payload", "content_type", "status"),
    [
        (KEYS, DEEP, "application/json", 400),
        (KEYS, '{"name": "a", "name": "b"}', "application/json", 400),
        (KEYS, "name=ci", "application/x-www-form-urlencoded", 415),
        (KEYS, "--b\r\n\r\n--b--", "multipart/form-data; boundary=b", 415),
        ("/auth/login/", DEEP, "application/json", 400),
        ("/auth/login/", "username=a&password=b", "application/x-www-form-urlencoded", 415),
        ("/auth/refresh/", '{"refresh_token": "x", "refresh_token": "y"}', "application/json", 400),
    ],
)
def test_hostile_bodies_meet_our_parser_not_drf_defaults(
    signed_in: APIClient, path: str, payload: str, content_type: str, status: int
) -> None:
    """DRF's default ``JSONParser`` would answer deep nesting with a 500 and accept duplicate keys."""
    assert_json_error(signed_in.generic("POST", path, payload, content_type=content_type), status, "invalid_request")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", KEYS),
        ("post", KEYS),
        ("get", "/auth/sessions/"),
        ("post", "/auth/logout-all/"),
    ],
)
def test_anonymous_callers_get_json_401(method: str, path: str) -> None:
    response = getattr(APIClient(), method)(path, {}, format="json")
    assert response.status_code in (401, 403)
    assert response.json()["error"] in ("unauthorized", "access_denied")
    assert response["Cache-Control"] == "no-store"


def test_wrong_credentials_and_tokens_get_json_401(user: User, password: str) -> None:
    client = APIClient()
    assert_json_error(
        client.post("/auth/login/", {"username": login_name("alice"), "password": "x"}, format="json"),
        401,
        "invalid_grant",
    )
    assert_json_error(client.post("/auth/refresh/", {"refresh_token": "nope"}, format="json"), 401, "invalid_grant")
    bearer = {"HTTP_AUTHORIZATION": "Bearer not.a.token"}
    assert_json_error(client.get("/auth/sessions/", **bearer), 401, "invalid_token")


def test_our_access_token_works_without_jwt_in_the_project_defaults(user: User, password: str) -> None:
    login = APIClient().post("/auth/login/", {"username": login_name("alice"), "password": password}, format="json")
    assert login.status_code == 200
    assert login["Cache-Control"] == "no-store"
    response = APIClient().get(KEYS, HTTP_AUTHORIZATION=f"Bearer {login.json()['access_token']}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_an_api_key_never_manages_keys_or_sessions(settings: Any, issue_key: Callable[..., IssuedKey]) -> None:
    settings.REST_FRAMEWORK = {
        "DEFAULT_AUTHENTICATION_CLASSES": ["django_apiauth.drf.api_key_authentication.APIKeyAuthentication"]
    }
    key = issue_key().plaintext
    for path in (KEYS, "/auth/sessions/"):
        response = APIClient().get(path, HTTP_X_API_KEY=key)
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized"


def test_every_endpoint_of_the_app_builds_on_the_base_view() -> None:
    """New endpoints inherit the error, parser and caching rules rather than re-implementing them."""
    views = [p.callback for p in urls.urlpatterns if isinstance(p, URLPattern)]
    classes = {getattr(view, "view_class", None) or getattr(view, "cls", None) for view in views}
    assert classes
    # The OAuth protocol endpoints read form bodies only (RFC 6749 §3.2) and the authorization pages are HTML:
    # plain Django views with their own RFC 6749 §5.2 errors (tests/test_oauth_token.py). The grants API is
    # a JSON endpoint like the others.
    protocol = {
        oauth_pages.AuthorizeView,
        oauth_pages.LoginView,
        oauth_endpoints.TokenView,
        oauth_endpoints.RevokeView,
        oauth_endpoints.IntrospectView,
    }
    assert issubclass(oauth_endpoints.GrantListView, AppEndpoint)
    for cls in classes - {JWKSView} - protocol:
        assert cls is not None
        assert issubclass(cls, AppEndpoint), cls
