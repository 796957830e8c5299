"""Edge branches of the JWT internals that HTTP tests do not reach cheaply."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError
from django.utils import timezone

from django_apiauth.crypto import keys
from django_apiauth.drf.exceptions import _with_bearer_error
from django_apiauth.jwt import algorithms, codec, errors
from django_apiauth.jwt.keystore import KeyStore
from django_apiauth.jwt.signing import SigningMaterial, private_keys
from django_apiauth.jwt.subjects import TokenUser
from django_apiauth.models.signing_keys import SigningKey, SigningKeyState
from django_apiauth.signing_keys import locking
from django_apiauth.signing_keys.bootstrap import bootstrap_after_migrate
from django_apiauth.signing_keys.material import load_private_material, new_signing_key
from django_apiauth.signing_keys.retirement import retire_keys
from django_apiauth.signing_keys.rotation import ensure_active_key, rotate
from tests.support.jwt_tokens import issue_access_token


def test_unsupported_algorithm_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unsupported algorithm"):
        algorithms.sign("none", b"msg", None)


def test_verifiers_answer_false_instead_of_raising() -> None:
    ed = keys.generate_private_key("EdDSA")
    assert algorithms.make_verifier("EdDSA", ed.public_key())(b"msg", algorithms.sign("EdDSA", b"msg", ed))
    assert not algorithms.make_verifier("EdDSA", ed.public_key())(b"msg", b"")
    assert not algorithms.make_verifier("ES256", keys.generate_private_key("ES256").public_key())(b"m", b"x" * 7)
    assert not algorithms.make_verifier("HS256", None)(b"msg", b"sig")  # a TypeError inside


def test_decode_verified_checks_size_itself() -> None:
    with pytest.raises(errors.TokenTooLarge):
        codec.decode_verified("a.b.c" * 10, max_length=10, find_key=lambda kid: None)


@pytest.mark.django_db
def test_known_header_memory_is_capped(user: Any) -> None:
    from django_apiauth.jwt.access import verify_access_token

    for index in range(64):
        codec.known_headers.set(f"h{index}", ("RS256", "x"))
    token = issue_access_token(user).token
    verify_access_token(token)
    assert len(codec.known_headers) == 64
    assert codec.known_headers.get("h0") is None  # the oldest made room
    assert codec.known_headers.get(token.split(".")[0]) is not None


@pytest.mark.django_db
def test_reload_after_a_concurrent_reload_reuses_it(django_assert_num_queries: Any) -> None:
    store = KeyStore()
    key = ensure_active_key()
    seen = store._generation
    assert store.get(key.kid) is not None  # this reload stands for "another thread"
    with django_assert_num_queries(0):
        assert key.kid in store._reload(seen)


def test_token_user_is_a_permissionless_user() -> None:
    user = TokenUser({"sub": "42", "scope": "read"})
    assert (user.pk, user.id, user.username, user.get_username(), str(user)) == (
        "42",
        "42",
        "42",
        "42",
        "token user 42",
    )
    assert user.is_authenticated
    assert not user.is_anonymous
    assert not user.is_staff
    assert not user.is_superuser
    assert not user.has_perm("auth.view_group")
    assert not user.has_perms(["auth.view_group"])
    assert not user.has_module_perms("auth")
    assert user == TokenUser({"sub": "42"})
    assert user != TokenUser({"sub": "43"})
    assert len({user, TokenUser({"sub": "42"})}) == 1


@pytest.mark.django_db
def test_signing_material_repr_and_private_cache_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    key = ensure_active_key()
    material = SigningMaterial(key.kid, key.algorithm, load_private_material(key.algorithm, key.private_key_ciphertext))
    assert repr(material) == f"SigningMaterial(kid={key.kid!r}, algorithm='RS256')"
    for index in range(20):
        private_keys.set(f"kid-{index}", object())
    assert len(private_keys) == 16


@pytest.mark.django_db
def test_published_and_retired_material() -> None:
    old = ensure_active_key()
    assert old.is_published
    rotate()
    retire_keys([old.pk])
    old.refresh_from_db()
    assert not old.is_published
    with pytest.raises(ValueError, match="retired"):
        load_private_material(old.algorithm, old.private_key_ciphertext)


@pytest.mark.django_db
def test_bootstrap_waits_for_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    SigningKey.objects.all().delete()
    monkeypatch.setattr(SigningKey._meta, "db_table", "apiauth_not_migrated_yet")
    bootstrap_after_migrate(sender=None, using="default", plan=[], verbosity=0)
    monkeypatch.undo()
    assert not SigningKey.objects.exists()


@pytest.mark.django_db
def test_atomic_with_retry_retries_a_lost_uniqueness_race() -> None:
    SigningKey.objects.all().delete()
    attempts: list[int] = []

    def work() -> str:
        attempts.append(1)
        key = new_signing_key("EdDSA", state=SigningKeyState.ACTIVE, now=timezone.now())
        if len(attempts) == 1:
            # A concurrent winner's row, then ours: the partial unique index refuses the second.
            new_signing_key("EdDSA", state=SigningKeyState.ACTIVE, now=timezone.now()).save()
        key.save()
        return key.kid

    kid = locking.atomic_with_retry(work)
    assert len(attempts) == 2
    assert SigningKey.objects.get(algorithm="EdDSA", state=SigningKeyState.ACTIVE).kid == kid


@pytest.mark.django_db
def test_atomic_with_retry_gives_up() -> None:
    def always_conflicts() -> None:
        raise IntegrityError("lost again")

    with pytest.raises(IntegrityError):
        locking.atomic_with_retry(always_conflicts)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Bearer", 'Bearer error="invalid_token"'),
        ('Bearer realm="api"', 'Bearer realm="api", error="invalid_token"'),
        ('Bearer error="invalid_token"', 'Bearer error="invalid_token"'),
        ("Token", "Token"),
        ("", ""),
    ],
)
def test_bearer_error_parameter(header: str, expected: str) -> None:
    assert _with_bearer_error(header, "invalid_token") == expected
