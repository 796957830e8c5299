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
from django.db.models import Max
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from django_apiauth.events.record import record_event
from django_apiauth.exceptions import InvalidOTP, MFAAlreadyEnrolled, MFAConcurrentChange, MFANotEnrolled
from django_apiauth.mfa import backup_codes, totp
from django_apiauth.mfa.throttling import ensure_allowed
from django_apiauth.mfa.verification import BACKUP_CODE, TOTP, code_kind
from django_apiauth.models.events import EventType
from django_apiauth.models.mfa import BackupCode, BackupCodeDevice, TOTPDevice

DEVICE_NAME = "Authenticator app"


@dataclass(frozen=True)
class TOTPEnrolment:
    """The show-once result of starting enrolment; ``repr`` keeps the secret out of logs and tracebacks."""

    secret: str = field(repr=False)
    otpauth_uri: str = field(repr=False)


# Every variable, here and in every frame below (encryption, the project's label callable): the secret is
# stored before the otpauth URI is built, so an error report of a failure there would carry a live secret.
@sensitive_variables()
def start_totp_enrolment(user: Any) -> TOTPEnrolment:
    """A fresh secret on the user's unconfirmed device; ``MFAAlreadyEnrolled`` if a confirmed one exists.

    Starts of one user are serialised on the device row (``_locked_totp_device``). A start that waited while
    another one (or a confirmation) committed changes nothing and raises ``MFAConcurrentChange``: the other
    secret stays the one that confirms, so the secret a client is shown is never one that a request it could
    not see had already replaced. A start sent after another has answered replaces its secret.
    """
    seen = _pending_secret(user)  # read before waiting for the lock: what this request was sent about
    secret = totp.new_secret()
    ciphertext = totp.encrypt_secret(secret)
    fresh = {"secret_ciphertext": ciphertext, "last_t": -1, "throttling_failure_count": 0}
    try:
        with transaction.atomic():
            device = _locked_totp_device(user)
            if device is not None and device.confirmed:
                raise MFAAlreadyEnrolled()
            if (None if device is None else device.secret_ciphertext) != seen:
                raise _overtaken_start()
            if device is None:
                TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False, **fresh)
            else:
                TOTPDevice.objects.filter(pk=device.pk).update(**fresh)
    except IntegrityError as exc:  # a concurrent start created the device first
        raise _overtaken_start() from exc
    return TOTPEnrolment(secret=totp.base32_secret(secret), otpauth_uri=totp.otpauth_uri(user, secret))


def _overtaken_start() -> MFAConcurrentChange:
    return MFAConcurrentChange(
        "Enrolment was started by another request at the same time; its secret is the one that confirms. "
        "Start again to replace it."
    )


def confirm_totp_enrolment(user: Any, code: object, *, request: HttpRequest) -> list[str]:
    """Turn the pending device on with a code from it; returns the new backup codes (shown once).

    The code is checked against the device's row locked for the transaction, so the device that is turned
    on holds the secret the code came from: a start committed meanwhile makes this raise
    ``MFAConcurrentChange`` (the client was shown a replaced secret), never confirm a secret the client
    has not seen. Raises ``InvalidRequest`` (malformed code), ``MFAAlreadyEnrolled``, ``MFANotEnrolled``
    (nothing pending), ``MFAConcurrentChange``, ``RateLimited`` or ``InvalidOTP``.
    """
    seen = _pending_secret(user)
    kind = code_kind(code)  # malformed input is refused before any state is looked at
    with transaction.atomic():
        device = _locked_totp_device(user)
        if device is None:
            raise MFANotEnrolled("No enrolment is in progress; start one first.")
        if device.confirmed:
            raise MFAAlreadyEnrolled()
        if device.secret_ciphertext != seen:
            raise MFAConcurrentChange(
                "Enrolment was started again by another request while this code was checked; confirm with a "
                "code from the new secret."
            )
        if kind != TOTP:
            raise InvalidOTP()
        ensure_allowed(device)
        confirmed = device.verify_token(code)  # claims the time step, or counts the failure (committed)
        if confirmed:
            TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
            codes = _replace_backup_codes(user)
    if not confirmed:
        details = {"device": TOTP, "purpose": "enrolment"}
        record_event(EventType.MFA_FAILED, request=request, user=user, details=details, aggregate=True)
        raise InvalidOTP()
    record_event(EventType.MFA_ENROLLED, request=request, user=user, details={"device": TOTP})
    return codes


def _pending_secret(user: Any) -> str | None:
    """The ciphertext on the user's device (new with every start), or ``None``: compared before and after
    waiting for the device's lock to tell whether another request changed the enrolment meanwhile."""
    ciphertext: str | None = TOTPDevice.objects.filter(user=user).values_list("secret_ciphertext", flat=True).first()
    return ciphertext


def regenerate_backup_codes(user: Any, *, request: HttpRequest) -> list[str]:
    """New backup codes replacing the old ones: at every instant exactly one set is valid, and a set returned
    here was the valid set when its transaction committed.

    Regenerations of one user are serialised on the TOTP device's row (``SELECT ... FOR UPDATE``; SQLite's
    ``IMMEDIATE`` transactions serialise every writer). Without that, two PostgreSQL transactions could both
    delete before either inserted and leave both sets valid. A regeneration that waited while another one
    committed changes nothing and raises ``MFAConcurrentChange``: the other set stays valid, so a client is
    never shown a set that a request it could not see had already replaced. Raises ``MFANotEnrolled``
    without a confirmed TOTP device.
    """
    seen = _latest_backup_code(user)  # read before waiting for the lock: what this request was sent about
    with transaction.atomic():
        device = _locked_totp_device(user)
        if device is None or not device.confirmed:
            raise MFANotEnrolled()
        if _latest_backup_code(user) != seen:
            raise MFAConcurrentChange(
                "Backup codes were regenerated by another request at the same time; its codes are the valid "
                "ones. Regenerate again to replace them."
            )
        codes = _replace_backup_codes(user)
    record_event(EventType.MFA_ENROLLED, request=request, user=user, details={"device": BACKUP_CODE})
    return codes


def _locked_totp_device(user: Any) -> TOTPDevice | None:
    """The user's TOTP device, its row locked until the transaction ends: the one place MFA changes of a
    user queue up. Call inside ``transaction.atomic()``."""
    device: TOTPDevice | None = TOTPDevice.objects.select_for_update().filter(user=user).first()
    return device


def _latest_backup_code(user: Any) -> int | None:
    """The newest backup-code row of ``user``: every regeneration inserts rows with higher keys, so a change
    means another set was made since the last look (redeeming a code does not change it)."""
    latest: int | None = BackupCode.objects.filter(device__user=user).aggregate(latest=Max("pk"))["latest"]
    return latest


def _replace_backup_codes(user: Any) -> list[str]:
    device, _ = BackupCodeDevice.objects.get_or_create(user=user, defaults={"name": "Backup codes"})
    return backup_codes.replace_codes(device)


def disable_mfa(user: Any, *, request: HttpRequest | None, by: str = "user", pending_only: bool = False) -> bool:
    """Remove every second factor of ``user``; records ``mfa_disabled``. ``False`` when there was none.

    ``pending_only`` removes only an enrolment not yet confirmed (for a caller who has proved no second
    factor): a device confirmed meanwhile, and its backup codes, stay."""
    with transaction.atomic():
        if pending_only:
            removed, _ = TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        else:
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
