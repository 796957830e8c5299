"""Methods a view does not serve: 405 with an ``Allow`` header, never CSRF's 403 nor a 500.

``CsrfViewMiddleware`` runs before a view, so a PUT to a CSRF-protected page used to be refused as a forgery
instead of as a method the page does not have. The pages now answer such methods with Django's plain 405,
and still refuse a POST without a valid CSRF token; the public JSON documents answer the app's JSON 405.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.support.oauth import Pkce, authorize_params, authorize_url, confidential, csrf_of
from tests.support.oauth_errors import assert_oauth_error

pytestmark = pytest.mark.django_db
PAGES = ["/auth/oauth/authorize/", "/auth/oauth/login/"]
DOCUMENTS = ["/auth/jwks.json", "/.well-known/jwks.json", "/.well-known/oauth-authorization-server"]
OTHER_METHODS = ["put", "patch", "delete"]


@pytest.fixture
def browser(user: Any) -> Client:
    """A signed-in browser whose requests go through the CSRF checks, as a real browser's do."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    return browser


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("method", OTHER_METHODS)
@pytest.mark.parametrize("signed_in", [True, False], ids=["signed in", "anonymous"])
def test_pages_answer_other_methods_with_a_plain_405(browser: Client, path: str, method: str, signed_in: bool) -> None:
    client = browser if signed_in else Client(enforce_csrf_checks=True)

    response = getattr(client, method)(path)

    assert response.status_code == 405, response.content
    assert response["Allow"] == "GET, POST"
    assert not response.content


@pytest.mark.parametrize("path", PAGES)
def test_pages_still_refuse_a_post_without_a_csrf_token(browser: Client, path: str) -> None:
    response = browser.post(path, {"decision": "allow", "step": "password"})

    assert_oauth_error(response, 403, "access_denied")
    assert response.json()["error_description"] == "CSRF verification failed."


def test_a_post_with_the_pages_csrf_token_is_let_through(user: Any) -> None:
    """The login page with a wrong password: its own 400, so the CSRF check passed."""
    browser = Client(enforce_csrf_checks=True)
    next_url = authorize_url(authorize_params(confidential().client.client_id, Pkce()))
    page = browser.get("/auth/oauth/login/", {"next": next_url})
    form = {"step": "password", "next": next_url, "username": user.get_username(), "password": "wrong"}

    response = browser.post("/auth/oauth/login/", {**form, "csrfmiddlewaretoken": csrf_of(page)})

    assert response.status_code == 400
    assert "Invalid username or password." in response.content.decode()


@pytest.mark.parametrize("path", DOCUMENTS)
@pytest.mark.parametrize("method", ["post", *OTHER_METHODS])
def test_documents_answer_other_methods_with_a_json_405(path: str, method: str) -> None:
    response = getattr(Client(enforce_csrf_checks=True), method)(path)

    assert_oauth_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", DOCUMENTS)
@pytest.mark.parametrize("method", ["get", "head", "options"])
def test_documents_serve_the_methods_they_name(path: str, method: str) -> None:
    response = getattr(Client(enforce_csrf_checks=True), method)(path)

    assert response.status_code == 200, response.content
    if method == "options":
        assert response["Allow"] == "GET, HEAD, OPTIONS"
    else:
        assert response["Content-Type"] == "application/json"
