"""Revocation reaching access tokens (the ``sid`` revocation list) and revocation by account changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import User
from django.core.cache import cache, caches
from django.test import override_settings
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries
from rest_framework.test import APIClient

from django_apiauth.exceptions import InvalidToken
from django_apiauth.jwt.access import verify_access_token
from django_apiauth.models.events import AuthEvent, EventType
from django_apiauth.models.refresh import RefreshTokenFamily, RevocationReason
from django_apiauth.refresh.revocation import check_session_not_revoked, is_session_revoked
from tests.support.jwt_tokens import issue_access_token
from tests.support.refresh_tokens import LOGOUT, LOGOUT_ALL, SESSIONS, bearer, login_pair, refresh
from tests.support.threads import run_in_threads
from tests.support.users import create_user

pytestmark = pytest.mark.django_db


def sessions_status(access_token: str) -> int:
    return int(bearer(APIClient(), access_token).get(SESSIONS).status_code)


def test_a_logged_out_sessions_access_token_is_refused(api_client: APIClient, user: User) -> None:
    pair = login_pair(api_client)
    other = login_pair(APIClient())
    assert sessions_status(pair["access_token"]) == 200

    api_client.post(LOGOUT, {"refresh_token": pair["refresh_token"]}, format="json")

    response = bearer(APIClient(), pair["access_token"]).get(SESSIONS)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert sessions_status(other["access_token"]) == 200


def test_reuse_detection_also_kills_the_familys_access_tokens(api_client: APIClient, user: User) -> None:
    pair = login_pair(api_client)
    newer = refresh(api_client, pair["refresh_token"]).json()

    refresh(api_client, pair["refresh_token"])

    assert sessions_status(pair["access_token"]) == 401
    assert sessions_status(newer["access_token"]) == 401


def test_logout_all_kills_every_access_token_of_the_user(api_client: APIClient, user: User) -> None:
    pairs = [login_pair(APIClient()) for _ in range(3)]

    bearer(api_client, pairs[0]["access_token"]).post(LOGOUT_ALL)

    assert [sessions_status(p["access_token"]) for p in pairs] == [401, 401, 401]


def test_the_check_can_be_switched_off(api_client: APIClient, user: User, apiauth: Callable[..., None]) -> None:
    apiauth(CHECK_REVOKED_SESSIONS=False)
    pair = login_pair(api_client)
    api_client.post(LOGOUT, {"refresh_token": pair["refresh_token"]}, format="json")

    assert sessions_status(pair["access_token"]) == 200


def test_the_check_costs_no_database_query(
    api_client: APIClient, user: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    pair = login_pair(api_client)
    claims = verify_access_token(pair["access_token"])
    api_client.post(LOGOUT, {"refresh_token": pair["refresh_token"]}, format="json")

    with django_assert_num_queries(0), pytest.raises(InvalidToken):
        check_session_not_revoked(claims)


def test_tokens_without_a_session_are_not_affected(user: User) -> None:
    claims = verify_access_token(issue_access_token(user).token)

    check_session_not_revoked(claims)  # no sid: nothing to look up, no error


def test_a_live_session_costs_no_database_query(
    api_client: APIClient, user: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    claims = verify_access_token(login_pair(api_client)["access_token"])

    with django_assert_num_queries(0):
        check_session_not_revoked(claims)  # the login wrote the session's "live" entry


def test_a_missing_entry_is_answered_by_the_database(api_client: APIClient, user: User) -> None:
    pair = login_pair(api_client)
    claims = verify_access_token(pair["access_token"])
    api_client.post(LOGOUT, {"refresh_token": pair["refresh_token"]}, format="json")
    cache.delete(f"apiauth:session:{claims['sid']}")  # evicted

    with pytest.raises(InvalidToken):
        check_session_not_revoked(claims)
    assert cache.get(f"apiauth:session:{claims['sid']}") == "revoked"  # written back


def test_a_session_we_hold_no_row_for_is_refused(user: User) -> None:
    for sid in ("not-a-uuid", "3f1c2b1e-0000-4000-8000-000000000000"):
        claims = verify_access_token(issue_access_token(user, sid=sid).token)
        with pytest.raises(InvalidToken):
            check_session_not_revoked(claims)


def test_revocation_entries_last_the_access_token_lifetime_plus_leeway(
    api_client: APIClient, user: User, apiauth: Callable[..., None]
) -> None:
    if "LocMemCache" not in type(caches["default"]).__name__:
        pytest.skip("time travel moves the local-memory cache's clock only (Redis: see the next test)")
    apiauth(ACCESS_TOKEN_LIFETIME=timedelta(days=3), JWT_LEEWAY=60, REFRESH_TOKEN_ABSOLUTE_LIFETIME=timedelta(days=1))
    pair = login_pair(api_client)
    claims = verify_access_token(pair["access_token"])
    key = f"apiauth:session:{claims['sid']}"
    api_client.post(LOGOUT, {"refresh_token": pair["refresh_token"]}, format="json")
    start = timezone.now()

    with time_machine.travel(start + timedelta(days=3, seconds=55)):  # the token is still valid (leeway)
        assert cache.get(key) == "revoked"
        assert sessions_status(pair["access_token"]) == 401
    with time_machine.travel(start + timedelta(days=3, seconds=65)):
        assert cache.get(key) is None  # no entry outlives the tokens it refuses...
        assert is_session_revoked(claims["sid"])  # ...and a missing one is asked of the database


@pytest.mark.redis
def test_a_revocation_is_visible_to_another_connection_at_once(
    api_client: APIClient, user: User, apiauth: Callable[..., None]
) -> None:
    apiauth(ACCESS_TOKEN_LIFETIME=timedelta(days=3), JWT_LEEWAY=60)
    pair = login_pair(api_client)
    sid = verify_access_token(pair["access_token"])["sid"]
    main = caches["default"]

    def other_process_view() -> tuple[bool, bool]:  # a thread gets its own cache client, like another worker
        return caches["default"] is not main, is_session_revoked(sid)

    api_client.post(LOGOUT, {"refresh_token": pair["refresh_token"]}, format="json")

    assert run_in_threads(1, other_process_view) == [(True, True)]
    ttl = cache.ttl(f"apiauth:session:{sid}")  # type: ignore[attr-defined]
    assert timedelta(days=3) < timedelta(seconds=ttl) <= timedelta(days=3, seconds=62)


class OneIteration(PBKDF2PasswordHasher):
    iterations = 1


class TwoIterations(PBKDF2PasswordHasher):
    iterations = 2


class TestAccountChanges:
    """Deactivating a user or setting a new password ends every login of theirs."""

    def test_deactivation_revokes_families_and_access_tokens(self, api_client: APIClient, user: User) -> None:
        pairs = [login_pair(APIClient()) for _ in range(2)]

        user.is_active = False
        user.save()

        assert set(RefreshTokenFamily.objects.values_list("revoked_reason", flat=True)) == {
            RevocationReason.USER_DEACTIVATED
        }
        user.is_active = True
        user.save()
        assert [refresh(APIClient(), p["refresh_token"]).status_code for p in pairs] == [401, 401]
        assert [sessions_status(p["access_token"]) for p in pairs] == [401, 401]
        event = AuthEvent.objects.get(type=EventType.SESSION_REVOKED)
        assert event.user == user
        assert event.details["reason"] == RevocationReason.USER_DEACTIVATED

    def test_a_new_password_revokes_families(self, api_client: APIClient, user: User) -> None:
        pair = login_pair(api_client)

        user.set_password("a brand new password")
        user.save()

        assert refresh(api_client, pair["refresh_token"]).status_code == 401
        assert RefreshTokenFamily.objects.get().revoked_reason == RevocationReason.PASSWORD_CHANGED

    def test_ordinary_saves_revoke_nothing(self, api_client: APIClient, user: User) -> None:
        pair = login_pair(api_client)

        user.first_name = "Alice"
        user.save()

        assert refresh(api_client, pair["refresh_token"]).status_code == 200

    def test_a_hash_upgrade_at_login_is_not_a_password_change(self, api_client: APIClient, password: str) -> None:
        with override_settings(PASSWORD_HASHERS=["tests.test_refresh_revocation.OneIteration"]):
            user = create_user("carol", password=password)
            first = login_pair(api_client, "carol", password)
        with override_settings(PASSWORD_HASHERS=["tests.test_refresh_revocation.TwoIterations"]):
            login_pair(APIClient(), "carol", password)  # check_password re-hashes and saves
        user.refresh_from_db()

        assert user.password.startswith("pbkdf2_sha256$2$")
        assert refresh(api_client, first["refresh_token"]).status_code == 200


class TestLocalLiveCache:
    """A session found live is trusted locally for REVOKED_SESSIONS_LOCAL_TTL, and no longer."""

    @pytest.fixture
    def clock(self, monkeypatch: pytest.MonkeyPatch) -> list[float]:
        from django_apiauth.refresh import revocation_list

        now = [1000.0]
        monkeypatch.setattr(revocation_list.known_live, "clock", lambda: now[0])
        return now

    @pytest.fixture
    def claims(self, user: User) -> dict[str, Any]:
        return verify_access_token(login_pair(APIClient())["access_token"])

    def _revoke_elsewhere(self, sid: str) -> None:
        """What another process's revocation leaves behind: the row and the shared-cache entry."""
        RefreshTokenFamily.objects.filter(public_id=sid).update(revoked_at=timezone.now())
        cache.set(f"apiauth:session:{sid}", "revoked", 3600)

    def test_revocation_by_another_process_is_seen_after_the_local_ttl(
        self, clock: list[float], claims: dict[str, Any], django_assert_num_queries: Any
    ) -> None:
        check_session_not_revoked(claims)
        self._revoke_elsewhere(claims["sid"])
        check_session_not_revoked(claims)  # still trusted locally: bounded staleness
        clock[0] += 0.5
        with django_assert_num_queries(0), pytest.raises(InvalidToken):
            check_session_not_revoked(claims)

    def test_a_busy_process_reads_the_shared_cache_once_per_interval(
        self, clock: list[float], claims: dict[str, Any], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from django_apiauth.refresh import revocation_list

        reads: list[str] = []
        real = revocation_list.is_session_revoked
        monkeypatch.setattr(revocation_list, "is_session_revoked", lambda sid: reads.append(sid) or real(sid))
        for _ in range(100):
            check_session_not_revoked(claims)
        assert reads == [claims["sid"]]

    def test_own_revocations_are_seen_at_once(self, clock: list[float], claims: dict[str, Any]) -> None:
        from django_apiauth.refresh.revocation import remember_revoked

        check_session_not_revoked(claims)
        remember_revoked([claims["sid"]])
        with pytest.raises(InvalidToken):
            check_session_not_revoked(claims)

    def test_zero_ttl_disables_local_trust(self, clock: list[float], claims: dict[str, Any], apiauth: Any) -> None:
        apiauth(REVOKED_SESSIONS_LOCAL_TTL=0)
        check_session_not_revoked(claims)
        self._revoke_elsewhere(claims["sid"])
        with pytest.raises(InvalidToken):
            check_session_not_revoked(claims)
