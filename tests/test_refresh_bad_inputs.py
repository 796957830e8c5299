"""Every bad input to login, refresh and logout answers a 4xx OAuth-style JSON error, never a 500."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from django_apiauth.models.refresh import RefreshToken
from tests.support.refresh_tokens import LOGIN, LOGOUT, REFRESH, login_pair, refresh
from tests.support.users import login_name

pytestmark = pytest.mark.django_db
TEN_KB = "A" * 10_240
JSON = "application/json"

RAW_BODIES: dict[str, tuple[str, str]] = {
    "malformed json": ("{not json", JSON),
    "truncated json": ('{"username": login_name("alice")', JSON),
    "json array": ('["alice", "pw"]', JSON),
    "json string": ('"alice"', JSON),
    "json null": ("null", JSON),
    "json number": ("42", JSON),
    "invalid utf-8": ('{"username": login_name("\xff")}', JSON),
    "form encoded": ("username=alice&password=x", "application/x-www-form-urlencoded"),
    "plain text": ("hello", "text/plain"),
    "oversized body": ('{"username": login_name("' + ")a" * 70_000 + '"}', JSON),
}


def assert_oauth_error(response: Any) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:200])
    body = response.json()
    assert isinstance(body["error"], str)
    assert isinstance(body["error_description"], str)
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", [LOGIN, REFRESH, LOGOUT])
@pytest.mark.parametrize("case", RAW_BODIES)
def test_unparseable_bodies(path: str, case: str, user: User) -> None:
    data, content_type = RAW_BODIES[case]
    response = Client().post(path, data.encode("latin-1"), content_type=content_type)

    assert_oauth_error(response)


LOGIN_BODIES: dict[str, dict[str, Any]] = {
    "empty object": {},
    "missing password": {"username": login_name("alice")},
    "missing username": {"password": "x"},
    "username number": {"username": 1, "password": "x"},
    "username list": {"username": ["alice"], "password": "x"},
    "username object": {"username": {"$ne": ""}, "password": "x"},
    "password number": {"username": login_name("alice"), "password": 123},
    "password bool": {"username": login_name("alice"), "password": True},
    "password null": {"username": login_name("alice"), "password": None},
    "empty username": {"username": "", "password": "x"},
    "10 KB username": {"username": TEN_KB, "password": "x"},
    "10 KB password": {"username": login_name("alice"), "password": TEN_KB},
    "nul in username": {"username": login_name("ali\x00ce"), "password": "x"},
    "lone surrogate in password": {"username": login_name("alice"), "password": "\ud800"},
}


@pytest.mark.parametrize("case", LOGIN_BODIES)
def test_bad_login_bodies(api_client: APIClient, user: User, case: str) -> None:
    # json.dumps escapes lone surrogates (\\ud800), as a hostile client would send them
    assert_oauth_error(api_client.post(LOGIN, json.dumps(LOGIN_BODIES[case]), content_type=JSON))


def _revoked(client: APIClient) -> str:
    token = str(login_pair(client)["refresh_token"])
    client.post(LOGOUT, {"refresh_token": token}, format="json")
    return token


def _expired(client: APIClient) -> str:
    token = str(login_pair(client)["refresh_token"])
    RefreshToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    return token


def _deactivated(client: APIClient) -> str:
    token = str(login_pair(client)["refresh_token"])
    get_user_model().objects.update(is_active=False)
    return token


def _consumed(client: APIClient) -> str:
    token = str(login_pair(client)["refresh_token"])
    refresh(client, token)
    return token


REFRESH_TOKENS: dict[str, Callable[[APIClient], Any]] = {
    "missing": lambda client: None,
    "number": lambda client: 12345,
    "list": lambda client: ["x"],
    "object": lambda client: {"token": "x"},
    "bool": lambda client: False,
    "empty": lambda client: "",
    "10 KB token": lambda client: TEN_KB,
    "unknown token": lambda client: "A" * 43,
    "bad characters": lambda client: "!" * 43,
    "nul byte": lambda client: "A" * 42 + "\x00",
    "lone surrogate": lambda client: "A" * 42 + "\ud800",
    "token of a revoked family": _revoked,
    "expired token": _expired,
    "deactivated user": _deactivated,
    "consumed token": _consumed,
}


@pytest.mark.parametrize("path", [REFRESH, LOGOUT])
@pytest.mark.parametrize("case", REFRESH_TOKENS)
def test_bad_refresh_tokens(api_client: APIClient, user: User, path: str, case: str) -> None:
    token = REFRESH_TOKENS[case](api_client)
    body = {} if token is None else {"refresh_token": token}
    response = api_client.post(path, json.dumps(body), content_type=JSON)

    if path == LOGOUT and case in ("token of a revoked family", "expired token", "deactivated user", "consumed token"):
        assert response.status_code == 204  # a token we issued: logging its family out always works
    else:
        assert_oauth_error(response)


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer not.a.token", "Bearer " + TEN_KB])
def test_bad_bearer_tokens_on_logout(api_client: APIClient, user: User, header: str) -> None:
    assert_oauth_error(api_client.post(LOGOUT, HTTP_AUTHORIZATION=header))


@pytest.mark.parametrize("transport", ["cookie", "both"])
@pytest.mark.parametrize("value", ["", TEN_KB, "A" * 43, "\u00e9" * 43])
def test_bad_refresh_cookies(api_client: APIClient, apiauth: Callable[..., None], transport: str, value: str) -> None:
    apiauth(REFRESH_TOKEN_TRANSPORT=transport)
    api_client.cookies["apiauth_refresh"] = value

    assert_oauth_error(api_client.post(REFRESH, HTTP_X_REQUESTED_WITH="x"))


def test_get_is_not_allowed(api_client: APIClient) -> None:
    for path in (LOGIN, REFRESH, LOGOUT):
        assert_oauth_error(api_client.get(path))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=300),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(st.sampled_from(["username", "password", "refresh_token", "x"]), json_values))
def test_fuzzed_bodies_never_cause_a_server_error(user: User, body: dict[str, Any]) -> None:
    client = APIClient()
    for path in (LOGIN, REFRESH, LOGOUT):
        response = client.post(path, json.dumps(body), content_type=JSON)
        assert response.status_code < 500, (path, body, response.content[:200])
        assert response.status_code in (200, 204) or "error" in response.json()
