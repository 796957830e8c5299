"""The app's endpoints ignore a project's DRF policy settings that would change how they answer.

A project may version its own API, install only the browsable renderer, leave anonymous users as ``None``,
require staff by default or paginate everything; none of that may stop a client from logging in, refreshing
and managing its credentials, nor turn a refusal into a 500 or a non-JSON answer.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.settings import api_settings
from rest_framework.test import APIClient
from rest_framework.views import APIView

from tests.support.users import login_name

pytestmark = pytest.mark.django_db

STRICT_PROJECT = {
    "UNAUTHENTICATED_USER": None,
    "UNAUTHENTICATED_TOKEN": None,
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.AcceptHeaderVersioning",
    "ALLOWED_VERSIONS": ["2.0"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "tests.support.drf_policies.RefuseEverythingNegotiation",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.BrowsableAPIRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 1,
    "EXCEPTION_HANDLER": "rest_framework.views.exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.BasicAuthentication"],
}


#: ``APIView``'s class attributes that DRF reads from the settings once, at import; a project's settings are in
#: place before that import, so a test must set them on ``APIView`` as the import would have.
IMPORT_TIME_POLICIES = {
    "renderer_classes": "DEFAULT_RENDERER_CLASSES",
    "parser_classes": "DEFAULT_PARSER_CLASSES",
    "authentication_classes": "DEFAULT_AUTHENTICATION_CLASSES",
    "throttle_classes": "DEFAULT_THROTTLE_CLASSES",
    "permission_classes": "DEFAULT_PERMISSION_CLASSES",
    "content_negotiation_class": "DEFAULT_CONTENT_NEGOTIATION_CLASS",
    "metadata_class": "DEFAULT_METADATA_CLASS",
    "versioning_class": "DEFAULT_VERSIONING_CLASS",
}


@pytest.fixture(autouse=True)
def _strict_project(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.REST_FRAMEWORK = STRICT_PROJECT
    for attribute, setting in IMPORT_TIME_POLICIES.items():
        monkeypatch.setattr(APIView, attribute, getattr(api_settings, setting))


def assert_json(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body: dict[str, Any] = response.json() if response.content else {}
    return body


@pytest.fixture
def tokens(user: Any, password: str) -> dict[str, Any]:
    login = APIClient().post("/auth/login/", {"username": login_name("alice"), "password": password}, format="json")
    return assert_json(login, 200)


def test_login_refresh_and_logout_work(tokens: dict[str, Any]) -> None:
    refreshed = APIClient().post("/auth/refresh/", {"refresh_token": tokens["refresh_token"]}, format="json")
    pair = assert_json(refreshed, 200)
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access_token']}")
    logout = bearer.post("/auth/logout/", {"refresh_token": pair["refresh_token"]}, format="json")
    assert logout.status_code == 204, logout.content
    gone = APIClient().post("/auth/refresh/", {"refresh_token": pair["refresh_token"]}, format="json")
    assert assert_json(gone, 401)["error"] == "invalid_grant"


@pytest.mark.parametrize("path", ["/auth/api-keys/", "/auth/sessions/", "/auth/mfa/", "/auth/oauth/grants/"])
def test_a_signed_in_user_reads_their_credentials(tokens: dict[str, Any], path: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert_json(client.get(path), 200)


@pytest.mark.parametrize("path", ["/auth/api-keys/", "/auth/sessions/", "/auth/mfa/", "/auth/oauth/grants/"])
@pytest.mark.parametrize("authorization", [None, "Bearer not.a.token", "Basic !!!"])
def test_refusals_stay_json(path: str, authorization: str | None) -> None:
    client = APIClient()
    if authorization:
        client.credentials(HTTP_AUTHORIZATION=authorization)
    body = assert_json(client.get(path), 401)
    assert set(body) >= {"error", "error_description"}


def test_a_wrong_password_is_a_json_401(user: Any) -> None:
    response = APIClient().post("/auth/login/", {"username": login_name("alice"), "password": "x"}, format="json")
    assert assert_json(response, 401)["error"] == "invalid_grant"


@pytest.mark.parametrize("authorization", [None, "Digest x", "Api-Key "])
def test_a_logout_naming_no_session_is_a_json_400(authorization: str | None) -> None:
    client = APIClient()
    if authorization:
        client.credentials(HTTP_AUTHORIZATION=authorization)
    response = client.post("/auth/logout/", {}, format="json")
    assert assert_json(response, 400)["error"] == "invalid_request"
