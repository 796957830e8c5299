"""The signing-key lifecycle: model invariants, the rotation service, retirement, bootstrap, concurrency."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from django_apiauth.models.events import AuthEvent, EventType
from django_apiauth.models.signing_keys import SigningKey, SigningKeyState
from django_apiauth.signals import signing_key_rotated
from django_apiauth.signing_keys.bootstrap import bootstrap_after_migrate
from django_apiauth.signing_keys.material import load_private_material, new_signing_key
from django_apiauth.signing_keys.retirement import retire_expired, retire_keys, retirement_cutoff
from django_apiauth.signing_keys.rotation import ensure_active_key, rotate, rotation_due
from tests.support.threads import run_in_threads

pytestmark = pytest.mark.django_db
ACTIVE, NEXT, RETIRING, RETIRED = (
    SigningKeyState.ACTIVE,
    SigningKeyState.NEXT,
    SigningKeyState.RETIRING,
    SigningKeyState.RETIRED,
)


@pytest.fixture
def empty_table() -> None:
    SigningKey.objects.all().delete()


def states(algorithm: str = "RS256") -> dict[str, int]:
    counts: dict[str, int] = {}
    for state in SigningKey.objects.filter(algorithm=algorithm).values_list("state", flat=True):
        counts[state] = counts.get(state, 0) + 1
    return counts


def test_database_allows_one_active_key_per_algorithm(empty_table: None) -> None:
    now = timezone.now()
    new_signing_key("ES256", state=ACTIVE, now=now).save()
    new_signing_key("EdDSA", state=ACTIVE, now=now).save()  # another algorithm is fine
    with pytest.raises(IntegrityError), transaction.atomic():
        new_signing_key("ES256", state=ACTIVE, now=now).save()
    new_signing_key("ES256", state=NEXT, now=now).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        new_signing_key("ES256", state=NEXT, now=now).save()


def test_private_key_is_ciphertext_and_absent_from_repr(empty_table: None) -> None:
    key = ensure_active_key("RS256")
    stored = SigningKey.objects.get(pk=key.pk)
    assert stored.private_key_ciphertext.startswith("gAAAA")  # a Fernet token
    assert "PRIVATE KEY" not in stored.private_key_ciphertext
    assert b"PRIVATE KEY" not in SigningKey.objects.values_list("private_key_ciphertext", flat=True)[0].encode()
    assert stored.private_key_ciphertext not in repr(stored) + str(stored)
    assert repr(stored) == f"<SigningKey kid={key.kid!r} algorithm='RS256' state='active'>"
    assert load_private_material(stored.algorithm, stored.private_key_ciphertext)  # and it decrypts


def test_kid_is_the_rfc_7638_thumbprint(empty_table: None) -> None:
    import jwt as pyjwt

    key = ensure_active_key("ES256")
    assert key.kid == pyjwt.PyJWK(key.public_jwk).key_id
    assert key.public_jwk["kid"] == key.kid


def test_bootstrap_creates_active_and_next_and_is_idempotent(empty_table: None) -> None:
    first = ensure_active_key("RS256")
    assert ensure_active_key("RS256") == first
    assert states() == {"active": 1, "next": 1}


def test_rotate_moves_keys_along_the_lifecycle(empty_table: None) -> None:
    original = ensure_active_key("RS256")
    upcoming = SigningKey.objects.get(algorithm="RS256", state=NEXT)
    result = rotate("RS256")
    assert result.rotated
    assert result.active.kid == upcoming.kid  # the pre-published key signs now
    assert result.retiring is not None
    assert result.retiring.kid == original.kid
    assert result.next is not None
    assert result.next.state == NEXT
    original.refresh_from_db()
    upcoming.refresh_from_db()
    assert (original.state, upcoming.state) == (RETIRING, ACTIVE)
    assert original.retiring_at is not None
    assert upcoming.activated_at is not None
    assert states() == {"active": 1, "next": 1, "retiring": 1}


def test_rotate_without_next_key_creates_one_to_activate(empty_table: None) -> None:
    ensure_active_key("RS256")
    SigningKey.objects.filter(state=NEXT).update(state=RETIRED)
    result = rotate("RS256")
    assert [k.state for k in result.created] == [ACTIVE, NEXT]
    assert states() == {"active": 1, "next": 1, "retiring": 1, "retired": 1}


def test_rotate_records_events_and_sends_signal(empty_table: None) -> None:
    received: list[Any] = []

    def receiver(sender: Any, result: Any, **kwargs: Any) -> None:
        received.append(result)

    signing_key_rotated.connect(receiver)
    try:
        ensure_active_key("RS256")
        result = rotate("RS256")
    finally:
        signing_key_rotated.disconnect(receiver)
    assert [r.active.kid for r in received] == [received[0].active.kid, result.active.kid]
    rotated = AuthEvent.objects.filter(type=EventType.SIGNING_KEY_ROTATED).order_by("pk").last()
    assert rotated is not None
    assert rotated.details == {
        "algorithm": "RS256",
        "active_kid": result.active.kid,
        "retiring_kid": result.retiring.kid if result.retiring else None,
        "next_kid": result.next.kid if result.next else None,
    }
    created = AuthEvent.objects.filter(type=EventType.SIGNING_KEY_CREATED)
    assert created.count() == 3  # bootstrap: active + next; rotation: the new next
    assert all("ciphertext" not in str(e.details) and "PRIVATE" not in str(e.details) for e in created)


def test_if_older_than_rotates_only_when_due(empty_table: None) -> None:
    with time_machine.travel("2030-01-01 00:00Z", tick=False) as traveller:
        first = ensure_active_key("RS256")
        assert not rotate("RS256", if_older_than=timedelta(days=30)).rotated
        assert not rotation_due("RS256", timedelta(days=30))
        traveller.shift(timedelta(days=30))
        assert rotation_due("RS256", timedelta(days=30))
        result = rotate("RS256", if_older_than=timedelta(days=30))
        assert result.rotated
        assert result.retiring is not None
        assert result.retiring.kid == first.kid
        assert not rotate("RS256", if_older_than=timedelta(days=30)).rotated  # idempotent for cron


def test_retire_expired_waits_for_every_token_to_expire(empty_table: None, apiauth: Callable[..., None]) -> None:
    apiauth(ACCESS_TOKEN_LIFETIME=600, JWT_LEEWAY=30, SIGNING_KEY_RELOAD_INTERVAL=5)
    with time_machine.travel("2030-01-01 00:00Z", tick=False) as traveller:
        old = ensure_active_key("RS256")
        rotate("RS256")
        traveller.shift(timedelta(seconds=634))  # lifetime + leeway + reload interval
        assert retire_expired() == []
        traveller.shift(timedelta(seconds=1))
        assert retirement_cutoff() == SigningKey.objects.get(pk=old.pk).retiring_at
        assert [k.kid for k in retire_expired()] == [old.kid]
        assert retire_expired() == []
    old.refresh_from_db()
    assert old.state == RETIRED
    assert old.retired_at is not None
    assert old.private_key_ciphertext == ""  # private material is wiped on retirement
    event = AuthEvent.objects.get(type=EventType.SIGNING_KEY_RETIRED)
    assert event.details == {"kid": old.kid, "algorithm": "RS256", "early": False}


def test_retire_keys_refuses_the_active_key(empty_table: None) -> None:
    active = ensure_active_key("RS256")
    upcoming = SigningKey.objects.get(state=NEXT)
    result = retire_keys([active.pk, upcoming.pk])
    assert [k.kid for k in result.refused_active] == [active.kid]
    assert [k.kid for k in result.retired] == [upcoming.kid]
    active.refresh_from_db()
    assert active.state == ACTIVE


def test_retire_keys_reports_early_retirement(empty_table: None) -> None:
    old = ensure_active_key("RS256")
    rotate("RS256")
    result = retire_keys([old.pk])
    assert result.early == (old.kid,)
    assert AuthEvent.objects.get(type=EventType.SIGNING_KEY_RETIRED).details["early"] is True
    assert retire_keys([old.pk]).retired == ()  # already retired: nothing to do


def test_rotate_refuses_unknown_algorithms() -> None:
    with pytest.raises(ValueError, match="unsupported algorithm"):
        rotate("PS512")


# --- bootstrap on migrate ----------------------------------------------------------------------------------


def test_post_migrate_bootstraps_an_empty_table_without_events(empty_table: None) -> None:
    bootstrap_after_migrate(sender=None, using="default", plan=[], verbosity=0)
    assert states() == {"active": 1, "next": 1}
    assert not AuthEvent.objects.filter(type__startswith="signing_key").exists()
    bootstrap_after_migrate(sender=None, using="default", plan=[], verbosity=0)
    assert states() == {"active": 1, "next": 1}


@pytest.mark.parametrize(
    "kwargs",
    [{"plan": None}, {"plan": [("migration", True)]}, {"plan": [], "using": "other"}],
    ids=["flush", "backwards", "other-database"],
)
def test_post_migrate_bootstrap_skips(empty_table: None, kwargs: dict[str, Any]) -> None:
    bootstrap_after_migrate(sender=None, **{"using": "default", **kwargs})
    assert not SigningKey.objects.exists()


def test_migrate_command_bootstraps(empty_table: None, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("migrate", "apiauth", verbosity=1, interactive=False)
    assert states() == {"active": 1, "next": 1}
    assert "Created the first RS256 signing key" in capsys.readouterr().out


# --- concurrency (PostgreSQL) ------------------------------------------------------------------------------


def _in_threads(count: int, work: Callable[[], Any]) -> list[BaseException]:
    """The failures among ``count`` simultaneous runs of ``work``."""
    return [r for r in run_in_threads(count, work) if isinstance(r, BaseException)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_rotations_leave_exactly_one_active_key() -> None:
    SigningKey.objects.all().delete()
    ensure_active_key("ES256")
    assert _in_threads(2, lambda: rotate("ES256")) == []
    assert states("ES256") == {"active": 1, "next": 1, "retiring": 2}
    assert AuthEvent.objects.filter(type=EventType.SIGNING_KEY_ROTATED).count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_bootstraps_and_due_rotations_rotate_once() -> None:
    SigningKey.objects.all().delete()
    assert _in_threads(3, lambda: ensure_active_key("ES256")) == []
    assert states("ES256") == {"active": 1, "next": 1}
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert _in_threads(3, lambda: rotate("ES256", if_older_than=timedelta(days=30))) == []
    assert states("ES256") == {"active": 1, "next": 1, "retiring": 1}
