"""The service layer directly: who holds which scope, bulk revocation, and its transactions under concurrency."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_apiauth.api_keys.exceptions import APIKeyLimitReached, APIKeyNotFound, ScopeNotGrantable
from django_apiauth.api_keys.hashing import hash_secret, pepper_index
from django_apiauth.api_keys.scopes import grantable_scopes, normalise_scopes
from django_apiauth.api_keys.service import (
    IssuedKey,
    create_api_key,
    get_owned_key,
    revoke_api_key,
    revoke_api_keys,
    rotate_api_key,
)
from django_apiauth.models import APIKey, AuthEvent, EventType
from django_apiauth.scopes.registry import translate_legacy_rule
from django_apiauth.scopes.rules import user_meets
from tests.support.threads import run_in_threads
from tests.support.users import create_user


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("flags", "requirement", "expected"),
    [
        ({}, None, True),
        ({"is_active": False}, None, False),
        ({}, "is_staff", False),
        ({"is_staff": True}, "is_staff", True),
        ({"is_staff": True}, "is_superuser", False),
        ({"is_superuser": True}, "is_superuser", True),
        ({"is_superuser": True}, "auth.view_group", True),
        ({"is_superuser": True, "is_active": False}, None, False),
        ({}, "auth.view_group", False),
    ],
)
def test_legacy_requirements_keep_their_meaning(
    user: User, flags: dict[str, bool], requirement: str | None, expected: bool
) -> None:
    for name, value in flags.items():
        setattr(user, name, value)
    rule = translate_legacy_rule(requirement)
    assert rule is not None
    assert user_meets(user, rule) is expected


@pytest.mark.django_db
def test_legacy_permission_requirement(user: User) -> None:
    user.user_permissions.add(Permission.objects.get(codename="view_group", content_type__app_label="auth"))
    assert user_meets(get_user_model().objects.get(pk=user.pk), "perm:auth.view_group") is True


def test_anonymous_holds_nothing() -> None:
    assert grantable_scopes(AnonymousUser()) == frozenset()


@pytest.mark.parametrize(
    ("scopes", "allowed", "message"),
    [
        ([1], None, "strings"),
        ([f"s{i}" for i in range(33)], None, "at most 32"),
        (["read", "nope"], None, "Unknown scope 'nope'"),
        (["bad scope"], None, "Unknown scope"),
        (["read", "write"], {"read"}, "may not grant scope 'write'"),
    ],
)
def test_normalise_scopes_refuses(scopes: list[Any], allowed: set[str] | None, message: str) -> None:
    with pytest.raises(ScopeNotGrantable, match=message):
        normalise_scopes(scopes, allowed)


def test_normalise_scopes_sorts_and_deduplicates() -> None:
    assert normalise_scopes(["write", "read", "write"], {"read", "write"}) == ["read", "write"]


def test_an_empty_stored_hash_never_matches() -> None:
    assert pepper_index("", "lookup", "secret") is None
    assert pepper_index(hash_secret("lookup", "secret"), "lookup", "secret") == 0
    assert pepper_index(hash_secret("other", "secret"), "lookup", "secret") is None


@pytest.mark.django_db
def test_issued_key_repr_hides_the_key(issue_key: Callable[..., IssuedKey]) -> None:
    issued = issue_key()
    assert issued.plaintext not in repr(issued)
    assert issued.key.lookup_id in repr(issued)
    assert issued.key.secret_hash not in repr(issued.key)


@pytest.mark.django_db
def test_bulk_revocation_is_one_update(issue_key: Callable[..., IssuedKey]) -> None:
    keys = [issue_key(name=str(i)) for i in range(5)]
    with CaptureQueriesContext(connection) as ctx:
        revoked = revoke_api_keys(APIKey.objects.all())
    assert len(revoked) == 5
    key_sql = [q["sql"] for q in ctx.captured_queries if "apiauth_apikey" in q["sql"]]
    assert [sql.split()[0] for sql in key_sql] == ["SELECT", "UPDATE"]  # the rest are the events
    assert AuthEvent.objects.filter(type=EventType.API_KEY_REVOKED).count() == len(keys)


@pytest.mark.django_db
def test_owned_lookups(issue_key: Callable[..., IssuedKey], user: User, password: str) -> None:
    issued = issue_key()
    other = create_user("mallory", password=password)
    assert get_owned_key(user, issued.key.pk) == issued.key
    for key_id in (issued.key.pk, 0, -1, 2**63):
        with pytest.raises(APIKeyNotFound):
            get_owned_key(other, key_id)
    with pytest.raises(APIKeyNotFound):
        revoke_api_key(issued.key.pk, owner=other)
    with pytest.raises(APIKeyNotFound):
        rotate_api_key(issued.key.pk, owner=other)


# --- concurrency (PostgreSQL only) -----------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_per_user_limit_holds_under_concurrency(user: User, apiauth: Any) -> None:
    apiauth(API_KEY_MAX_PER_USER=3)
    results = run_in_threads(8, lambda: create_api_key(owner=user, name="racer"))
    assert sum(isinstance(r, IssuedKey) for r in results) == 3
    assert sum(isinstance(r, APIKeyLimitReached) for r in results) == 5
    assert APIKey.objects.filter(owner=user).count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_revocations_record_one_event(user: User) -> None:
    issued = create_api_key(owner=user, name="shared")
    run_in_threads(6, lambda: revoke_api_key(issued.key.pk, owner=user))
    assert AuthEvent.objects.filter(type=EventType.API_KEY_REVOKED).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_rotations_serialise(user: User) -> None:
    issued = create_api_key(owner=user, name="shared")
    results = run_in_threads(4, lambda: rotate_api_key(issued.key.pk, owner=user))
    assert all(isinstance(r, IssuedKey) for r in results)
    stored = APIKey.objects.get()
    hashes = {hash_secret(stored.lookup_id, r.plaintext.rsplit("_", 1)[1][:-6]) for r in results}
    # Serialised: the current secret is one of the rotations and the previous one is another, never the original.
    assert stored.secret_hash in hashes
    assert stored.previous_secret_hash in hashes
    assert stored.previous_secret_hash != issued.key.secret_hash
