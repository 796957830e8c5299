"""``POST /auth/login/``: the RFC 6749 §5.1 pair, and failures that tell an attacker nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.models import User
from django.test import override_settings
from rest_framework.test import APIClient

from django_apiauth.jwt.access import verify_access_token
from django_apiauth.models.events import AuthEvent, EventType
from django_apiauth.models.refresh import RefreshToken
from django_apiauth.refresh.tokens import token_digest
from tests.support.refresh_tokens import LOGIN, login, login_pair, only_family
from tests.support.users import create_user, login_name

pytestmark = pytest.mark.django_db


def test_login_answers_an_rfc6749_token_pair(api_client: APIClient, user: User) -> None:
    response = login(api_client)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "refresh_expires_in", "scope"}
    assert body["token_type"] == "Bearer"
    assert isinstance(body["expires_in"], int)
    assert body["expires_in"] > 0
    assert body["refresh_expires_in"] == 7 * 24 * 3600
    assert response["Cache-Control"] == "no-store"
    assert response["Pragma"] == "no-cache"


def test_login_starts_a_family_bound_to_the_access_token(api_client: APIClient, user: User) -> None:
    body = login_pair(api_client)

    family = only_family()
    claims = verify_access_token(body["access_token"])
    assert claims["sid"] == str(family.public_id)
    assert claims["sub"] == str(user.pk)
    assert family.user == user
    token = RefreshToken.objects.get(family=family)
    assert token.token_hash == token_digest(body["refresh_token"])
    assert token.used_at is None
    assert token.parent is None


def test_login_records_ip_and_user_agent_of_the_session(api_client: APIClient, user: User) -> None:
    api_client.post(
        LOGIN,
        {"username": login_name("alice"), "password": "correct horse battery staple"},
        format="json",
        REMOTE_ADDR="203.0.113.7",
        HTTP_USER_AGENT="TestPhone/1.0",
    )

    family = only_family()
    assert family.ip_address == "203.0.113.7"
    assert family.user_agent == "TestPhone/1.0"


def test_refresh_tokens_are_256_random_bits_and_unique(api_client: APIClient, user: User) -> None:
    tokens = {login_pair(api_client)["refresh_token"] for _ in range(5)}

    assert len(tokens) == 5
    assert all(len(token) == 43 for token in tokens)  # base64url of 32 bytes


def _inactive(user: User) -> dict[str, str]:
    user.is_active = False
    user.save()
    return {"username": login_name("alice"), "password": "correct horse battery staple"}


FAILURES: dict[str, Callable[[User], dict[str, str]]] = {
    "wrong password": lambda user: {"username": login_name("alice"), "password": "wrong password"},
    "unknown user": lambda user: {"username": login_name("no-such-user"), "password": "wrong password"},
    "unknown user, right password": lambda user: {
        "username": login_name("bob"),
        "password": "correct horse battery staple",
    },
    "inactive user": _inactive,
}


@pytest.mark.parametrize("case", FAILURES)
def test_every_login_failure_answers_the_same_bytes(api_client: APIClient, user: User, case: str) -> None:
    reference = api_client.post(LOGIN, {"username": login_name("alice"), "password": "not it"}, format="json")

    response = api_client.post(LOGIN, FAILURES[case](user), format="json")

    assert reference.status_code == 401
    assert (response.status_code, response.content) == (reference.status_code, reference.content)
    assert response.json() == {"error": "invalid_grant", "error_description": "Invalid username or password."}
    assert response["Cache-Control"] == "no-store"


class CountingHasher(MD5PasswordHasher):
    """A real hasher that counts how often it hashes, to show unknown users cost a hash too."""

    algorithm = "counting_md5"
    calls: ClassVar[list[str]] = []

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.calls.append(salt)
        return super().encode(password, salt).replace("md5$", "counting_md5$", 1)

    def decode(self, encoded: str) -> dict[str, Any]:
        return super().decode(encoded.replace("counting_md5$", "md5$", 1))


@override_settings(PASSWORD_HASHERS=["tests.test_login.CountingHasher"])
@pytest.mark.parametrize("username", ["alice", "no-such-user"])
def test_the_password_hasher_runs_once_for_known_and_unknown_users(api_client: APIClient, username: str) -> None:
    create_user("alice", password="correct horse battery staple")
    CountingHasher.calls.clear()

    response = api_client.post(LOGIN, {"username": username, "password": "wrong"}, format="json")

    assert response.status_code == 401
    assert len(CountingHasher.calls) == 1


def test_login_events_record_success_issue_and_failure(api_client: APIClient, user: User) -> None:
    login(api_client, password="wrong")
    login_pair(api_client)

    family = only_family()
    failed = AuthEvent.objects.get(type=EventType.LOGIN_FAILED)
    assert failed.user is None
    assert failed.client_ip == "127.0.0.1"
    succeeded = AuthEvent.objects.get(type=EventType.LOGIN_SUCCEEDED)
    assert succeeded.user == user
    assert succeeded.details == {"family_id": str(family.public_id), "amr": ["pwd"]}
    issued = AuthEvent.objects.get(type=EventType.TOKEN_ISSUED)
    assert issued.user == user
    assert issued.details["family_id"] == str(family.public_id)


def test_login_scopes_go_into_the_access_token_and_the_response(
    api_client: APIClient, user: User, apiauth: Callable[..., None]
) -> None:
    apiauth(LOGIN_SCOPES=["read", "write"])

    body = login_pair(api_client)

    assert body["scope"] == "read write"
    assert verify_access_token(body["access_token"])["scope"] == "read write"


def test_lifetimes_come_from_the_settings(api_client: APIClient, user: User, apiauth: Callable[..., None]) -> None:
    apiauth(REFRESH_TOKEN_IDLE_LIFETIME=3600, REFRESH_TOKEN_ABSOLUTE_LIFETIME=1800)

    body = login_pair(api_client)

    assert body["refresh_expires_in"] == 1800  # never beyond the family's absolute expiry
