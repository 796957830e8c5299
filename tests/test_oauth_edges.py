"""Less travelled paths of the OAuth server: each answers as the RFCs say, never with a token it should not."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from django_apiauth.models import OAuthClient
from django_apiauth.oauth import principal
from django_apiauth.oauth.consent import grants_of
from django_apiauth.refresh.service import issue_family
from tests.support.oauth import (
    REDIRECT,
    Pkce,
    authorize_params,
    authorize_url,
    basic,
    confidential,
    consent_form,
    get_code,
    query_of,
    token_request,
)
from tests.support.users import login_name

pytestmark = pytest.mark.django_db
GRANT = {"grant_type": "client_credentials"}


@pytest.fixture
def app() -> Any:
    return confidential()


@pytest.fixture
def browser(user: Any) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def exchange(app: Any, code: str, pkce: Pkce) -> Any:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": pkce.verifier}
    return token_request(Client(), data, **basic(app.client.client_id, app.secret))


def test_without_state_the_redirect_carries_none(browser: Client, app: Any) -> None:
    pkce = Pkce()
    page = browser.get(authorize_url(authorize_params(app.client.client_id, pkce, state=None)))
    assert page.status_code == 200
    response = browser.post("/auth/oauth/authorize/", consent_form(page, "allow"))
    assert response.status_code == 303
    assert "state" not in query_of(response["Location"])
    assert "code" in query_of(response["Location"])


def test_a_code_of_a_user_deactivated_since_is_refused(browser: Client, app: Any, user: Any) -> None:
    pkce = Pkce()
    code = get_code(browser, app.client.client_id, pkce)
    user.is_active = False
    user.save()
    response = exchange(app, code, pkce)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "access_token" not in response.json()


def test_basic_and_a_different_body_client_id_is_invalid_request(app: Any) -> None:
    other = confidential(name="Other")
    data = {**GRANT, "client_id": other.client.client_id}
    response = token_request(Client(), data, **basic(app.client.client_id, app.secret))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize("token", ["short", "x" * 43 + "!", "\u00e9" * 43])
def test_a_malformed_refresh_token_is_invalid_grant(app: Any, token: str) -> None:
    data = {"grant_type": "refresh_token", "refresh_token": token}
    response = token_request(Client(), data, **basic(app.client.client_id, app.secret))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_client_without_scopes_gets_a_token_without_a_scope(app: Any) -> None:
    bare = confidential(name="Bare", scopes=[], grant_types=["client_credentials"])
    response = token_request(Client(), GRANT, **basic(bare.client.client_id, bare.secret))
    assert response.status_code == 200
    assert "scope" not in response.json()


def test_grants_skip_sessions_of_a_client_that_no_longer_exists(user: Any, app: Any) -> None:
    issue_family(user, request=RequestFactory().post("/"), client_id="cl_gone")
    issue_family(user, request=RequestFactory().post("/"), client_id=app.client.client_id)
    assert [grant["client_id"] for grant in grants_of(user)] == [app.client.client_id]


def test_oauth_client_tokens_cannot_manage_grants(browser: Client, app: Any) -> None:
    pkce = Pkce()
    code = get_code(browser, app.client.client_id, pkce)
    access = exchange(app, code, pkce).json()["access_token"]
    response = APIClient().get("/auth/oauth/grants/", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert response.status_code == 403
    assert response.json()["error"] == "access_denied"


def test_the_login_page_sends_a_signed_in_user_on(browser: Client, app: Any) -> None:
    next_url = authorize_url(authorize_params(app.client.client_id, Pkce()))
    response = browser.get("/auth/oauth/login/", {"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == next_url


def test_the_login_form_refuses_a_foreign_next(app: Any) -> None:
    response = Client().post(
        "/auth/oauth/login/", {"next": "https://evil.example/", "username": login_name("x"), "password": "y"}
    )
    assert response.status_code == 400
    assert b"evil.example" not in response.content


def test_without_the_per_process_memory_every_check_reads_the_row(apiauth: Any, app: Any) -> None:
    from datetime import timedelta

    apiauth(JWT_USER_CACHE_TTL=timedelta(0))
    assert principal.client_state(app.client.client_id).active
    OAuthClient.objects.filter(pk=app.client.pk).update(is_active=False)
    assert not principal.client_state(app.client.client_id).active
    assert len(principal.client_states) == 0


def test_deleting_one_client_from_its_admin_page(admin_client: Any, app: Any) -> None:
    url = f"/admin/apiauth/oauthclient/{app.client.pk}/delete/"
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not OAuthClient.objects.exists()
