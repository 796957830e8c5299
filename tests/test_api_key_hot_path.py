"""The hot path's promises: one query when cold, none when warm, ``last_used_at`` at most once per interval,
bounded staleness of the per-process cache, rotation overlap, peppered hashes and no plaintext at rest."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from django_apiauth.api_keys import cache as key_cache
from django_apiauth.api_keys.hashing import derived_pepper, hash_secret
from django_apiauth.api_keys.lookup_ids import usable_keys_tagged_with
from django_apiauth.api_keys.service import IssuedKey, revoke_api_key, rotate_api_key
from django_apiauth.models import APIKey, AuthEvent
from tests.support.clock import FakeClock, hand_clock

pytestmark = pytest.mark.django_db
WHOAMI = "/api/whoami/"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """Drive the per-process key cache with a hand-moved clock (time-machine leaves ``monotonic`` alone)."""
    return hand_clock(monkeypatch, key_cache.verified_keys)


def get(client: APIClient, key: str) -> int:
    return int(client.get(WHOAMI, HTTP_X_API_KEY=key).status_code)


def key_queries(ctx: CaptureQueriesContext, verb: str) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if q["sql"].startswith(verb) and "apiauth_apikey" in q["sql"]]


# --- queries ---------------------------------------------------------------------------------------------------


def test_cold_check_is_one_query_with_the_owner_joined(
    api_client: APIClient, issue_key: Callable[..., IssuedKey], django_assert_num_queries: Any
) -> None:
    issued = issue_key()
    APIKey.objects.filter(pk=issued.key.pk).update(last_used_at=timezone.now())
    key_cache.clear()
    with django_assert_num_queries(1) as ctx:
        assert get(api_client, issued.plaintext) == 200
    sql = ctx.captured_queries[0]["sql"]
    assert "JOIN" in sql
    assert get_user_model()._meta.db_table in sql


def test_warm_check_needs_no_query(
    api_client: APIClient, issue_key: Callable[..., IssuedKey], clock: FakeClock, django_assert_num_queries: Any
) -> None:
    issued = issue_key()
    assert get(api_client, issued.plaintext) == 200
    clock.now += 0.5
    with django_assert_num_queries(0):
        assert get(api_client, issued.plaintext) == 200


def test_cache_can_be_disabled(
    api_client: APIClient, issue_key: Callable[..., IssuedKey], apiauth: Any, django_assert_num_queries: Any
) -> None:
    issued = issue_key()
    apiauth(API_KEY_CACHE_TTL=0)
    assert get(api_client, issued.plaintext) == 200
    with django_assert_num_queries(1):
        assert get(api_client, issued.plaintext) == 200


def test_thousand_requests_write_last_used_at_once_per_interval(
    api_client: APIClient, issue_key: Callable[..., IssuedKey]
) -> None:
    issued = issue_key()
    start = timezone.now()
    began = time.monotonic()
    with CaptureQueriesContext(connection) as ctx, time_machine.travel(start, tick=False) as traveller:
        for i in range(1000):
            if i in (400, 800):  # three intervals of 60 s: [0, 400), [400, 800), [800, 1000)
                traveller.shift(timedelta(seconds=61))
                last_interval_start = timezone.now()
            elif i and i % 100 == 0:
                traveller.shift(timedelta(seconds=5))  # time passes inside an interval, too
            assert get(api_client, issued.plaintext) == 200
    elapsed = time.monotonic() - began
    assert len(key_queries(ctx, "UPDATE")) == 3
    # The row is re-read at most once per cache TTL (1 s) of real time, not per request.
    assert len(key_queries(ctx, "SELECT")) <= math.ceil(elapsed) + 1
    issued.key.refresh_from_db()
    assert issued.key.last_used_at == last_interval_start


def test_last_used_at_write_is_conditional_across_processes(
    api_client: APIClient, issue_key: Callable[..., IssuedKey]
) -> None:
    """Another process already touched the row this interval: our UPDATE matches nothing."""
    issued = issue_key()
    assert get(api_client, issued.plaintext) == 200
    row = key_cache.get(issued.key.lookup_id)
    assert row is not None
    recent = timezone.now()
    APIKey.objects.filter(pk=issued.key.pk).update(last_used_at=recent)
    row.last_used_at = recent - timedelta(hours=1)  # this process's stale view
    assert get(api_client, issued.plaintext) == 200
    issued.key.refresh_from_db()
    assert issued.key.last_used_at == recent


# --- bounded staleness -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda key: APIKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now()), "revoked"),
        (lambda key: get_user_model().objects.filter(pk=key.owner_id).update(is_active=False), "inactive_owner"),
    ],
)
def test_changes_made_elsewhere_apply_within_the_ttl(
    api_client: APIClient, issue_key: Callable[..., IssuedKey], clock: FakeClock, change: Any, reason: str
) -> None:
    issued = issue_key()
    assert get(api_client, issued.plaintext) == 200
    change(issued.key)  # like another process: a plain UPDATE, no signal reaches this process's cache
    clock.now += 0.999
    assert get(api_client, issued.plaintext) == 200  # still inside the staleness bound
    clock.now += 0.001
    assert get(api_client, issued.plaintext) == 401
    assert AuthEvent.objects.get(type="api_key_rejected").details["reason"] == reason


def test_revocation_in_this_process_applies_at_once(
    api_client: APIClient, issue_key: Callable[..., IssuedKey], clock: FakeClock
) -> None:
    issued = issue_key()
    assert get(api_client, issued.plaintext) == 200
    revoke_api_key(issued.key.pk)
    assert get(api_client, issued.plaintext) == 401


def test_orm_saves_drop_the_cached_row(api_client: APIClient, issue_key: Callable[..., IssuedKey]) -> None:
    issued = issue_key()
    assert get(api_client, issued.plaintext) == 200
    assert key_cache.get(issued.key.lookup_id) is not None
    key = APIKey.objects.get(pk=issued.key.pk)
    key.scopes = ["read"]
    key.save()
    assert key_cache.get(issued.key.lookup_id) is None
    assert api_client.get(WHOAMI, HTTP_X_API_KEY=issued.plaintext).json()["scopes"] == ["read"]
    key.delete()
    assert key_cache.get(issued.key.lookup_id) is None


def test_configured_ttl_above_one_second_is_capped(apiauth: Any) -> None:
    apiauth(API_KEY_CACHE_TTL=30)
    assert key_cache.ttl() == 1.0


# --- rotation --------------------------------------------------------------------------------------------------


def test_rotation_overlap(api_client: APIClient, issue_key: Callable[..., IssuedKey], user: User) -> None:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        old = issue_key()
        new = rotate_api_key(old.key.pk, owner=user)
        assert new.plaintext != old.plaintext
        assert new.key.lookup_id == old.key.lookup_id
        assert get(api_client, old.plaintext) == 200
        assert get(api_client, new.plaintext) == 200
        traveller.shift(timedelta(hours=24) - timedelta(seconds=1))
        assert get(api_client, old.plaintext) == 200
        traveller.shift(timedelta(seconds=1))
        assert get(api_client, old.plaintext) == 401
        assert get(api_client, new.plaintext) == 200


def test_rotation_overlap_is_configurable(
    api_client: APIClient, issue_key: Callable[..., IssuedKey], user: User, apiauth: Any
) -> None:
    apiauth(API_KEY_ROTATION_OVERLAP=timedelta(minutes=5))
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        old = issue_key()
        rotate_api_key(old.key.pk, owner=user)
        traveller.shift(timedelta(minutes=5))
        assert get(api_client, old.plaintext) == 401


def test_a_second_rotation_ends_the_first_overlap(
    api_client: APIClient, issue_key: Callable[..., IssuedKey], user: User
) -> None:
    first = issue_key()
    second = rotate_api_key(first.key.pk, owner=user)
    third = rotate_api_key(first.key.pk, owner=user)
    assert get(api_client, first.plaintext) == 401
    assert get(api_client, second.plaintext) == 200
    assert get(api_client, third.plaintext) == 200


def test_new_secret_works_at_once_even_where_the_old_row_is_cached(
    api_client: APIClient, issue_key: Callable[..., IssuedKey], user: User, django_assert_num_queries: Any
) -> None:
    old = issue_key()
    assert get(api_client, old.plaintext) == 200
    stale = key_cache.get(old.key.lookup_id)
    assert stale is not None
    new = rotate_api_key(old.key.pk, owner=user)
    key_cache.store(stale)  # another process still holds the row from before the rotation
    with django_assert_num_queries(1):
        assert get(api_client, new.plaintext) == 200


# --- hashes at rest --------------------------------------------------------------------------------------------


def test_database_holds_no_plaintext(api_client: APIClient, issue_key: Callable[..., IssuedKey], user: User) -> None:
    api_client.force_login(user)
    created = api_client.post("/auth/api-keys/", {"name": "ci", "scopes": ["read"]}, format="json").json()["key"]
    issued = issue_key()
    rotated = rotate_api_key(issued.key.pk, owner=user)
    secrets = [k.rsplit("_", 1)[1] for k in (created, issued.plaintext, rotated.plaintext)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM apiauth_apikey")
        rows = cursor.fetchall()
        cursor.execute("SELECT * FROM apiauth_authevent")
        events = cursor.fetchall()
    assert len(rows) == 2
    dump = repr(rows) + repr(events)
    for secret in secrets:
        assert secret[:-6] not in dump  # neither the secret nor the full key, in any column
    stored = APIKey.objects.get(pk=issued.key.pk)
    assert len(stored.secret_hash) == 64
    assert stored.secret_hash == hash_secret(stored.lookup_id, rotated.plaintext.rsplit("_", 1)[1][:-6])


def test_hash_depends_on_the_pepper(api_client: APIClient, issue_key: Callable[..., IssuedKey], apiauth: Any) -> None:
    issued = issue_key()
    apiauth(API_KEY_PEPPER="another-pepper-of-at-least-32-characters!")
    assert get(api_client, issued.plaintext) == 401


def test_fallback_pepper_verifies_and_rehashes_once(
    api_client: APIClient, issue_key: Callable[..., IssuedKey], apiauth: Any
) -> None:
    from django.conf import settings

    old_pepper = settings.APIAUTH["API_KEY_PEPPER"]
    issued = issue_key()
    apiauth(API_KEY_PEPPER="the-new-pepper-of-at-least-32-characters", API_KEY_PEPPER_FALLBACKS=[old_pepper])
    assert get(api_client, issued.plaintext) == 200
    stored = APIKey.objects.get(pk=issued.key.pk)
    assert stored.secret_hash != issued.key.secret_hash
    assert stored.secret_hash == hash_secret(stored.lookup_id, issued.plaintext.split("_")[2][:-6])
    key_cache.clear()
    assert get(api_client, issued.plaintext) == 200


def test_a_key_needs_the_pepper_its_lookup_id_was_tagged_under(
    api_client: APIClient, issue_key: Callable[..., IssuedKey], apiauth: Any
) -> None:
    """The lookup id's tag cannot be re-made once the key is out: its pepper stays a fallback until the key
    ends, and ``usable_keys_tagged_with`` says when that is."""
    from django.conf import settings

    old_pepper = settings.APIAUTH["API_KEY_PEPPER"]
    issued = issue_key()
    apiauth(API_KEY_PEPPER="the-new-pepper-of-at-least-32-characters", API_KEY_PEPPER_FALLBACKS=[old_pepper])
    newer = issue_key(name="newer")
    assert get(api_client, issued.plaintext) == 200  # re-hashed under the new pepper
    assert usable_keys_tagged_with(old_pepper) == 1
    apiauth(API_KEY_PEPPER_FALLBACKS=[])
    key_cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        assert get(api_client, issued.plaintext) == 401
    assert key_queries(ctx, "SELECT") == []  # refused by its tag alone
    assert get(api_client, newer.plaintext) == 200
    revoke_api_key(issued.key.pk)
    assert usable_keys_tagged_with(old_pepper) == 0


def test_without_a_pepper_the_secret_key_derives_one(
    api_client: APIClient, issue_key: Callable[..., IssuedKey], apiauth: Any, settings: Any
) -> None:
    apiauth(API_KEY_PEPPER=None)
    issued = issue_key()
    assert get(api_client, issued.plaintext) == 200
    first = derived_pepper()
    settings.SECRET_KEY = "a-different-secret-key-for-this-test-only-0123456789"
    assert derived_pepper() != first
    key_cache.clear()
    assert get(api_client, issued.plaintext) == 401


def test_moving_from_the_derived_pepper_to_an_explicit_one(
    api_client: APIClient, issue_key: Callable[..., IssuedKey], apiauth: Any
) -> None:
    apiauth(API_KEY_PEPPER=None)
    issued = issue_key()
    derived = derived_pepper()
    apiauth(API_KEY_PEPPER="an-explicit-pepper-of-at-least-32-chars", API_KEY_PEPPER_FALLBACKS=[derived])
    assert get(api_client, issued.plaintext) == 200
    key_cache.clear()
    assert get(api_client, issued.plaintext) == 200  # re-hashed under the explicit pepper on first use
    assert APIKey.objects.get(pk=issued.key.pk).secret_hash == hash_secret(
        issued.key.lookup_id, issued.plaintext.split("_")[2][:-6]
    )
    assert usable_keys_tagged_with(derived) == 1
