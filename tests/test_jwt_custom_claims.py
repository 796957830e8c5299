"""The ``ACCESS_TOKEN_CLAIMS`` hook: extra claims at issuance, never a registered one, free at verification."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from django_apiauth.jwt.access import issue_access_token, verify_access_token
from django_apiauth.jwt.custom_claims import REGISTERED_CLAIMS, ClaimsHookError
from tests.support.scopes import REFRESH, bearer_get, login_as

pytestmark = pytest.mark.django_db

HOOK = "tests.test_jwt_custom_claims."
seen: list[dict[str, Any]] = []


def tenant_claims(user: Any, *, scopes: tuple[str, ...], request: Any) -> dict[str, Any]:
    seen.append({"user": user, "scopes": scopes, "request": request})
    return {"tenant": "acme", "roles": ["editor"], "read_only": "write" not in scopes}


def overriding_claims(user: Any, *, scopes: tuple[str, ...], request: Any) -> dict[str, Any]:
    return {"tenant": "acme", "sub": "someone-else", "scope": "admin"}


def client_grant_claims(user: Any, *, scopes: tuple[str, ...], request: Any) -> dict[str, Any]:
    return {"gty": "client_credentials"}


def list_claims(user: Any, *, scopes: tuple[str, ...], request: Any) -> Any:
    return ["tenant"]


def object_claims(user: Any, *, scopes: tuple[str, ...], request: Any) -> Any:
    return {"when": object()}


def numbered_claims(user: Any, *, scopes: tuple[str, ...], request: Any) -> Any:
    return {1: "one"}


@pytest.fixture(autouse=True)
def _forget() -> None:
    seen.clear()


def test_hook_claims_are_in_the_token_and_in_request_auth(api_client: APIClient, user: Any, apiauth: Any) -> None:
    apiauth(ACCESS_TOKEN_CLAIMS=HOOK + "tenant_claims")

    body = login_as(api_client, user, scope="read").json()

    claims = verify_access_token(body["access_token"])
    assert (claims["tenant"], claims["roles"], claims["read_only"]) == ("acme", ["editor"], True)
    assert seen[0]["user"].pk == user.pk
    assert seen[0]["scopes"] == ("read",)
    assert seen[0]["request"].path == "/auth/login/"
    assert bearer_get("/api/whoami/", body["access_token"]).status_code == 200


def test_request_auth_carries_the_custom_claims(user: Any, apiauth: Any) -> None:
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from django_apiauth.drf.jwt_authentication import JWTAuthentication

    apiauth(ACCESS_TOKEN_CLAIMS=HOOK + "tenant_claims")
    token = issue_access_token(user, scopes=["read"]).token
    request = Request(APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}"))

    authenticated = JWTAuthentication().authenticate(request)

    assert authenticated is not None
    assert authenticated[1]["tenant"] == "acme"


def test_hook_runs_again_at_refresh(api_client: APIClient, user: Any, apiauth: Any) -> None:
    apiauth(ACCESS_TOKEN_CLAIMS=HOOK + "tenant_claims")
    pair = login_as(api_client, user, scope="read write").json()

    refreshed = APIClient().post(REFRESH, {"refresh_token": pair["refresh_token"], "scope": "read"}, format="json")

    assert verify_access_token(refreshed.json()["access_token"])["read_only"] is True
    assert seen[-1]["scopes"] == ("read",)
    assert seen[-1]["request"].path == REFRESH


def test_registered_claims_cannot_be_overridden(user: Any, apiauth: Any, caplog: pytest.LogCaptureFixture) -> None:
    apiauth(ACCESS_TOKEN_CLAIMS=HOOK + "overriding_claims")

    with pytest.raises(ClaimsHookError) as caught:
        issue_access_token(user)

    assert isinstance(caught.value, ImproperlyConfigured)
    assert "may not set registered claims: scope, sub" in str(caught.value)
    assert "ACCESS_TOKEN_CLAIMS" in caplog.text


def test_a_hook_cannot_mark_a_users_token_as_a_clients_own(user: Any, apiauth: Any) -> None:
    apiauth(ACCESS_TOKEN_CLAIMS=HOOK + "client_grant_claims")

    with pytest.raises(ClaimsHookError) as caught:
        issue_access_token(user)

    assert "may not set registered claims: gty" in str(caught.value)


def test_a_bad_hook_answers_a_generic_500_at_login(api_client: APIClient, user: Any, apiauth: Any) -> None:
    apiauth(ACCESS_TOKEN_CLAIMS=HOOK + "overriding_claims")

    response = login_as(api_client, user)

    assert response.status_code == 500
    assert response.json()["error"] == "server_error"
    assert "sub" not in response.json()["error_description"]  # configuration stays on the server


@pytest.mark.parametrize(
    ("hook", "message"),
    [("list_claims", "must return a dict"), ("object_claims", "not JSON"), ("numbered_claims", "not a string")],
)
def test_unusable_hook_results_are_configuration_errors(user: Any, apiauth: Any, hook: str, message: str) -> None:
    apiauth(ACCESS_TOKEN_CLAIMS=HOOK + hook)
    with pytest.raises(ClaimsHookError, match=message):
        issue_access_token(user)


def test_the_registered_claims_are_the_documented_ones() -> None:
    documented = {"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "scope", "sid", "client_id", "typ", "auth_time"}
    assert documented | {"amr"} <= REGISTERED_CLAIMS


def test_no_hook_no_extra_claims(user: Any) -> None:
    claims = issue_access_token(user).claims
    assert set(claims) == {"iss", "sub", "aud", "exp", "iat", "jti"}


def test_verification_costs_no_query_with_hook_and_scopes(user: Any, apiauth: Any) -> None:
    apiauth(ACCESS_TOKEN_CLAIMS=HOOK + "tenant_claims")
    token = issue_access_token(user, scopes=["reports:read"]).token
    bearer_get("/api/reports/", token)  # warms the user cache, as any running process has

    with CaptureQueriesContext(connection) as queries:
        response = bearer_get("/api/reports/", token)

    assert response.status_code == 200
    assert len(queries) == 0
    assert seen
    assert len(seen) == 1
