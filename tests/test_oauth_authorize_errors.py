"""Authorization requests with a trusted redirect URI but other problems: an error redirect (RFC 6749 §4.1.2.1)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from django_apiauth.models import AuthorizationCode
from tests.support.oauth import REDIRECT, Pkce, authorize_params, authorize_url, confidential, query_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(user: Any) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge": "short"}, "invalid_request"),
        ({"code_challenge": "é" * 43}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": None}, "invalid_request"),
        ({"scope": "admin"}, "invalid_scope"),
        ({"scope": "read\twrite"}, "invalid_scope"),
        ({"scope": "unknown"}, "invalid_scope"),
        ({"scope": "x" * 2000}, "invalid_scope"),
        ({"state": "a\nb"}, "invalid_request"),
        ({"state": "s" * 2000}, "invalid_request"),
    ],
)
def test_error_redirects_back_with_iss_and_no_code(browser: Client, overrides: dict[str, Any], error: str) -> None:
    app = confidential()
    response = browser.get(authorize_url(authorize_params(app.client.client_id, Pkce(), **overrides)))
    assert response.status_code == 302
    assert response["Location"].startswith(REDIRECT + "?")
    query = query_of(response["Location"])
    assert query["error"] == error
    assert query["iss"]
    assert "code" not in query
    assert not AuthorizationCode.objects.exists()


def test_state_survives_an_error_redirect(browser: Client) -> None:
    app = confidential()
    response = browser.get(authorize_url(authorize_params(app.client.client_id, Pkce(), response_type="token")))
    assert query_of(response["Location"])["state"] == "xyz-state"


def test_repeated_parameter_is_an_error_redirect(browser: Client) -> None:
    app = confidential()
    url = authorize_url(authorize_params(app.client.client_id, Pkce())) + "&scope=write"
    assert query_of(browser.get(url)["Location"])["error"] == "invalid_request"
    url = authorize_url(authorize_params(app.client.client_id, Pkce())) + "&state=again"
    assert query_of(browser.get(url)["Location"])["error"] == "invalid_request"


def test_client_without_the_code_grant_is_unauthorized_client(browser: Client) -> None:
    app = confidential(grant_types=["client_credentials"])
    response = browser.get(authorize_url(authorize_params(app.client.client_id, Pkce())))
    assert query_of(response["Location"])["error"] == "unauthorized_client"


def test_omitted_scope_asks_for_the_registered_scopes(browser: Client) -> None:
    app = confidential()
    page = browser.get(authorize_url(authorize_params(app.client.client_id, Pkce(), scope=None)))
    assert page.status_code == 200
    assert page.context["fields"]["scope"] == "read write"


def test_the_consent_page_needs_a_logged_in_user_even_on_post() -> None:
    app = confidential()
    response = Client().post(
        "/auth/oauth/authorize/", {**authorize_params(app.client.client_id, Pkce()), "decision": "allow"}
    )
    assert response.status_code == 303
    assert response["Location"].startswith("/auth/oauth/login/")
    assert not AuthorizationCode.objects.exists()


def test_inactive_client_is_a_400_page(browser: Client) -> None:
    app = confidential()
    app.client.is_active = False
    app.client.save()
    response = browser.get(authorize_url(authorize_params(app.client.client_id, Pkce())))
    assert response.status_code == 400
