"""Under ``REFRESH_TOKEN_TRANSPORT = "both"`` the client picks body or cookie at login, for the family's life."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from django_apiauth.models.refresh import RefreshTokenFamily, RefreshTransport
from tests.support.mfa import VERIFY, enrol
from tests.support.refresh_tokens import LOGIN, PASSWORD, REFRESH, only_family, refresh
from tests.support.users import login_name

pytestmark = pytest.mark.django_db
CSRF = {"HTTP_X_REQUESTED_WITH": "fetch"}


def login_with(client: APIClient, **extra: Any) -> Any:
    return client.post(LOGIN, {"username": login_name("alice"), "password": PASSWORD, **extra}, format="json")


def cookie_values(response: Any) -> set[str]:
    return {m.value for m in response.cookies.values() if m.key == "apiauth_refresh"}


@pytest.fixture
def both(apiauth: Callable[..., None]) -> None:
    apiauth(REFRESH_TOKEN_TRANSPORT="both")


@pytest.mark.usefixtures("both")
def test_body_is_the_default_and_sets_no_cookie(api_client: APIClient, user: User) -> None:
    response = login_with(api_client)

    assert response.status_code == 200
    assert "refresh_token" in response.json()
    assert cookie_values(response) == set()
    assert only_family().transport == RefreshTransport.BODY
    renewed = refresh(APIClient(), response.json()["refresh_token"])
    assert renewed.status_code == 200
    assert "refresh_token" in renewed.json()
    assert cookie_values(renewed) == set()


@pytest.mark.usefixtures("both")
def test_a_cookie_family_never_puts_its_token_in_a_body(api_client: APIClient, user: User) -> None:
    response = login_with(api_client, refresh_transport="cookie")

    assert response.status_code == 200
    assert "refresh_token" not in response.json()
    (token,) = cookie_values(response)
    assert only_family().transport == RefreshTransport.COOKIE

    by_cookie = api_client.post(REFRESH, **CSRF)
    assert by_cookie.status_code == 200
    assert "refresh_token" not in by_cookie.json()
    (next_token,) = cookie_values(by_cookie)

    # Even a client that somehow holds the cookie's value and posts it in the body gets no body token.
    by_body = refresh(APIClient(), next_token)
    assert by_body.status_code == 200
    assert "refresh_token" not in by_body.json()
    assert len(cookie_values(by_body)) == 1
    assert token != next_token


@pytest.mark.usefixtures("both")
def test_an_explicit_body_choice_is_accepted(api_client: APIClient, user: User) -> None:
    response = login_with(api_client, refresh_transport="body")

    assert response.status_code == 200
    assert "refresh_token" in response.json()
    assert cookie_values(response) == set()


@pytest.mark.usefixtures("both")
@pytest.mark.parametrize("value", ["", "COOKIE", "both", 1, True, ["cookie"], {"cookie": 1}])
def test_bad_values_are_a_json_400(api_client: APIClient, user: User, value: Any) -> None:
    response = login_with(api_client, refresh_transport=value)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "refresh_transport" in response.json()["error_description"]
    assert not user.__class__.objects.filter(pk=user.pk, last_login__isnull=False).exists()


@pytest.mark.parametrize(("mode", "refused"), [("body", "cookie"), ("cookie", "body")])
def test_a_choice_the_configuration_does_not_offer_is_refused(
    api_client: APIClient, user: User, apiauth: Callable[..., None], mode: str, refused: str
) -> None:
    apiauth(REFRESH_TOKEN_TRANSPORT=mode)

    response = login_with(api_client, refresh_transport=refused)

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": f'This server sends refresh tokens only by "{mode}".',
    }


@pytest.mark.parametrize("mode", ["body", "cookie"])
def test_naming_the_configured_transport_is_accepted(
    api_client: APIClient, user: User, apiauth: Callable[..., None], mode: str
) -> None:
    apiauth(REFRESH_TOKEN_TRANSPORT=mode)

    response = login_with(api_client, refresh_transport=mode)

    assert response.status_code == 200
    assert ("refresh_token" in response.json()) is (mode == "body")
    assert bool(cookie_values(response)) is (mode == "cookie")
    assert only_family().transport == mode


@pytest.mark.parametrize("mode", ["cookie", "both"])
def test_a_refresh_without_any_token_is_a_401_in_cookie_modes(
    api_client: APIClient, apiauth: Callable[..., None], mode: str
) -> None:
    apiauth(REFRESH_TOKEN_TRANSPORT=mode)

    response = api_client.post(REFRESH, **CSRF)

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_grant"


def test_a_refresh_without_the_field_is_a_400_in_body_mode(api_client: APIClient) -> None:
    response = api_client.post(REFRESH, {}, format="json")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.usefixtures("both")
def test_the_login_choice_carries_through_the_mfa_step(user: User, clock: Any) -> None:
    enrolled = enrol()
    clock.shift(60)
    challenge = login_with(APIClient(), refresh_transport="cookie")
    assert challenge.json()["mfa_required"] is True

    response = APIClient().post(
        VERIFY, {"mfa_token": challenge.json()["mfa_token"], "code": enrolled.code()}, format="json"
    )

    assert response.status_code == 200
    assert "refresh_token" not in response.json()
    assert len(cookie_values(response)) == 1
    assert RefreshTokenFamily.objects.filter(transport=RefreshTransport.COOKIE).count() == 1
