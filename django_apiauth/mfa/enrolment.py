"""Enrolling, confirming, listing and removing second factors: one service function per operation.

Enrolment is two-phase: ``start_totp_enrolment`` makes an unconfirmed device (replacing an unconfirmed one,
never a confirmed one) and shows its secret once; ``confirm_totp_enrolment`` needs a code from it, turns it
on and issues the backup codes (shown once). Only a confirmed device gates logins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from django_apiauth.events.record import record_event
from django_apiauth.exceptions import InvalidOTP, MFAAlreadyEnrolled, MFANotEnrolled
from django_apiauth.mfa import backup_codes, totp
from django_apiauth.mfa.throttling import ensure_allowed
from django_apiauth.mfa.verification import BACKUP_CODE, TOTP, code_kind
from django_apiauth.models.events import EventType
from django_apiauth.models.mfa import BackupCodeDevice, TOTPDevice

DEVICE_NAME = "Authenticator app"


@dataclass(frozen=True)
class TOTPEnrolment:
    """The show-once result of starting enrolment; ``repr`` keeps the secret out of logs and tracebacks."""

    secret: str = field(repr=False)
    otpauth_uri: str = field(repr=False)


def start_totp_enrolment(user: Any) -> TOTPEnrolment:
    """A fresh secret on the user's unconfirmed device; ``MFAAlreadyEnrolled`` if a confirmed one exists."""
    secret = totp.new_secret()
    ciphertext = totp.encrypt_secret(secret)
    fresh = {"secret_ciphertext": ciphertext, "last_t": -1, "throttling_failure_count": 0}
    try:
        with transaction.atomic():
            if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                raise MFAAlreadyEnrolled()
            if not TOTPDevice.objects.filter(user=user, confirmed=False).update(**fresh):
                TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False, **fresh)
    except IntegrityError as exc:  # a concurrent start created the device first
        raise MFAAlreadyEnrolled("Another enrolment was started at the same time; start again.") from exc
    return TOTPEnrolment(secret=totp.base32_secret(secret), otpauth_uri=totp.otpauth_uri(user, secret))


def confirm_totp_enrolment(user: Any, code: object, *, request: HttpRequest) -> list[str]:
    """Turn the pending device on with a code from it; returns the new backup codes (shown once).

    Raises ``MFAAlreadyEnrolled``, ``MFANotEnrolled`` (nothing pending), ``InvalidRequest`` (malformed code),
    ``RateLimited`` or ``InvalidOTP``.
    """
    device = TOTPDevice.objects.filter(user=user).first()
    if device is None:
        raise MFANotEnrolled("No enrolment is in progress; start one first.")
    if device.confirmed:
        raise MFAAlreadyEnrolled()
    if code_kind(code) != TOTP:
        raise InvalidOTP()
    ensure_allowed(device)
    if not device.verify_token(code):
        details = {"device": TOTP, "purpose": "enrolment"}
        record_event(EventType.MFA_FAILED, request=request, user=user, details=details, aggregate=True)
        raise InvalidOTP()
    with transaction.atomic():
        if not TOTPDevice.objects.filter(pk=device.pk, confirmed=False).update(confirmed=True):
            raise MFAAlreadyEnrolled()  # pragma: no cover - a concurrent confirmation needs the same code
        codes = _replace_backup_codes(user)
    record_event(EventType.MFA_ENROLLED, request=request, user=user, details={"device": TOTP})
    return codes


def regenerate_backup_codes(user: Any, *, request: HttpRequest) -> list[str]:
    """New backup codes replacing the old ones; ``MFANotEnrolled`` without a confirmed TOTP device."""
    with transaction.atomic():
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise MFANotEnrolled()
        codes = _replace_backup_codes(user)
    record_event(EventType.MFA_ENROLLED, request=request, user=user, details={"device": BACKUP_CODE})
    return codes


def _replace_backup_codes(user: Any) -> list[str]:
    device, _ = BackupCodeDevice.objects.get_or_create(user=user, defaults={"name": "Backup codes"})
    return backup_codes.replace_codes(device)


def disable_mfa(user: Any, *, request: HttpRequest | None, by: str = "user") -> bool:
    """Remove every second factor of ``user``; records ``mfa_disabled``. ``False`` when there was none."""
    with transaction.atomic():
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        removed += BackupCodeDevice.objects.filter(user=user).delete()[0]
    if removed:
        details: dict[str, Any] = {"device": TOTP, "by": by}
        actor = getattr(request, "user", None) if by == "admin" else None
        if actor is not None and actor.is_authenticated:
            details["admin"] = str(actor.pk)
        record_event(EventType.MFA_DISABLED, request=request, user=user, details=details)
    return bool(removed)


def reset_mfa(users: Iterable[Any], *, request: HttpRequest) -> int:
    """The admin's "reset MFA": every second factor of each user removed, one ``mfa_disabled`` each."""
    return sum(disable_mfa(user, request=request, by="admin") for user in users)


def mfa_methods(user: Any) -> list[dict[str, Any]]:
    """The ``GET mfa/`` listing: device states and counts, never a secret or a code."""
    methods: list[dict[str, Any]] = []
    device = TOTPDevice.objects.filter(user=user).first()
    if device is not None:
        methods.append(
            {
                "type": TOTP,
                "confirmed": device.confirmed,
                "created_at": device.created_at,
                "last_used_at": device.last_used_at,
            }
        )
    backup = BackupCodeDevice.objects.filter(user=user).first()
    if backup is not None:
        methods.append({"type": BACKUP_CODE, "remaining": backup_codes.remaining(backup)})
    return methods
