"""The django-ninja example of the docs works: 200 with a token or a key, 401 JSON without or when refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import User
from django.test import AsyncClient, Client

from django_apiauth.jwt.access import issue_access_token

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.support.ninja_urls")]


def test_ninja_example_with_a_token_and_a_key(user: User, issue_key: Callable[..., Any]) -> None:
    token = issue_access_token(user).token
    key = issue_key().plaintext
    client = AsyncClient()
    answer = async_to_sync(client.get)("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.json() == {"user": user.get_username(), "scheme": "jwt"}
    assert Client().get("/api/me", HTTP_X_API_KEY=key).json() == {"user": user.get_username(), "scheme": "api_key"}


def test_ninja_example_refusals() -> None:
    assert Client().get("/api/me").status_code == 401
    refused = Client().get("/api/me", HTTP_AUTHORIZATION="Bearer not.a.jwt")
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_token"
