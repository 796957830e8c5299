"""Backup codes: ten single-use recovery codes, stored only as keyed hashes.

A code has about 49 bits of entropy; an HMAC under the API-key pepper (which lives in settings, not in the
database) means a database dump alone cannot test guesses. The hash binds the device id, so a digest copied
to another user's device verifies nothing. Redemption is one conditional ``UPDATE ... WHERE used_at IS
NULL``: two concurrent uses of one code cannot both pass.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from django_apiauth.api_keys.hashing import current_pepper, fallback_peppers
from django_apiauth.crypto.keyed_hash import constant_time_equal, hmac_sha256_hex
from django_apiauth.mfa.codes import BACKUP_ALPHABET, BACKUP_LENGTH, normalised_backup_code
from django_apiauth.mfa.throttling import record_failure, success_fields
from django_apiauth.models.mfa import BackupCode, BackupCodeDevice

CODE_COUNT = 10


def _digest(device_pk: int, code: str, pepper: bytes) -> str:
    return hmac_sha256_hex(pepper, f"apiauth-backup-code:{device_pk}:{code}")


def _new_code() -> str:
    raw = "".join(secrets.choice(BACKUP_ALPHABET) for _ in range(BACKUP_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


@sensitive_variables("codes", "pepper")
def replace_codes(device: BackupCodeDevice) -> list[str]:
    """Drop the device's codes and make ten new ones; returns them (the only time they exist in clear)."""
    codes = [_new_code() for _ in range(CODE_COUNT)]
    pepper = current_pepper()
    with transaction.atomic():
        BackupCode.objects.filter(device=device).delete()
        BackupCode.objects.bulk_create(
            BackupCode(device=device, digest=_digest(device.pk, code.replace("-", ""), pepper)) for code in codes
        )
    return codes


def remaining(device: BackupCodeDevice) -> int:
    return BackupCode.objects.filter(device=device, used_at=None).count()


def verify_backup_code(device: BackupCodeDevice, token: Any) -> bool:
    """Whether ``token`` is one of the device's unused codes; marks it used when it is."""
    allowed, _info = device.verify_is_allowed()
    if not allowed:
        return False
    code = normalised_backup_code(token)
    match = None if code is None else _find_unused(device, code)
    now = timezone.now()
    if match is not None and _redeem(device, match, now):
        return True
    record_failure(device)
    return False


def _redeem(device: BackupCodeDevice, match: BackupCode, now: datetime) -> bool:
    """Mark the code used and the device's success fields in one transaction.

    If the second write fails (a busy database), the first is rolled back with it: the code is never
    spent by a request that then answered an error.
    """
    fields = success_fields(now)
    with transaction.atomic():
        if not BackupCode.objects.filter(pk=match.pk, used_at=None).update(used_at=now):
            return False
        BackupCodeDevice.objects.filter(pk=device.pk).update(**fields)
    for name, value in fields.items():
        setattr(device, name, value)
    return True


def _find_unused(device: BackupCodeDevice, code: str) -> BackupCode | None:
    """Compare against every unused code under every pepper, in constant time per comparison."""
    candidates = [_digest(device.pk, code, pepper) for pepper in (current_pepper(), *fallback_peppers())]
    found = None
    for row in BackupCode.objects.filter(device=device, used_at=None):
        for candidate in candidates:
            if constant_time_equal(candidate, row.digest) and found is None:
                found = row
    return found
