"""The authorization-code flow through the real pages and the token endpoint (Django's test client)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from django_apiauth.models import AuthEvent, EventType, RefreshTokenFamily
from tests.support.oauth import (
    REDIRECT,
    Pkce,
    authorize_params,
    authorize_url,
    basic,
    confidential,
    consent_form,
    csrf_of,
    get_code,
    public,
    query_of,
    token_request,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(user: Any) -> Client:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    return browser


def test_anonymous_user_is_sent_to_the_login_page_then_back(user: Any, password: str) -> None:
    app = confidential()
    browser = Client()
    pkce = Pkce()
    response = browser.get(authorize_url(authorize_params(app.client.client_id, pkce)))
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/oauth/login/?next=")
    page = browser.get(response["Location"])
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    form = {"step": "password", "next": page.context["next"], "username": user.get_username(), "password": password}
    login = browser.post("/auth/oauth/login/", {**form, "csrfmiddlewaretoken": csrf_of(page)})
    assert login.status_code == 303
    consent = browser.get(login["Location"])
    assert consent.status_code == 200
    assert consent["X-Frame-Options"] == "DENY"
    assert consent["Referrer-Policy"] == "no-referrer"
    assert "form-action 'self' https://client.example.com" in consent["Content-Security-Policy"]


def test_wrong_password_on_the_login_page_is_refused(user: Any) -> None:
    app = confidential()
    browser = Client()
    next_url = authorize_url(authorize_params(app.client.client_id, Pkce()))
    login = browser.post(
        "/auth/oauth/login/", {"step": "password", "next": next_url, "username": user.get_username(), "password": "no"}
    )
    assert login.status_code == 400
    assert "_auth_user_id" not in browser.session


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/auth/oauth/authorize/", "/admin/", ""])
def test_login_page_is_not_an_open_redirector(next_url: str) -> None:
    response = Client().get("/auth/oauth/login/", {"next": next_url})
    assert response.status_code == 400
    assert "Location" not in response


def test_consent_then_code_exchange_gives_tokens_bound_to_the_client(browser: Client, user: Any) -> None:
    app = confidential()
    pkce = Pkce()
    code = get_code(browser, app.client.client_id, pkce)
    response = token_request(
        Client(),
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": pkce.verifier},
        **basic(app.client.client_id, app.secret),
    )
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "read"
    family = RefreshTokenFamily.objects.get()
    assert family.client_id == app.client.client_id
    assert family.user_id == user.pk
    whoami = Client().get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert whoami.status_code == 200
    assert whoami.json() == {"user": user.get_username(), "auth": "jwt", "scopes": ["read"]}
    types = set(AuthEvent.objects.values_list("type", flat=True))
    assert {EventType.OAUTH_CODE_ISSUED, EventType.OAUTH_CONSENT_GRANTED, EventType.TOKEN_ISSUED} <= types


def test_state_and_iss_come_back_and_redirects_after_post_are_303(browser: Client, settings: Any) -> None:
    settings.APIAUTH = {**settings.APIAUTH, "JWT_ISSUER": "https://auth.example.com"}
    app = confidential()
    page = browser.get(authorize_url(authorize_params(app.client.client_id, Pkce())))
    response = browser.post("/auth/oauth/authorize/", consent_form(page, "allow"))
    assert response.status_code == 303
    query = query_of(response["Location"])
    assert query["state"] == "xyz-state"
    assert query["iss"] == "https://auth.example.com"
    assert response["Location"].startswith(REDIRECT + "?")


def test_deny_redirects_with_access_denied(browser: Client) -> None:
    app = confidential()
    page = browser.get(authorize_url(authorize_params(app.client.client_id, Pkce())))
    response = browser.post("/auth/oauth/authorize/", consent_form(page, "deny"))
    assert response.status_code == 303
    assert query_of(response["Location"])["error"] == "access_denied"
    assert "code" not in query_of(response["Location"])


def test_consent_post_without_csrf_token_is_refused(browser: Client) -> None:
    app = confidential()
    page = browser.get(authorize_url(authorize_params(app.client.client_id, Pkce())))
    response = browser.post("/auth/oauth/authorize/", {**page.context["fields"], "decision": "allow"})
    assert response.status_code == 403
    assert "Location" not in response


def test_confidential_client_consent_is_remembered_per_scope_set(browser: Client) -> None:
    app = confidential()
    get_code(browser, app.client.client_id, Pkce())
    again = browser.get(authorize_url(authorize_params(app.client.client_id, Pkce())))
    assert again.status_code == 302
    assert "code" in query_of(again["Location"])
    wider = browser.get(authorize_url(authorize_params(app.client.client_id, Pkce(), scope="read write")))
    assert wider.status_code == 200  # a wider scope set is asked again


def test_public_client_is_always_asked_again(browser: Client) -> None:
    app = public()
    pkce = Pkce()
    get_code(browser, app.client.client_id, pkce, redirect_uri="http://127.0.0.1:5000/callback")
    again = browser.get(
        authorize_url(authorize_params(app.client.client_id, pkce, redirect_uri="http://127.0.0.1:5000/callback"))
    )
    assert again.status_code == 200


def test_public_client_exchanges_its_code_with_client_id_only(browser: Client) -> None:
    app = public()
    pkce = Pkce()
    uri = "http://127.0.0.1:49152/callback"
    code = get_code(browser, app.client.client_id, pkce, redirect_uri=uri)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": uri,
        "code_verifier": pkce.verifier,
        "client_id": app.client.client_id,
    }
    response = token_request(Client(), data)
    assert response.status_code == 200, response.content
    assert "refresh_token" in response.json()
