"""Brute-force counters on login: reserved before hashing, progressive waits, soft lock first, no account
enumeration, and the small public API other credential checks call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from django_apiauth.exceptions import RateLimited
from django_apiauth.lockout import service as lockout
from django_apiauth.models.events import AuthEvent, EventType
from tests.support import hashers
from tests.support.hashers import CountingHasher
from tests.support.threads import run_in_threads
from tests.support.users import create_user, login_name

pytestmark = pytest.mark.django_db
T0 = 1_800_000_000.0


@pytest.fixture(autouse=True)
def counting_hasher(settings: Any) -> type[CountingHasher]:
    settings.PASSWORD_HASHERS = ["tests.support.hashers.CountingHasher"]
    hashers.reset()
    return CountingHasher


@pytest.fixture
def victim(make_victim: Callable[..., User]) -> User:
    return make_victim()


@pytest.fixture
def make_victim(db: None, password: str) -> Callable[..., User]:
    def make() -> User:
        return create_user("victim", password)

    return make


def attempt(client: APIClient, password: str = "wrong", username: str = "victim", ip: str = "198.51.100.7") -> Any:
    return client.post(
        "/auth/login/", {"username": login_name(username), "password": password}, format="json", REMOTE_ADDR=ip
    )


def hashes() -> int:
    return CountingHasher.calls


def test_five_failures_then_429_before_any_hashing(
    api_client: APIClient, victim: User, local_clock_cache: None
) -> None:
    hashers.reset()
    with time_machine.travel(T0, tick=False):
        assert [attempt(api_client).status_code for _ in range(5)] == [401] * 5
        assert hashes() == 5
        refused = attempt(api_client)
    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited"
    assert refused["Retry-After"] == "1"
    assert hashes() == 5  # refused before the password was hashed


def test_wait_doubles_and_is_capped(
    api_client: APIClient, victim: User, apiauth: Callable[..., None], local_clock_cache: None
) -> None:
    apiauth(LOCKOUT_MAX_WAIT=6)
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(5):
            attempt(api_client)
        waits = []
        for _ in range(5):
            refused = attempt(api_client)
            waits.append(int(refused["Retry-After"]))
            clock.shift(waits[-1])
            assert attempt(api_client).status_code == 401  # the wait is over: one more guess, hashed
    assert waits == [1, 2, 4, 6, 6]


def test_counter_is_forgotten_a_window_after_the_wait(
    api_client: APIClient, victim: User, local_clock_cache: None
) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(5):
            attempt(api_client)
        clock.shift(2 + 15 * 60)
        assert [attempt(api_client).status_code for _ in range(5)] == [401] * 5
        assert attempt(api_client).status_code == 429


def test_success_gives_the_slot_back_and_resets(api_client: APIClient, victim: User, password: str) -> None:
    for _ in range(4):
        attempt(api_client)
    assert attempt(api_client, password).status_code == 200
    assert [attempt(api_client).status_code for _ in range(5)] == [401] * 5


def test_soft_lock_spares_the_owner_on_another_network(api_client: APIClient, victim: User, password: str) -> None:
    for _ in range(6):
        attempt(api_client)
    assert attempt(api_client, password).status_code == 429  # this network must wait, even with the password
    assert attempt(api_client, password, ip="203.0.113.50").status_code == 200


def test_unknown_accounts_are_locked_the_same_way(api_client: APIClient, victim: User) -> None:
    known = [attempt(api_client).status_code for _ in range(6)]
    unknown = [attempt(api_client, username="nobody").status_code for _ in range(6)]
    assert known == unknown == [401] * 5 + [429]
    k, u = attempt(api_client), attempt(api_client, username="nobody")
    assert k.json() == u.json()
    assert k["Retry-After"] == u["Retry-After"]


def test_case_variants_share_a_counter(api_client: APIClient, victim: User) -> None:
    for name in ("victim", "VICTIM", "Victim", "vIctim", "victiM"):
        attempt(api_client, username=name)
    assert attempt(api_client, username="VICTIM").status_code == 429


def test_account_wide_lock_only_past_the_distinct_network_threshold(
    api_client: APIClient, victim: User, password: str, apiauth: Callable[..., None]
) -> None:
    apiauth(LOCKOUT_ACCOUNT_NETWORKS=3)
    for i in range(3):
        attempt(api_client, ip=f"198.51.100.{i}")
    assert attempt(api_client, password, ip="203.0.113.1").status_code == 200  # 3 networks: not past it
    for i in range(4):
        attempt(api_client, ip=f"198.51.100.{i}")
    refused = attempt(api_client, password, ip="203.0.113.1")
    assert refused.status_code == 429  # a fourth network: the whole account waits


def test_spraying_from_one_network_hits_the_network_counter(
    api_client: APIClient, victim: User, apiauth: Callable[..., None]
) -> None:
    apiauth(LOCKOUT_IP_FAILURES=4)
    for name in ("a", "b", "c", "d"):
        assert attempt(api_client, username=name).status_code == 401
    assert attempt(api_client, username="e").status_code == 429
    assert attempt(api_client, username="e", ip="203.0.113.2").status_code == 401


def test_lockout_events(api_client: APIClient, victim: User) -> None:
    for _ in range(6):
        attempt(api_client)
    event = AuthEvent.objects.get(type=EventType.LOCKOUT)
    assert event.details["kind"] == "login"
    assert event.details["scope"] == "network_account"
    assert event.details["wait_seconds"] == 1.0
    assert "victim" not in str(event.details)
    assert AuthEvent.objects.filter(type=EventType.RATE_LIMITED, details__lockout="login").exists()


def test_disabled(api_client: APIClient, victim: User, apiauth: Callable[..., None]) -> None:
    apiauth(LOCKOUT_ENABLED=False)
    assert [attempt(api_client).status_code for _ in range(8)] == [401] * 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_burst_hashes_at_most_n_wrong_passwords(victim: User) -> None:
    hashers.reset()
    responses = run_in_threads(12, lambda: attempt(APIClient()))
    assert sorted(response.status_code for response in responses) == [401] * 5 + [429] * 7
    assert hashes() == 5


# --- the public API for other credential checks ---------------------------------------------------------
def request_from(ip: str) -> Any:
    from django.test import RequestFactory

    return RequestFactory().post("/", REMOTE_ADDR=ip)


def test_cheap_credentials_count_per_network(apiauth: Callable[..., None]) -> None:
    apiauth(LOCKOUT_IP_FAILURES=3)
    request = request_from("192.0.2.1")
    for _ in range(3):
        lockout.check_allowed("refresh", request)
        lockout.register_failure("api_key", request)
    with pytest.raises(RateLimited) as refused:
        lockout.check_allowed("refresh", request)
    assert refused.value.retry_after == 1
    lockout.register_failure("refresh", request)  # already waiting: not counted, never raises
    lockout.check_allowed("api_key", request_from("192.0.2.2"))


def test_mfa_codes_count_per_account(user: User) -> None:
    for ip in ("192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"):
        lockout.begin("mfa", request_from(ip), account=user).failed()
    with pytest.raises(RateLimited):
        lockout.begin("mfa", request_from("192.0.2.9"), account=user)


def test_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown lockout kind"):
        lockout.begin("pin", request_from("192.0.2.1"), account="x")
