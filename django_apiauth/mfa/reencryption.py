"""Re-encrypting stored TOTP secrets under the first ``KEY_ENCRYPTION_KEYS`` entry (``rotate_keys --reencrypt``)."""

from __future__ import annotations

from django.db import transaction

from django_apiauth.models.mfa import TOTPDevice
from django_apiauth.signing_keys import encryption as at_rest


def reencrypt_totp_secrets() -> int:
    """Re-encrypt every TOTP secret in one transaction; returns how many were rewritten.

    Raises ``KeyDecryptionError`` (and changes nothing) if a secret cannot be decrypted with any configured
    key: dropping the old encryption key then would lock its users out.
    """
    with transaction.atomic():
        rows = list(TOTPDevice.objects.select_for_update().order_by("pk"))
        for row in rows:
            row.secret_ciphertext = at_rest.reencrypt_private(row.secret_ciphertext)
        TOTPDevice.objects.bulk_update(rows, ["secret_ciphertext"])
    return len(rows)


def count_totp_secrets() -> int:
    return int(TOTPDevice.objects.count())
