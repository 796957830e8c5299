"""A token issued to an OAuth client acts for the user on the API, never on the user's credentials.

The user delegated scopes to the client, not the right to mint API keys (which would outlive the grant the
user revokes), read or end the user's other sessions, or change their second factor. The client's token still
ends its own session through ``logout/``.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from django_apiauth.models import APIKey, RefreshTokenFamily
from tests.support.oauth import REDIRECT, Pkce, basic, confidential, get_code, token_request
from tests.support.refresh_tokens import login_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_tokens(user: Any) -> dict[str, Any]:
    """The pair a third-party client received after the user consented to ``read``."""
    app = confidential()
    browser = Client()
    browser.force_login(user)
    pkce = Pkce()
    code = get_code(browser, app.client.client_id, pkce, scope="read")
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": pkce.verifier}
    response = token_request(Client(), data, **basic(app.client.client_id, app.secret))
    assert response.status_code == 200, response.content
    pair: dict[str, Any] = response.json()
    return pair


def bearer(token: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/auth/api-keys/", None),
        ("post", "/auth/api-keys/", {"name": "minted", "scopes": ["read"], "expires_in": None}),
        ("get", "/auth/api-keys/1/", None),
        ("delete", "/auth/api-keys/1/", None),
        ("post", "/auth/api-keys/1/rotate/", None),
        ("get", "/auth/sessions/", None),
        ("delete", "/auth/sessions/00000000-0000-0000-0000-000000000000/", None),
        ("post", "/auth/logout-all/", None),
        ("get", "/auth/mfa/", None),
        ("post", "/auth/mfa/totp/", {}),
        ("post", "/auth/mfa/totp/confirm/", {"code": "123456"}),
        ("delete", "/auth/mfa/totp/", None),
        ("post", "/auth/mfa/backup-codes/", None),
        ("post", "/auth/mfa/step-up/", {"code": "123456"}),
        ("get", "/auth/oauth/grants/", None),
        ("delete", "/auth/oauth/grants/cl_x/", None),
    ],
)
def test_a_client_token_cannot_reach_the_users_credentials(
    user: Any, client_tokens: dict[str, Any], method: str, path: str, body: dict[str, Any] | None
) -> None:
    own = login_pair(APIClient())  # a session of the user's own that the client must not end
    response = getattr(bearer(client_tokens["access_token"]), method)(path, body, format="json")
    assert response.status_code == 403, response.content
    assert response.json()["error"] == "access_denied"
    assert not APIKey.objects.filter(owner=user).exists()
    assert RefreshTokenFamily.objects.filter(user=user, revoked_at=None).count() == 2
    assert bearer(own["access_token"]).get("/auth/sessions/").status_code == 200


def test_a_client_token_ends_its_own_session(user: Any, client_tokens: dict[str, Any]) -> None:
    login_pair(APIClient())
    response = bearer(client_tokens["access_token"]).post("/auth/logout/", {}, format="json")
    assert response.status_code == 204, response.content
    live = RefreshTokenFamily.objects.filter(user=user, revoked_at=None)
    assert list(live.values_list("client_id", flat=True)) == [""]


def test_the_users_own_token_still_manages_credentials(user: Any) -> None:
    own = bearer(login_pair(APIClient())["access_token"])
    assert own.post("/auth/api-keys/", {"name": "mine"}, format="json").status_code == 201
    assert own.get("/auth/oauth/grants/").status_code == 200
