"""Hostile ``scope`` values at login and refresh: 400 ``invalid_scope``, never a 500, whatever DRF's settings."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from django_apiauth.models.refresh import RefreshTokenFamily
from django_apiauth.scopes.parsing import MAX_REQUESTED_SCOPES, MAX_SCOPE_LENGTH, format_scope, parse_scope
from tests.support.scopes import LOGIN, PASSWORD, REFRESH, login_as

BAD_SCOPES: list[Any] = [
    ["read"],
    5,
    1.5,
    True,
    {"read": True},
    " ".join(["read"] * 10_000),
    " ".join(f"s{i}" for i in range(MAX_REQUESTED_SCOPES + 1)),
    "a" * (MAX_SCOPE_LENGTH + 1),
    "réad",
    "read\u2003write",
    "read\x00",
    "read\nwrite",
    "read\twrite",
    'quote"d',
    "back\\slash",
]


@pytest.mark.django_db
@pytest.mark.parametrize("scope", BAD_SCOPES)
def test_login_refuses_a_malformed_scope(api_client: APIClient, user: Any, scope: Any) -> None:
    response = login_as(api_client, user, scope=scope)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"
    assert not RefreshTokenFamily.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("scope", BAD_SCOPES[:4])
def test_refresh_refuses_a_malformed_scope(api_client: APIClient, user: Any, scope: Any) -> None:
    token = login_as(api_client, user, scope="read").json()["refresh_token"]

    response = APIClient().post(REFRESH, {"refresh_token": token, "scope": scope}, format="json")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


@pytest.mark.django_db
def test_bad_scope_is_json_without_the_projects_exception_handler(settings: Any, user: Any) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "EXCEPTION_HANDLER": "rest_framework.views.exception_handler"}
    body = f'{{"username": "{user.get_username()}", "password": "{PASSWORD}", "scope": ["read"]}}'

    response = Client().post(LOGIN, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


@pytest.mark.django_db
def test_a_lone_surrogate_is_refused(user: Any) -> None:
    body = f'{{"username": "{user.get_username()}", "password": "{PASSWORD}", "scope": "read \\ud800"}}'

    response = Client().post(LOGIN, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_parse_keeps_order_and_drops_repeats() -> None:
    assert parse_scope("b a  b ") == ("b", "a")
    assert parse_scope("") == ()
    assert format_scope(["b", "a", "b"]) == "b a"


def test_the_longest_accepted_scope_parses() -> None:
    assert parse_scope("a" * MAX_SCOPE_LENGTH) == ("a" * MAX_SCOPE_LENGTH,)
