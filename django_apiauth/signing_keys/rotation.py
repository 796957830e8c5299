"""Rotation: the one function that moves signing keys along ``next -> active -> retiring``.

A rotation, in one transaction under the per-algorithm lock:

1. the ``active`` key becomes ``retiring`` (it keeps verifying the tokens it signed);
2. the ``next`` key, already published in the JWKS, becomes ``active`` (a fresh key if there is none);
3. a new ``next`` key is created, so caching verifiers see it before it ever signs.

Bootstrapping is the same function with "only when there is no active key": the first token issuance and
``migrate`` call it, so nobody has to run a command before the demo works. Retirement is in
``signing_keys.retirement``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from django_apiauth.conf import apiauth_settings
from django_apiauth.crypto.keys import check_algorithm
from django_apiauth.events.record import record_event
from django_apiauth.models.events import EventType
from django_apiauth.models.signing_keys import SigningKey, SigningKeyState
from django_apiauth.signals import signing_key_rotated
from django_apiauth.signing_keys.locking import atomic_with_retry, lock_algorithm
from django_apiauth.signing_keys.material import new_signing_key


@dataclass(frozen=True)
class RotationResult:
    """What a call did. ``rotated`` is False when nothing was due (``active`` is then the current key)."""

    algorithm: str
    rotated: bool
    active: SigningKey
    next: SigningKey | None = None
    retiring: SigningKey | None = None
    created: tuple[SigningKey, ...] = ()


def key_age(key: SigningKey, now: datetime | None = None) -> timedelta:
    """How long ``key`` has been signing (since creation if it never was activated)."""
    return (now or timezone.now()) - (key.activated_at or key.created_at)


def all_keys() -> QuerySet[SigningKey]:
    """Every key, grouped by algorithm, newest first (what ``rotate_keys --list`` prints)."""
    return SigningKey.objects.order_by("algorithm", "-created_at", "-pk")


def is_due(active: SigningKey | None, older_than: timedelta | None, now: datetime | None = None) -> bool:
    """The one rule: rotate when there is no active key, no age was asked for, or it has signed that long."""
    return active is None or older_than is None or key_age(active, now) >= older_than


def rotation_due(algorithm: str, older_than: timedelta | None, now: datetime | None = None) -> bool:
    """What ``rotate(algorithm, if_older_than=older_than)`` would decide now (its dry run)."""
    return is_due(SigningKey.objects.active(algorithm).first(), older_than, now)


def rotate(
    algorithm: str | None = None,
    *,
    if_older_than: timedelta | None = None,
    request: HttpRequest | None = None,
    actor: Any = None,
    record: bool = True,
) -> RotationResult:
    """Rotate the keys of ``algorithm`` (default ``JWT_ALGORITHM``) and return what happened.

    With ``if_older_than`` the rotation happens only if the active key is at least that old, decided under
    the lock, so a cron job and a retry (or two concurrent calls) rotate once. ``record=False`` skips the
    ``signing_key_*`` events (``migrate``'s bootstrap, which is not an auth event). Raises
    ``UnsupportedAlgorithm`` (a ``ValueError``) for an unknown algorithm.
    """
    alg = check_algorithm(algorithm or apiauth_settings.JWT_ALGORITHM)
    result = atomic_with_retry(lambda: _rotate_locked(alg, if_older_than))
    if result.rotated:
        _after_change(result, request=request, actor=actor, record=record)
    return result


def ensure_active_key(algorithm: str | None = None, *, record: bool = True) -> SigningKey:
    """The active key of ``algorithm``, bootstrapping one (and its ``next``) if there is none."""
    alg = check_algorithm(algorithm or apiauth_settings.JWT_ALGORITHM)
    active = SigningKey.objects.active(alg).first()
    if active is not None:
        return active
    return rotate(alg, if_older_than=timedelta.max, record=record).active


def _rotate_locked(algorithm: str, if_older_than: timedelta | None) -> RotationResult:
    lock_algorithm(algorithm)
    now = timezone.now()
    active = SigningKey.objects.active(algorithm).first()
    if active is not None and not is_due(active, if_older_than, now):
        return RotationResult(algorithm=algorithm, rotated=False, active=active)
    created: list[SigningKey] = []
    if active is not None:
        active.state, active.retiring_at = SigningKeyState.RETIRING, now
        active.save(update_fields=["state", "retiring_at"])
    promoted = SigningKey.objects.filter(algorithm=algorithm, state=SigningKeyState.NEXT).first()
    if promoted is None:
        promoted = new_signing_key(algorithm, state=SigningKeyState.ACTIVE, now=now)
        promoted.save(force_insert=True)
        created.append(promoted)
    else:
        promoted.state, promoted.activated_at = SigningKeyState.ACTIVE, now
        promoted.save(update_fields=["state", "activated_at"])
    upcoming = new_signing_key(algorithm, state=SigningKeyState.NEXT, now=now)
    upcoming.save(force_insert=True)
    created.append(upcoming)
    return RotationResult(
        algorithm=algorithm, rotated=True, active=promoted, next=upcoming, retiring=active, created=tuple(created)
    )


def _after_change(result: RotationResult, *, request: HttpRequest | None, actor: Any, record: bool) -> None:
    # Receivers (the JWT key caches) make our own process see the change at once.
    signing_key_rotated.send(sender=SigningKey, result=result)
    if not record:
        return
    for key in result.created:
        record_event(
            EventType.SIGNING_KEY_CREATED,
            request=request,
            user=actor,
            details={"kid": key.kid, "algorithm": key.algorithm, "state": key.state},
        )
    record_event(
        EventType.SIGNING_KEY_ROTATED,
        request=request,
        user=actor,
        details={
            "algorithm": result.algorithm,
            "active_kid": result.active.kid,
            "retiring_kid": result.retiring.kid if result.retiring else None,
            "next_kid": result.next.kid if result.next else None,
        },
    )
