"""Cookie transport: HttpOnly/Secure/SameSite=Strict cookie on the refresh and logout paths, CSRF defence."""

from __future__ import annotations

from collections.abc import Callable
from http.cookies import Morsel

import pytest
from django.contrib.auth.models import User
from django.test import override_settings
from rest_framework.test import APIClient

from django_apiauth.models.refresh import RefreshToken, RevocationReason
from django_apiauth.refresh.tokens import token_digest
from tests.support.refresh_tokens import LOGIN, LOGOUT, PASSWORD, REFRESH, login, only_family, refresh
from tests.support.users import login_name

pytestmark = pytest.mark.django_db
CSRF = {"HTTP_X_REQUESTED_WITH": "fetch"}
PATHS = {"/auth/refresh/", "/auth/logout/"}


@pytest.fixture(autouse=True)
def _cookie_mode(apiauth: Callable[..., None]) -> None:
    apiauth(REFRESH_TOKEN_TRANSPORT="cookie")


def refresh_cookies(response: object) -> list[Morsel[str]]:
    cookies = getattr(response, "cookies", {})
    return [morsel for morsel in cookies.values() if morsel.key == "apiauth_refresh"]


def cookie_token(response: object) -> str:
    values = {morsel.value for morsel in refresh_cookies(response)}
    assert len(values) == 1
    return values.pop()


def test_login_sets_the_cookie_with_every_flag_and_keeps_it_out_of_the_body(api_client: APIClient, user: User) -> None:
    response = login(api_client)

    assert response.status_code == 200
    body = response.json()
    assert "refresh_token" not in body
    morsels = refresh_cookies(response)
    assert {morsel["path"] for morsel in morsels} == PATHS
    for morsel in morsels:
        assert morsel["httponly"] is True
        assert morsel["secure"] is True
        assert morsel["samesite"] == "Strict"
        assert int(morsel["max-age"]) == body["refresh_expires_in"] == 7 * 24 * 3600
    assert only_family().tokens.get().token_hash == token_digest(cookie_token(response))


def test_each_path_gets_its_own_set_cookie_header(api_client: APIClient, user: User) -> None:
    headers = [morsel.OutputString() for morsel in login(api_client).cookies.values()]

    assert sorted(h.split("Path=")[1].split(";")[0] for h in headers if h.startswith("apiauth_refresh=")) == sorted(
        PATHS
    )


def test_refresh_through_the_cookie_rotates_it(api_client: APIClient, user: User) -> None:
    first = cookie_token(login(api_client))

    response = api_client.post(REFRESH, **CSRF)

    assert response.status_code == 200
    assert "refresh_token" not in response.json()
    second = cookie_token(response)
    assert second != first
    assert RefreshToken.objects.get(token_hash=token_digest(first)).used_at is not None
    assert api_client.post(REFRESH, **CSRF).status_code == 200  # the client now sends the new cookie


def test_under_debug_the_cookie_is_not_secure(api_client: APIClient, user: User) -> None:
    with override_settings(DEBUG=True):
        response = login(api_client)

    assert all(morsel["secure"] == "" for morsel in refresh_cookies(response))


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"HTTP_ORIGIN": "https://evil.example"}, id="foreign origin without header"),
        pytest.param({**CSRF, "HTTP_ORIGIN": "https://evil.example"}, id="foreign origin with header"),
        pytest.param({**CSRF, "HTTP_ORIGIN": "null"}, id="opaque origin"),
        pytest.param({}, id="no csrf header"),
    ],
)
def test_cross_site_cookie_refreshes_are_refused(api_client: APIClient, user: User, headers: dict[str, str]) -> None:
    login(api_client)

    response = api_client.post(REFRESH, **headers)

    assert response.status_code == 403
    assert response.json()["error"] == "access_denied"
    assert RefreshToken.objects.get().used_at is None  # nothing was consumed


def test_a_cross_site_form_post_is_refused(api_client: APIClient, user: User) -> None:
    login(api_client)

    response = api_client.post(
        REFRESH, "x=1", content_type="application/x-www-form-urlencoded", HTTP_ORIGIN="https://evil.example"
    )

    assert response.status_code == 403
    assert RefreshToken.objects.get().used_at is None


@pytest.mark.parametrize("origin", ["http://testserver", "https://app.example.com"])
def test_own_and_allowed_origins_may_refresh(
    api_client: APIClient, user: User, apiauth: Callable[..., None], origin: str
) -> None:
    apiauth(REFRESH_COOKIE_ALLOWED_ORIGINS=["https://app.example.com/"])
    login(api_client)

    assert api_client.post(REFRESH, HTTP_ORIGIN=origin, **CSRF).status_code == 200


def test_without_a_csrf_header_setting_an_allowed_origin_is_required(
    api_client: APIClient, user: User, apiauth: Callable[..., None]
) -> None:
    apiauth(REFRESH_COOKIE_CSRF_HEADER="")
    login(api_client)

    assert api_client.post(REFRESH).status_code == 403
    assert api_client.post(REFRESH, HTTP_ORIGIN="http://testserver").status_code == 200


def test_login_from_a_foreign_origin_is_refused(api_client: APIClient, user: User) -> None:
    response = api_client.post(
        LOGIN,
        {"username": login_name("alice"), "password": "correct horse battery staple"},
        format="json",
        HTTP_ORIGIN="https://evil.example",
    )

    assert response.status_code == 403
    assert refresh_cookies(response) == []


def test_cookie_mode_ignores_a_refresh_token_in_the_body(api_client: APIClient, user: User) -> None:
    token = cookie_token(login(api_client))

    response = refresh(APIClient(), token, **CSRF)  # a client without the cookie: no credential presented

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_grant"
    assert RefreshToken.objects.get().used_at is None


def test_logout_revokes_and_clears_the_cookie_on_every_path(api_client: APIClient, user: User) -> None:
    login(api_client)

    response = api_client.post(LOGOUT, **CSRF)

    assert response.status_code == 204
    cleared = refresh_cookies(response)
    assert {morsel["path"] for morsel in cleared} == PATHS
    assert all(morsel.value == "" and morsel["max-age"] == 0 for morsel in cleared)
    assert only_family().revoked_reason == RevocationReason.LOGOUT


def test_logout_with_the_cookie_needs_the_csrf_header(api_client: APIClient, user: User) -> None:
    login(api_client)

    assert api_client.post(LOGOUT, HTTP_ORIGIN="https://evil.example").status_code == 403
    assert only_family().revoked_at is None


def test_a_refused_cookie_refresh_clears_the_dead_cookie(api_client: APIClient, user: User) -> None:
    login(api_client)
    only_family().tokens.update(expires_at="2000-01-01T00:00:00Z")

    response = api_client.post(REFRESH, **CSRF)

    assert response.status_code == 401
    assert all(morsel["max-age"] == 0 for morsel in refresh_cookies(response))


def test_both_mode_accepts_a_cookie_familys_token_from_the_cookie(
    api_client: APIClient, user: User, apiauth: Callable[..., None]
) -> None:
    apiauth(REFRESH_TOKEN_TRANSPORT="both")
    response = api_client.post(
        LOGIN, {"username": login_name("alice"), "password": PASSWORD, "refresh_transport": "cookie"}, format="json"
    )
    assert "refresh_token" not in response.json()
    cookie_token(response)

    assert api_client.post(REFRESH, **CSRF).status_code == 200


def test_configured_paths_replace_the_endpoint_paths(
    api_client: APIClient, user: User, apiauth: Callable[..., None]
) -> None:
    apiauth(REFRESH_COOKIE_PATHS=["/auth/"], REFRESH_COOKIE_NAME="rt", REFRESH_COOKIE_SAMESITE="Lax")

    morsels = [m for m in login(api_client).cookies.values() if m.key == "rt"]

    assert [(m["path"], m["samesite"]) for m in morsels] == [("/auth/", "Lax")]


def test_an_unknown_samesite_value_falls_back_to_strict(
    api_client: APIClient, user: User, apiauth: Callable[..., None]
) -> None:
    apiauth(REFRESH_COOKIE_SAMESITE="sometimes")  # reported by apiauth.E031

    assert {morsel["samesite"] for morsel in refresh_cookies(login(api_client))} == {"Strict"}
