"""Login of a user with MFA: the mfa_token step, what the token pair then carries, and every refusal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in
from rest_framework.test import APIClient

from django_apiauth.jwt.access import verify_access_token
from django_apiauth.models.events import AuthEvent, EventType
from django_apiauth.models.mfa import MFAChallenge
from tests.support.mfa import MFA, enrol, mfa_token, verify
from tests.support.refresh_tokens import LOGIN, PASSWORD, bearer, login, login_pair, refresh
from tests.support.users import login_name

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled(user: User, clock: Any) -> Any:
    result = enrol()
    clock.shift(60)
    return result


@pytest.fixture
def logins() -> Iterator[list[Any]]:
    received: list[Any] = []

    def receiver(sender: Any, user: Any, **kwargs: Any) -> None:
        received.append(user)

    user_logged_in.connect(receiver)
    yield received
    user_logged_in.disconnect(receiver)


def test_login_of_an_mfa_user_answers_mfa_required_and_no_tokens(enrolled: Any, logins: list[Any]) -> None:
    response = login(APIClient())
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"mfa_required", "mfa_token", "methods"}
    assert body["mfa_required"] is True
    assert body["methods"] == ["totp", "backup_code"]
    assert not response.cookies
    assert logins == []


def test_verify_returns_the_pair_with_amr_pwd_otp(enrolled: Any, logins: list[Any], user: User) -> None:
    response = verify(mfa_token(), enrolled.code())
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["refresh_token"]
    claims = verify_access_token(body["access_token"])
    assert claims["amr"] == ["pwd", "otp"]
    assert claims["auth_time"] == int(claims["iat"])
    assert logins == [user]
    user.refresh_from_db()
    assert user.last_login is not None
    assert bearer(APIClient(), body["access_token"]).get(MFA).status_code == 200


def test_password_only_login_carries_amr_pwd_and_auth_time(user: User, clock: Any) -> None:
    claims = verify_access_token(login_pair(APIClient())["access_token"])
    assert claims["amr"] == ["pwd"]
    assert claims["auth_time"] == int(claims["iat"])


def test_refreshed_tokens_keep_amr_and_auth_time(enrolled: Any, clock: Any) -> None:
    pair = verify(mfa_token(), enrolled.code()).json()
    first = verify_access_token(pair["access_token"])
    clock.shift(600)
    refreshed = refresh(APIClient(), pair["refresh_token"]).json()
    claims = verify_access_token(refreshed["access_token"])
    assert claims["amr"] == ["pwd", "otp"]
    assert claims["auth_time"] == first["auth_time"]
    assert claims["iat"] == first["iat"] + 600


def test_verify_in_cookie_transport_sets_the_cookie(enrolled: Any, apiauth: Callable[..., None]) -> None:
    apiauth(REFRESH_TOKEN_TRANSPORT="cookie")
    response = verify(mfa_token(), enrolled.code())
    assert response.status_code == 200
    assert "refresh_token" not in response.json()
    assert response.cookies["apiauth_refresh"].value


def test_verify_in_cookie_transport_refuses_a_foreign_origin(enrolled: Any, apiauth: Callable[..., None]) -> None:
    apiauth(REFRESH_TOKEN_TRANSPORT="cookie")
    token = mfa_token()
    response = APIClient().post(
        "/auth/mfa/verify/", {"mfa_token": token, "code": enrolled.code()}, format="json",
        HTTP_ORIGIN="https://evil.example",
    )  # fmt: skip
    assert response.status_code == 403


def test_the_mfa_token_is_single_use(enrolled: Any) -> None:
    token = mfa_token()
    assert verify(token, enrolled.code()).status_code == 200
    reused = verify(token, enrolled.code(1))
    assert reused.status_code == 401
    assert reused.json()["error"] == "invalid_grant"


def test_the_mfa_token_expires_after_five_minutes(enrolled: Any, clock: Any) -> None:
    token = mfa_token()
    clock.shift(301)
    response = verify(token, enrolled.code())
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_grant"


def test_the_mfa_token_lifetime_is_a_setting(enrolled: Any, clock: Any, apiauth: Callable[..., None]) -> None:
    apiauth(MFA_TOKEN_LIFETIME=timedelta(minutes=1))
    token = mfa_token()
    clock.shift(61)
    assert verify(token, enrolled.code()).status_code == 401


def test_the_mfa_token_dies_after_its_attempts(enrolled: Any, apiauth: Callable[..., None]) -> None:
    apiauth(MFA_THROTTLE_FACTOR=0, MFA_TOKEN_MAX_ATTEMPTS=3)
    token = mfa_token()
    wrong = "000000" if enrolled.code() != "000000" else "111111"
    for _ in range(3):
        assert verify(token, wrong).status_code == 400
    dead = verify(token, enrolled.code())
    assert dead.status_code == 401
    assert MFAChallenge.objects.get().attempts == 3


def test_malformed_codes_spend_no_attempt(enrolled: Any, apiauth: Callable[..., None]) -> None:
    apiauth(MFA_TOKEN_MAX_ATTEMPTS=1)
    token = mfa_token()
    assert verify(token, "12345").status_code == 400
    assert verify(token, enrolled.code()).status_code == 200


@pytest.mark.parametrize(
    "token",
    [
        "mfa_" + "A" * 43,
        "mfa_" + "A" * 42,
        "A" * 43,
        "x" * 10_000,
        "mfa_" + "\uff21" * 43,
        "mfa_" + "A" * 42 + "\n",
    ],
)
def test_forged_or_malformed_mfa_tokens_are_refused(enrolled: Any, token: str) -> None:
    response = verify(token, enrolled.code())
    assert response.status_code in (400, 401)
    assert response.json()["error"] in ("invalid_grant", "invalid_request")
    assert response.json()["error_description"]


@pytest.mark.parametrize("body", [{}, {"code": "123456"}, {"mfa_token": "mfa_x"}, [], "text", {"mfa_token": 5}])
def test_incomplete_bodies_answer_400(enrolled: Any, body: Any) -> None:
    response = APIClient().post("/auth/mfa/verify/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_an_access_token_is_not_an_mfa_token(enrolled: Any) -> None:
    response = verify(enrolled.access_token, enrolled.code())
    assert response.status_code in (400, 401)
    assert "access_token" not in response.json()


def test_an_mfa_token_is_not_an_access_token(enrolled: Any) -> None:
    token = mfa_token()
    response = bearer(APIClient(), token).get(MFA)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert APIClient().get("/api/whoami/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_an_mfa_token_is_not_a_refresh_token(enrolled: Any) -> None:
    response = refresh(APIClient(), mfa_token())
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_grant"


def test_a_refresh_token_is_not_an_mfa_token(enrolled: Any) -> None:
    response = verify(enrolled.refresh_token, enrolled.code())
    assert response.status_code == 401


def test_the_mfa_token_is_bound_to_its_user(enrolled: Any, user: User, make_other: Callable[[], Any]) -> None:
    make_other()
    token = mfa_token()
    response = verify(token, enrolled.code())
    claims = verify_access_token(response.json()["access_token"])
    assert claims["sub"] == str(user.pk)


@pytest.fixture
def make_other(make_user: Callable[..., Any]) -> Callable[[], Any]:
    def make() -> Any:
        return make_user("mallory", password=PASSWORD)

    return make


def test_another_users_code_does_not_pass(enrolled: Any, make_other: Callable[[], Any]) -> None:
    make_other()
    token = mfa_token()
    other = enrol("mallory")
    assert other.code(1) != enrolled.code(1)  # two random secrets (a one-in-a-million coincidence otherwise)
    assert verify(token, other.code(1)).status_code == 400


def test_inactive_user_cannot_finish_the_step(enrolled: Any, user: User) -> None:
    token = mfa_token()
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert verify(token, enrolled.code()).status_code == 401


def test_wrong_password_of_an_mfa_user_is_the_usual_401(enrolled: Any) -> None:
    response = APIClient().post(LOGIN, {"username": login_name("alice"), "password": "wrong"}, format="json")
    assert response.status_code == 401
    assert "mfa_token" not in response.json()


def test_the_mfa_token_is_stored_only_as_a_digest(enrolled: Any) -> None:
    from tests.support.refresh_tokens import all_stored_text

    token = mfa_token()
    assert token not in all_stored_text(MFAChallenge._meta.db_table)
    assert token[4:] not in all_stored_text(MFAChallenge._meta.db_table)


def test_events_of_the_second_step(enrolled: Any, user: User) -> None:
    verify(mfa_token(), enrolled.code())
    verified = AuthEvent.objects.get(type=EventType.MFA_VERIFIED)
    assert verified.details == {"device": "totp", "purpose": "login"}
    succeeded = AuthEvent.objects.filter(type=EventType.LOGIN_SUCCEEDED).latest("created_at")
    assert succeeded.details["amr"] == ["pwd", "otp"]
