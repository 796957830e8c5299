"""Checking a second-factor code for a user: the MFA step of login, step-up, and MFA-gated operations.

The code's shape picks the device (six ASCII digits: TOTP; ``xxxxx-xxxxx``: a backup code); anything else
is a malformed request and touches no device. Verification runs through ``django_otp.verify_token``, which
locks the device row, and the devices themselves refuse replays with conditional updates.
"""

from __future__ import annotations

from typing import Any

import django_otp
from django.http import HttpRequest

from django_apiauth.events.record import record_event
from django_apiauth.exceptions import InvalidOTP, InvalidRequest
from django_apiauth.lockout import service as lockout
from django_apiauth.mfa import backup_codes
from django_apiauth.mfa.codes import MAX_CODE_LENGTH, is_totp_code, normalised_backup_code
from django_apiauth.mfa.throttling import ensure_allowed
from django_apiauth.models.events import EventType
from django_apiauth.models.mfa import BackupCodeDevice, TOTPDevice

TOTP = "totp"
BACKUP_CODE = "backup_code"
TOTP_DIGITS = 6
MALFORMED = "The code must be 6 digits (authenticator app) or a backup code (xxxxx-xxxxx)."


def has_confirmed_device(user: Any) -> bool:
    """Whether logins of ``user`` need the second step: a confirmed TOTP device."""
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def login_methods(user: Any) -> list[str]:
    """What the MFA step accepts for ``user``: TOTP, plus backup codes while some are left."""
    device = BackupCodeDevice.objects.filter(user=user).first()
    return [TOTP, BACKUP_CODE] if device is not None and backup_codes.remaining(device) else [TOTP]


def code_kind(code: object) -> str:
    """``totp`` or ``backup_code`` from the shape alone; ``InvalidRequest`` for anything else."""
    if not isinstance(code, str) or len(code) > MAX_CODE_LENGTH:
        raise InvalidRequest(MALFORMED)
    if is_totp_code(code, TOTP_DIGITS):
        return TOTP
    if normalised_backup_code(code) is not None:
        return BACKUP_CODE
    raise InvalidRequest(MALFORMED)


def verify_second_factor(user: Any, code: object, *, request: HttpRequest, purpose: str) -> str:
    """Verify ``code`` against the user's confirmed device of its kind; returns the kind.

    Raises ``InvalidRequest`` (malformed), ``RateLimited`` (django-otp back-off in force, or the account's
    ``mfa`` brute-force counter full), ``TemporarilyUnavailable`` (counters unreachable, ``LOCKOUT`` closed) or
    ``InvalidOTP``
    (wrong, replayed or no such device). Records ``mfa_verified`` / ``backup_code_used`` or an aggregated
    ``mfa_failed``, with the device type and never the code.
    """
    kind = code_kind(code)
    model: type[TOTPDevice] | type[BackupCodeDevice] = TOTPDevice if kind == TOTP else BackupCodeDevice
    device = model.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        ensure_allowed(device)
    # The account's brute-force counter: a failure slot is reserved before the code is checked.
    attempt = lockout.begin("mfa", request, account=user)
    if device is None or django_otp.verify_token(user, device.persistent_id, code) is None:
        attempt.failed()
        details = {"device": kind, "purpose": purpose}
        record_event(EventType.MFA_FAILED, request=request, user=user, details=details, aggregate=True)
        raise InvalidOTP()
    attempt.succeeded()
    _record_success(user, device, kind, request=request, purpose=purpose)
    return kind


def _record_success(user: Any, device: Any, kind: str, *, request: HttpRequest, purpose: str) -> None:
    record_event(EventType.MFA_VERIFIED, request=request, user=user, details={"device": kind, "purpose": purpose})
    if kind == BACKUP_CODE:
        details = {"device": kind, "remaining": backup_codes.remaining(device)}
        record_event(EventType.BACKUP_CODE_USED, request=request, user=user, details=details)
