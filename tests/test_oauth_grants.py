"""A user lists the clients they authorised and revokes one (its consent and its tokens)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from django_apiauth.jwt.access import issue_access_token
from django_apiauth.models import AuthEvent, AuthorizationCode, EventType, OAuthConsent, RefreshTokenFamily
from tests.support.oauth import REDIRECT, Pkce, basic, confidential, get_code, token_request
from tests.support.refresh_tokens import login_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def granted(user: Any) -> tuple[Any, dict[str, Any]]:
    app = confidential()
    browser = Client()
    browser.force_login(user)
    pkce = Pkce()
    code = get_code(browser, app.client.client_id, pkce)
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": pkce.verifier}
    return app, token_request(Client(), data, **basic(app.client.client_id, app.secret)).json()


@pytest.fixture
def owner(user: Any) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_access_token(user).token}")
    return api


def test_list_grants(owner: APIClient, granted: Any) -> None:
    app, _ = granted
    response = owner.get("/auth/oauth/grants/")
    assert response.status_code == 200
    (grant,) = response.json()["grants"]
    assert grant["client_id"] == app.client.client_id
    assert grant["name"] == "Reports app"
    assert grant["scopes"] == ["read"]
    assert grant["granted_at"]


def test_an_access_token_from_login_manages_the_users_grants(granted: Any, user: Any) -> None:
    api = APIClient()
    pair = login_pair(api, user.get_username())
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access_token']}")
    app, _ = granted
    assert [grant["client_id"] for grant in api.get("/auth/oauth/grants/").json()["grants"]] == [app.client.client_id]
    assert api.delete(f"/auth/oauth/grants/{app.client.client_id}/").status_code == 204


def test_revoke_grant_revokes_tokens_and_consent(owner: APIClient, granted: Any, user: Any) -> None:
    app, tokens = granted
    response = owner.delete(f"/auth/oauth/grants/{app.client.client_id}/")
    assert response.status_code == 204
    assert not OAuthConsent.objects.exists()
    assert RefreshTokenFamily.objects.get().revoked_at is not None
    whoami = Client().get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert whoami.status_code == 401
    assert owner.get("/auth/oauth/grants/").json() == {"grants": []}
    assert AuthEvent.objects.filter(type=EventType.OAUTH_CONSENT_REVOKED).exists()
    # Consent must be given again.
    browser = Client()
    browser.force_login(user)
    from tests.support.oauth import authorize_params, authorize_url

    again = browser.get(authorize_url(authorize_params(app.client.client_id, Pkce())))
    assert again.status_code == 200


def test_revoke_unknown_grant_is_404(owner: APIClient) -> None:
    response = owner.delete("/auth/oauth/grants/cl_unknown/")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize("client_id", ["cl_%00", "%00", "cl_" + "x" * 62])
def test_an_id_no_client_can_have_is_an_unknown_grant(owner: APIClient, granted: Any, client_id: str) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = owner.delete(f"/auth/oauth/grants/{client_id}/")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "error_description": "No grant for this client."}
    # Refused before any lookup: PostgreSQL cannot compare text with a NUL, and would answer a 500.
    assert not [q for q in queries.captured_queries if "oauthconsent" in q["sql"].lower()]
    assert OAuthConsent.objects.count() == 1


def test_other_users_grants_are_invisible(granted: Any, django_user_model: Any) -> None:
    app, _ = granted
    other = django_user_model.objects.create_user(**{django_user_model.USERNAME_FIELD: "mallory"}, password="x" * 12)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_access_token(other).token}")
    assert api.get("/auth/oauth/grants/").json() == {"grants": []}
    assert api.delete(f"/auth/oauth/grants/{app.client.client_id}/").status_code == 404
    assert RefreshTokenFamily.objects.get().revoked_at is None


def test_third_party_tokens_cannot_manage_grants(granted: Any) -> None:
    app, tokens = granted
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert api.get("/auth/oauth/grants/").status_code == 403
    assert api.delete(f"/auth/oauth/grants/{app.client.client_id}/").status_code == 403


def test_grants_need_authentication() -> None:
    assert APIClient().get("/auth/oauth/grants/").status_code == 401


def test_a_grant_and_its_code_name_the_client_by_its_public_id(granted: Any, user: Any) -> None:
    """In the shell and in logs, the client is the ``client_id`` its developers know, not a row number."""
    app, _ = granted
    code = AuthorizationCode.objects.get()
    consent = OAuthConsent.objects.get()

    assert str(code) == f"authorization code {code.pk} for {app.client.client_id}"
    assert str(consent) == f"consent of {user.pk} for {app.client.client_id}"
