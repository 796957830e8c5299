"""Which stored signing keys the configured ``KEY_ENCRYPTION_KEYS`` cannot decrypt.

Changing or dropping an encryption key without ``rotate_keys --reencrypt`` leaves keys nobody can read:
issuance fails at the first login. ``check --deploy`` (``apiauth.E017``) asks this module before traffic does.
"""

from __future__ import annotations

from django.db import DatabaseError, transaction

from django_apiauth.exceptions import ConfigurationError
from django_apiauth.models.signing_keys import SigningKey, SigningKeyState
from django_apiauth.signing_keys.encryption import decrypt_private


def unreadable_signing_keys() -> list[tuple[str, str]]:
    """``(kid, state)`` of every key with private material that no configured encryption key decrypts.

    Empty when the table does not exist yet (before ``migrate``): nothing stored, nothing unreadable.
    """
    try:
        with transaction.atomic():  # a savepoint: a missing table must not poison the caller's transaction
            rows = list(
                SigningKey.objects.exclude(state=SigningKeyState.RETIRED)
                .exclude(private_key_ciphertext="")
                .values_list("kid", "state", "private_key_ciphertext")
            )
    except DatabaseError:
        return []
    return [(kid, state) for kid, state, ciphertext in rows if not _decrypts(ciphertext)]


def _decrypts(ciphertext: str) -> bool:
    try:
        decrypt_private(ciphertext)
    except ConfigurationError:  # KeyDecryptionError, or invalid keys (E010 reports those)
        return False
    return True
