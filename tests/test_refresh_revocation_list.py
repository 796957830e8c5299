"""The revocation list's guarantees at its edges: a revocation committed while a miss is being repopulated,
revocations written after a partition by any later cache access, and the bound on what a partitioned process
keeps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from django_apiauth.jwt.access import verify_access_token
from django_apiauth.models.refresh import RefreshTokenFamily
from django_apiauth.refresh import revocation_list
from django_apiauth.shared_cache import shared_cache
from tests.support.redis_server import RedisServer, redis_server
from tests.support.refresh_tokens import LOGOUT, SESSIONS, bearer, login_pair

pytestmark = pytest.mark.django_db
__all__ = ["redis_server"]


def sid_of(pair: dict[str, Any]) -> str:
    return str(verify_access_token(pair["access_token"])["sid"])


def session_status(pair: dict[str, Any]) -> int:
    return int(bearer(APIClient(), pair["access_token"]).get(SESSIONS).status_code)


def logout(pair: dict[str, Any]) -> None:
    assert APIClient().post(LOGOUT, {"refresh_token": pair["refresh_token"]}, format="json").status_code < 300


@contextmanager
def revoked_after_the_first_read(sid: str) -> Iterator[None]:
    """Revoke ``sid`` in the database right after the first query that reads its family, as another process
    committing a logout at that instant would (its cache write not yet made)."""
    done = False

    def interleave(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal done
        result = execute(sql, params, many, context)
        if not done and sql.lstrip().upper().startswith("SELECT") and RefreshTokenFamily._meta.db_table in sql:
            done = True
            RefreshTokenFamily.objects.filter(public_id=sid).update(revoked_at=timezone.now())
        return result

    with connection.execute_wrapper(interleave):
        yield
    assert done, "the check never read the family: the test proves nothing"


def test_a_revocation_committed_between_the_two_reads_of_a_miss_is_seen(user: Any) -> None:
    pair = login_pair(APIClient())
    sid = sid_of(pair)
    shared_cache().delete(f"apiauth:session:{sid}")  # as an eviction would

    with revoked_after_the_first_read(sid):
        assert revocation_list.is_session_revoked(sid) is True

    assert shared_cache().get(f"apiauth:session:{sid}") == "revoked"


@pytest.fixture
def partition(redis_server: RedisServer, settings: Any, apiauth: Any, free_port: Callable[[], int]) -> Any:
    """``partition(True)`` cuts the app off its Redis (which keeps its data); ``partition(False)`` heals it."""
    reachable = redis_server.cache_settings()
    settings.CACHES = {**settings.CACHES, "shared": reachable}
    apiauth(CACHE_ALIAS="shared")
    unreachable = {**reachable, "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}

    def cut(off: bool) -> None:
        settings.CACHES = {**settings.CACHES, "shared": unreachable if off else reachable}

    yield cut
    revocation_list._pending.clear()


def test_any_successful_cache_read_writes_the_revocations_left_pending(user: Any, partition: Any) -> None:
    revoked, other = login_pair(APIClient()), login_pair(APIClient())
    key = f"apiauth:session:{sid_of(revoked)}"
    partition(True)
    logout(revoked)
    partition(False)
    assert caches["shared"].get(key) == "live"  # what the partition left behind

    assert session_status(other) == 200  # another session's check reaches the cache...

    assert caches["shared"].get(key) == "revoked"  # ...and writes the pending revocation


def test_a_partitioned_process_keeps_the_newest_pending_revocations_only(
    user: Any, partition: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(revocation_list, "MAX_PENDING", 2)
    pairs = [login_pair(APIClient()) for _ in range(3)]
    partition(True)

    for pair in pairs:
        logout(pair)

    assert list(revocation_list._pending) == [sid_of(pairs[1]), sid_of(pairs[2])]
    partition(False)
    assert session_status(pairs[1]) == 401
    entries = [caches["shared"].get(f"apiauth:session:{sid_of(pair)}") for pair in pairs]
    assert entries == ["live", "revoked", "revoked"]  # the oldest is beyond the bound: its entry is as it was
