"""Retirement: a key stops verifying, leaves the JWKS and loses its private material.

``retire_expired`` is the routine path: a ``retiring`` key is retired once every token it signed has
expired, i.e. ``ACCESS_TOKEN_LIFETIME + JWT_LEEWAY`` after it stopped signing. ``retire_keys`` is the admin's
emergency path (a leaked key): it retires at once, refusing the active key, which must be rotated out
first so that the algorithm always keeps a signing key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from django_apiauth.conf import apiauth_settings
from django_apiauth.events.record import record_event
from django_apiauth.models.events import EventType
from django_apiauth.models.signing_keys import SigningKey, SigningKeyState
from django_apiauth.signals import signing_key_retired


@dataclass(frozen=True)
class RetireResult:
    retired: tuple[SigningKey, ...] = ()
    refused_active: tuple[SigningKey, ...] = ()
    early: tuple[str, ...] = ()  # kids retired before their tokens had all expired


def retirement_margin() -> timedelta:
    """How long after a key stopped signing its last token may still be valid: the one definition.

    A process may sign with a just-rotated key for up to ``SIGNING_KEY_RELOAD_INTERVAL`` (``jwt/signing.py``).
    """
    return (
        apiauth_settings.ACCESS_TOKEN_LIFETIME
        + apiauth_settings.JWT_LEEWAY
        + apiauth_settings.SIGNING_KEY_RELOAD_INTERVAL
    )


def retirement_cutoff(now: datetime | None = None) -> datetime:
    """Keys that stopped signing before this instant have no unexpired token left."""
    return (now or timezone.now()) - retirement_margin()


def expired_retiring_keys(now: datetime | None = None) -> QuerySet[SigningKey]:
    """``retiring`` keys whose every token has expired (what ``retire_expired`` would retire)."""
    return SigningKey.objects.filter(state=SigningKeyState.RETIRING, retiring_at__lte=retirement_cutoff(now))


def retire_expired(*, request: HttpRequest | None = None, actor: Any = None) -> list[SigningKey]:
    """Retire every ``retiring`` key past the cutoff; idempotent (a second call finds nothing)."""
    with transaction.atomic():
        candidates = list(expired_retiring_keys().select_for_update().order_by("pk"))
        retired = _retire(candidates, timezone.now())
    _after_change(retired, early=(), request=request, actor=actor)
    return retired


def retire_keys(pks: Iterable[int], *, request: HttpRequest | None = None, actor: Any = None) -> RetireResult:
    """Retire the given keys now, except active ones (reported in ``refused_active``)."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(SigningKey.objects.select_for_update().filter(pk__in=list(pks)).order_by("pk"))
        refused = tuple(k for k in rows if k.state == SigningKeyState.ACTIVE)
        cutoff = retirement_cutoff(now)
        early = tuple(
            k.kid
            for k in rows
            if k.state == SigningKeyState.RETIRING and k.retiring_at is not None and k.retiring_at > cutoff
        )
        candidates = [k for k in rows if k.state in (SigningKeyState.NEXT, SigningKeyState.RETIRING)]
        retired = _retire(candidates, now)
    _after_change(retired, early=early, request=request, actor=actor)
    return RetireResult(retired=tuple(retired), refused_active=refused, early=early)


def _retire(keys: list[SigningKey], now: datetime) -> list[SigningKey]:
    if not keys:
        return []
    # One UPDATE of rows the caller locked; the state filter keeps it from ever touching an active key.
    retirable = (SigningKeyState.NEXT, SigningKeyState.RETIRING)
    SigningKey.objects.filter(pk__in=[k.pk for k in keys], state__in=retirable).update(
        state=SigningKeyState.RETIRED, retired_at=now, private_key_ciphertext=""
    )
    for key in keys:
        key.state, key.retired_at, key.private_key_ciphertext = SigningKeyState.RETIRED, now, ""
    return keys


def _after_change(
    retired: list[SigningKey], *, early: tuple[str, ...], request: HttpRequest | None, actor: Any
) -> None:
    if not retired:
        return
    signing_key_retired.send(sender=SigningKey, keys=tuple(retired))
    for key in retired:
        record_event(
            EventType.SIGNING_KEY_RETIRED,
            request=request,
            user=actor,
            details={"kid": key.kid, "algorithm": key.algorithm, "early": key.kid in early},
        )
