"""Threads presenting refresh tokens at once, on PostgreSQL (row locks) and on a SQLite file (IMMEDIATE
transactions): every answer is a 200 or a 401, never a 500, and exactly one replay wins."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from django_apiauth.models.events import AuthEvent, EventType
from django_apiauth.models.refresh import RefreshToken, RefreshTokenFamily, RevocationReason
from django_apiauth.refresh.tokens import token_digest
from tests.support.refresh_tokens import login_pair, refresh
from tests.support.threads import run_in_threads

pytestmark = [pytest.mark.django_db(transaction=True)]
THREADS = 20


def race(token: str, threads: int = THREADS) -> list[Any]:
    """``threads`` clients post ``token`` to ``refresh/`` released together; returns their responses."""
    return run_in_threads(threads, lambda: refresh(APIClient(), token))


def statuses(responses: list[Any]) -> list[int]:
    return sorted(response.status_code for response in responses)


def test_eight_users_refreshing_at_once_all_succeed(make_user: Callable[..., Any]) -> None:
    tokens = iter([login_pair(APIClient(), make_user(f"user{i}").get_username())["refresh_token"] for i in range(8)])
    pick = threading.Lock()

    def one() -> Any:
        with pick:
            token = next(tokens)
        return refresh(APIClient(), token)

    responses = run_in_threads(8, one)

    assert statuses(responses) == [200] * 8, [r.content for r in responses if r.status_code != 200]
    assert RefreshToken.objects.filter(used_at=None).count() == 8


def test_exactly_one_of_ten_concurrent_replays_wins(user: User) -> None:
    token = login_pair(APIClient())["refresh_token"]

    responses = race(token, threads=10)

    assert statuses(responses) == [200] + [401] * 9, [r.content for r in responses if r.status_code >= 500]
    assert all(r.json()["error"] == "invalid_grant" for r in responses if r.status_code == 401)


def test_exactly_one_of_twenty_concurrent_refreshes_wins(user: User) -> None:
    token = login_pair(APIClient())["refresh_token"]

    responses = race(token)

    assert statuses(responses) == [200] + [401] * (THREADS - 1)
    assert all(r.json()["error"] == "invalid_grant" for r in responses if r.status_code == 401)
    family = RefreshTokenFamily.objects.get()
    assert family.revoked_reason == RevocationReason.REUSE_DETECTED
    successor = next(r for r in responses if r.status_code == 200).json()["refresh_token"]
    assert refresh(APIClient(), successor).status_code == 401
    assert RefreshToken.objects.count() == 2  # the token and its one successor, nothing else issued
    assert AuthEvent.objects.filter(type=EventType.REFRESH_TOKEN_REUSED).count() == 1


def test_with_grace_concurrent_retries_of_the_predecessor_succeed(user: User, apiauth: Callable[..., None]) -> None:
    apiauth(REFRESH_REUSE_GRACE=30)
    token = login_pair(APIClient())["refresh_token"]

    responses = race(token)

    assert statuses(responses) == [200] * THREADS
    assert RefreshTokenFamily.objects.get().revoked_at is None
    assert RefreshToken.objects.filter(used_at=None).count() == 1  # still one live token
    issued = [r.json()["refresh_token"] for r in responses]
    live_hash = RefreshToken.objects.get(used_at=None).token_hash
    (live,) = [t for t in issued if token_digest(t) == live_hash]
    assert refresh(APIClient(), live).status_code == 200
    superseded = next(t for t in issued if t != live)
    assert refresh(APIClient(), superseded).status_code == 401  # a replay: the family is revoked
    assert RefreshTokenFamily.objects.get().revoked_reason == RevocationReason.REUSE_DETECTED


def test_with_grace_a_replay_of_an_older_token_revokes_the_family(user: User, apiauth: Callable[..., None]) -> None:
    apiauth(REFRESH_REUSE_GRACE=30)
    first = login_pair(APIClient())["refresh_token"]
    second = refresh(APIClient(), first).json()["refresh_token"]
    third = refresh(APIClient(), second).json()["refresh_token"]

    responses = race(first, threads=10)

    assert statuses(responses) == [401] * 10
    assert RefreshTokenFamily.objects.get().revoked_reason == RevocationReason.REUSE_DETECTED
    assert refresh(APIClient(), third).status_code == 401
