"""Rotation with reuse detection: each refresh token works once; a second use revokes its whole family."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import connections
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries
from rest_framework.test import APIClient

from django_apiauth.jwt.access import verify_access_token
from django_apiauth.models.events import AuthEvent, EventType
from django_apiauth.models.refresh import RefreshToken, RefreshTokenFamily, RevocationReason
from tests.support.refresh_tokens import all_stored_text, login_pair, only_family, refresh

pytestmark = pytest.mark.django_db
REUSED = {"error": "invalid_grant", "error_description": "The refresh token is invalid, expired or revoked."}


def test_refresh_returns_a_new_pair_of_the_same_session(api_client: APIClient, user: User) -> None:
    first = login_pair(api_client)

    response = refresh(api_client, first["refresh_token"])

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "refresh_expires_in", "scope"}
    assert body["refresh_token"] != first["refresh_token"]
    assert response["Cache-Control"] == "no-store"
    old_claims, new_claims = verify_access_token(first["access_token"]), verify_access_token(body["access_token"])
    assert new_claims["sid"] == old_claims["sid"]
    assert new_claims["jti"] != old_claims["jti"]
    tokens = list(RefreshToken.objects.order_by("pk"))
    assert tokens[0].used_at is not None
    assert tokens[1].used_at is None
    assert tokens[1].parent == tokens[0]


def test_a_chain_of_refreshes_keeps_working(api_client: APIClient, user: User) -> None:
    token = login_pair(api_client)["refresh_token"]
    for _ in range(5):
        response = refresh(api_client, token)
        assert response.status_code == 200
        token = response.json()["refresh_token"]

    assert RefreshToken.objects.filter(used_at=None).count() == 1
    assert only_family().revoked_at is None


def test_replay_revokes_the_family_for_attacker_and_victim(api_client: APIClient, user: User) -> None:
    stolen = login_pair(api_client)["refresh_token"]
    victim_next = refresh(api_client, stolen).json()["refresh_token"]

    attacker = refresh(APIClient(REMOTE_ADDR="198.51.100.66"), stolen)
    victim = refresh(api_client, victim_next)

    assert (attacker.status_code, attacker.json()) == (401, REUSED)
    assert (victim.status_code, victim.json()) == (401, REUSED)
    family = only_family()
    assert family.revoked_at is not None
    assert family.revoked_reason == RevocationReason.REUSE_DETECTED
    event = AuthEvent.objects.get(type=EventType.REFRESH_TOKEN_REUSED)
    assert event.user == user
    assert event.client_ip == "198.51.100.66"
    assert event.details == {"family_id": str(family.public_id)}


def test_reuse_by_the_thief_first_also_locks_out_the_thief(api_client: APIClient, user: User) -> None:
    stolen = login_pair(api_client)["refresh_token"]
    thief_next = refresh(APIClient(), stolen).json()["refresh_token"]

    assert refresh(api_client, stolen).status_code == 401  # the victim's honest refresh detects the theft
    assert refresh(APIClient(), thief_next).status_code == 401


def test_reuse_revocation_survives_atomic_requests(
    api_client: APIClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = login_pair(api_client)["refresh_token"]
    refresh(api_client, token)
    monkeypatch.setitem(connections.settings["default"], "ATOMIC_REQUESTS", True)

    assert refresh(api_client, token).status_code == 401

    assert only_family().revoked_reason == RevocationReason.REUSE_DETECTED
    assert AuthEvent.objects.filter(type=EventType.REFRESH_TOKEN_REUSED).count() == 1


def test_idle_lifetime_expires_an_unused_token(api_client: APIClient, user: User) -> None:
    token = login_pair(api_client)["refresh_token"]

    with time_machine.travel(timezone.now() + timedelta(days=7, seconds=1)):
        response = refresh(api_client, token)

    assert (response.status_code, response.json()) == (401, REUSED)
    assert only_family().revoked_at is None  # expiry is not theft


def test_each_rotation_starts_a_new_idle_period(api_client: APIClient, user: User) -> None:
    token = login_pair(api_client)["refresh_token"]
    start = timezone.now()
    for day in (6, 12, 18):
        with time_machine.travel(start + timedelta(days=day)):
            response = refresh(api_client, token)
            assert response.status_code == 200
            token = response.json()["refresh_token"]


def test_absolute_lifetime_ends_the_family_however_often_it_is_refreshed(api_client: APIClient, user: User) -> None:
    token = login_pair(api_client)["refresh_token"]
    start = timezone.now()
    for day in (6, 12, 18, 24, 29):
        with time_machine.travel(start + timedelta(days=day)):
            response = refresh(api_client, token)
            assert response.status_code == 200
            token = response.json()["refresh_token"]
    assert response.json()["refresh_expires_in"] <= 24 * 3600  # capped by the family's end

    with time_machine.travel(start + timedelta(days=30, seconds=1)):
        assert refresh(api_client, token).status_code == 401


def test_a_deactivated_user_cannot_refresh(api_client: APIClient, user: User) -> None:
    token = login_pair(api_client)["refresh_token"]
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)  # no signal: the rotation itself checks

    assert refresh(api_client, token).status_code == 401


class TestGrace:
    """``REFRESH_REUSE_GRACE``: only the immediate predecessor, only inside the window."""

    @pytest.fixture(autouse=True)
    def _grace(self, apiauth: Callable[..., None]) -> None:
        apiauth(REFRESH_REUSE_GRACE=10)

    def test_the_immediate_predecessor_may_be_replayed_inside_the_window(
        self, api_client: APIClient, user: User
    ) -> None:
        first = login_pair(api_client)["refresh_token"]
        lost = refresh(api_client, first).json()["refresh_token"]

        with time_machine.travel(timezone.now() + timedelta(seconds=5)):
            retry = refresh(api_client, first)
            again = refresh(api_client, first)

        assert retry.status_code == 200
        assert again.status_code == 200
        assert only_family().revoked_at is None
        assert RefreshToken.objects.filter(used_at=None).count() == 1
        assert refresh(api_client, lost).status_code == 401  # superseded by the retry: a replay now
        assert only_family().revoked_reason == RevocationReason.REUSE_DETECTED

    def test_the_latest_token_keeps_working_after_a_graced_retry(self, api_client: APIClient, user: User) -> None:
        first = login_pair(api_client)["refresh_token"]
        refresh(api_client, first)
        latest = refresh(api_client, first).json()["refresh_token"]

        assert refresh(api_client, latest).status_code == 200

    def test_a_replay_after_the_window_revokes(self, api_client: APIClient, user: User) -> None:
        first = login_pair(api_client)["refresh_token"]
        refresh(api_client, first)

        with time_machine.travel(timezone.now() + timedelta(seconds=11)):
            assert refresh(api_client, first).status_code == 401
        assert only_family().revoked_reason == RevocationReason.REUSE_DETECTED

    def test_a_replay_of_an_older_token_revokes_even_inside_the_window(self, api_client: APIClient, user: User) -> None:
        first = login_pair(api_client)["refresh_token"]
        second = refresh(api_client, first).json()["refresh_token"]
        third = refresh(api_client, second).json()["refresh_token"]

        assert refresh(api_client, first).status_code == 401
        assert refresh(api_client, third).status_code == 401
        assert only_family().revoked_reason == RevocationReason.REUSE_DETECTED


def test_the_database_never_holds_a_plaintext_token(api_client: APIClient, user: User) -> None:
    first = login_pair(api_client)
    second = refresh(api_client, first["refresh_token"]).json()
    issued = [first["refresh_token"], second["refresh_token"], first["access_token"], second["access_token"]]

    stored = all_stored_text(RefreshToken._meta.db_table) + all_stored_text(RefreshTokenFamily._meta.db_table)
    stored += all_stored_text(AuthEvent._meta.db_table)

    assert RefreshToken.objects.count() == 2
    for token in issued:
        assert token not in stored


def test_rotation_cost_is_bounded(
    api_client: APIClient, user: User, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    token = login_pair(api_client)["refresh_token"]

    # lock+read, consume, insert successor, touch family, one event insert (plus savepoints)
    with django_assert_max_num_queries(9):
        assert refresh(api_client, token).status_code == 200


def test_rejected_refreshes_are_aggregated_events(api_client: APIClient, user: User) -> None:
    for _ in range(3):
        refresh(api_client, "A" * 43)

    event = AuthEvent.objects.get(type=EventType.TOKEN_REJECTED)
    assert event.details == {"kind": "refresh", "reason": "unknown"}
    assert event.count >= 2
