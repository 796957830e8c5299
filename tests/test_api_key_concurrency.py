"""Eight users creating API keys at the same moment, on PostgreSQL and on a SQLite file: all succeed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from django_apiauth.models.api_keys import APIKey
from tests.support.refresh_tokens import login_pair
from tests.support.threads import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)


def test_eight_users_creating_a_key_at_once_all_succeed(make_user: Callable[..., Any]) -> None:
    tokens = iter([login_pair(APIClient(), make_user(f"user{i}").get_username())["access_token"] for i in range(8)])
    pick = threading.Lock()

    def create() -> Any:
        with pick:
            token = next(tokens)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client.post("/auth/api-keys/", {"name": "ci", "scopes": ["read"]}, format="json")

    responses = run_in_threads(8, create)

    assert sorted(r.status_code for r in responses) == [201] * 8, [r.content for r in responses]
    assert APIKey.objects.count() == 8
