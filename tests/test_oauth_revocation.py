"""RFC 7009 revocation and RFC 7662 introspection."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from django_apiauth.drf.jwt_authentication import JWTAuthentication
from django_apiauth.jwt import subjects
from django_apiauth.jwt.access import issue_access_token
from django_apiauth.models import AuthEvent, EventType, RefreshTokenFamily
from tests.support.error_reports import report_of_crash
from tests.support.oauth import REDIRECT, Pkce, basic, confidential, get_code, public, token_request
from tests.support.refresh_tokens import login_pair

pytestmark = pytest.mark.django_db


def post(path: str, data: dict[str, str], **headers: Any) -> Any:
    return Client().post(path, urlencode(data), content_type="application/x-www-form-urlencoded", **headers)


@pytest.fixture
def app() -> Any:
    return confidential()


@pytest.fixture
def tokens(user: Any, app: Any) -> dict[str, Any]:
    browser = Client()
    browser.force_login(user)
    pkce = Pkce()
    code = get_code(browser, app.client.client_id, pkce)
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": pkce.verifier}
    response = token_request(Client(), data, **basic(app.client.client_id, app.secret))
    return dict(response.json())


def whoami(token: str) -> int:
    return int(Client().get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code)


def test_revoking_the_refresh_token_ends_the_family(app: Any, tokens: dict[str, Any]) -> None:
    response = post(
        "/auth/oauth/revoke/", {"token": tokens["refresh_token"]}, **basic(app.client.client_id, app.secret)
    )
    assert response.status_code == 200
    assert RefreshTokenFamily.objects.get().revoked_at is not None
    assert whoami(tokens["access_token"]) == 401
    assert AuthEvent.objects.filter(type=EventType.TOKEN_REVOKED).exists()


def test_revoking_the_access_token_ends_the_family(app: Any, tokens: dict[str, Any]) -> None:
    data = {"token": tokens["access_token"], "token_type_hint": "access_token"}
    assert post("/auth/oauth/revoke/", data, **basic(app.client.client_id, app.secret)).status_code == 200
    assert whoami(tokens["access_token"]) == 401


def test_client_cannot_revoke_another_clients_token(tokens: dict[str, Any]) -> None:
    other = confidential(name="Other")
    response = post(
        "/auth/oauth/revoke/", {"token": tokens["refresh_token"]}, **basic(other.client.client_id, other.secret)
    )
    assert response.status_code == 200
    assert RefreshTokenFamily.objects.get().revoked_at is None


@pytest.mark.parametrize("token", ["unknown", "a" * 43, "x.y.z", ""])
def test_unknown_token_revocation_is_200(app: Any, token: str) -> None:
    assert post("/auth/oauth/revoke/", {"token": token}, **basic(app.client.client_id, app.secret)).status_code == 200


def test_revocation_needs_client_authentication_and_a_token(app: Any) -> None:
    assert post("/auth/oauth/revoke/", {"token": "x"}).status_code == 401
    missing = post(
        "/auth/oauth/revoke/", {"token_type_hint": "access_token"}, **basic(app.client.client_id, app.secret)
    )
    assert missing.status_code == 400
    assert missing.json() == {"error": "invalid_request", "error_description": "The token parameter is required."}


def test_revoking_a_client_credentials_token(app: Any) -> None:
    creds = basic(app.client.client_id, app.secret)
    token = token_request(Client(), {"grant_type": "client_credentials"}, **creds).json()["access_token"]
    assert post("/auth/oauth/introspect/", {"token": token}, **creds).json()["active"] is True
    assert post("/auth/oauth/revoke/", {"token": token}, **creds).status_code == 200
    assert post("/auth/oauth/introspect/", {"token": token}, **creds).json() == {"active": False}
    refused = JWTAuthentication()
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
    with pytest.raises(AuthenticationFailed):
        refused.authenticate(Request(request))


def test_introspection_of_own_tokens(app: Any, tokens: dict[str, Any], user: Any) -> None:
    creds = basic(app.client.client_id, app.secret)
    access = post("/auth/oauth/introspect/", {"token": tokens["access_token"]}, **creds).json()
    assert access["active"] is True
    assert access["client_id"] == app.client.client_id
    assert access["sub"] == str(user.pk)
    assert access["scope"] == "read"
    refresh = post("/auth/oauth/introspect/", {"token": tokens["refresh_token"]}, **creds).json()
    assert refresh["active"] is True
    assert refresh["token_type"] == "refresh_token"


def test_introspection_hides_other_clients_tokens_unless_allowed(tokens: dict[str, Any], user: Any) -> None:
    other = confidential(name="Other")
    seen = post(
        "/auth/oauth/introspect/", {"token": tokens["access_token"]}, **basic(other.client.client_id, other.secret)
    )
    assert seen.json() == {"active": False}
    server = confidential(name="Resource server", may_introspect=True)
    creds = basic(server.client.client_id, server.secret)
    assert post("/auth/oauth/introspect/", {"token": tokens["access_token"]}, **creds).json()["active"] is True
    first_party = issue_access_token(user).token
    assert post("/auth/oauth/introspect/", {"token": first_party}, **creds).json()["active"] is True


def test_introspection_of_revoked_or_bogus_tokens_is_exactly_inactive(app: Any, tokens: dict[str, Any]) -> None:
    creds = basic(app.client.client_id, app.secret)
    post("/auth/oauth/revoke/", {"token": tokens["refresh_token"]}, **creds)
    for token in (tokens["access_token"], tokens["refresh_token"], "garbage", "a" * 43):
        assert post("/auth/oauth/introspect/", {"token": token}, **creds).json() == {"active": False}


@pytest.mark.parametrize("end", ["deactivate", "delete"])
def test_introspection_of_an_ended_users_access_token_is_exactly_inactive(
    app: Any, tokens: dict[str, Any], user: Any, end: str
) -> None:
    """A service that introspects instead of verifying the JWT refuses what ``JWTAuthentication`` refuses."""
    creds = basic(app.client.client_id, app.secret)
    server = confidential(name="Resource server", may_introspect=True)
    first_party = issue_access_token(user).token
    if end == "deactivate":
        type(user).objects.filter(pk=user.pk).update(is_active=False)
    else:
        user.delete()
    subjects.user_cache.clear()  # the per-process bound (JWT_USER_CACHE_TTL) has passed
    assert whoami(tokens["access_token"]) == 401
    assert post("/auth/oauth/introspect/", {"token": tokens["access_token"]}, **creds).json() == {"active": False}
    server_creds = basic(server.client.client_id, server.secret)
    assert post("/auth/oauth/introspect/", {"token": first_party}, **server_creds).json() == {"active": False}


def test_introspection_of_a_client_credentials_token_reads_no_user(app: Any) -> None:
    creds = basic(app.client.client_id, app.secret)
    own = token_request(Client(), {"grant_type": "client_credentials"}, **creds).json()["access_token"]
    assert post("/auth/oauth/introspect/", {"token": own}, **creds).json()["active"] is True


def test_introspection_needs_a_confidential_client(tokens: dict[str, Any]) -> None:
    app = public()
    response = post("/auth/oauth/introspect/", {"token": tokens["access_token"], "client_id": app.client.client_id})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert post("/auth/oauth/introspect/", {"token": tokens["access_token"]}).status_code == 401


def test_introspection_needs_a_token(app: Any) -> None:
    missing = post(
        "/auth/oauth/introspect/", {"token_type_hint": "access_token"}, **basic(app.client.client_id, app.secret)
    )
    assert missing.json() == {"error": "invalid_request", "error_description": "The token parameter is required."}


def test_introspection_of_a_first_party_refresh_token_names_no_client(user: Any) -> None:
    """A refresh token from ``/auth/login/`` belongs to no OAuth client: a resource server sees it without one."""
    server = confidential(name="Resource server", may_introspect=True)
    refresh_token = login_pair(APIClient())["refresh_token"]

    body = post("/auth/oauth/introspect/", {"token": refresh_token}, **basic(server.client.client_id, server.secret))

    assert body.json()["active"] is True
    assert body.json()["token_type"] == "refresh_token"
    assert "client_id" not in body.json()


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/auth/oauth/revoke/", "django_apiauth.oauth.rfc7009.revoke_families"),
        ("/auth/oauth/introspect/", "django_apiauth.oauth.rfc7662.is_active"),
    ],
)
def test_the_token_is_not_in_error_reports(
    path: str, target: str, app: Any, tokens: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    creds = basic(app.client.client_id, app.secret)

    report = report_of_crash(monkeypatch, target, lambda: post(path, {"token": tokens["refresh_token"]}, **creds))

    assert "database went away" in report
    assert "Local vars" in report
    assert tokens["refresh_token"] not in report
