"""Re-encrypting stored private keys under the first ``KEY_ENCRYPTION_KEYS`` entry.

The documented way to rotate the encryption key: prepend a new key (keep the old ones), run
``manage.py rotate_keys --reencrypt``, then drop the old keys from the setting.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from django_apiauth.models.signing_keys import SigningKey
from django_apiauth.signing_keys.encryption import reencrypt_private


def keys_to_reencrypt() -> QuerySet[SigningKey]:
    """The rows ``reencrypt_private_keys`` rewrites (and its dry run counts): those with private material."""
    return SigningKey.objects.exclude(private_key_ciphertext="")


def reencrypt_private_keys() -> int:
    """Re-encrypt every stored private key in one transaction; returns how many were rewritten.

    Raises ``KeyDecryptionError`` (and changes nothing) if some key cannot be decrypted with any
    configured key: dropping the old encryption key then would lose it.
    """
    with transaction.atomic():
        rows = list(keys_to_reencrypt().select_for_update().order_by("pk"))
        for row in rows:
            row.private_key_ciphertext = reencrypt_private(row.private_key_ciphertext)
        SigningKey.objects.bulk_update(rows, ["private_key_ciphertext"])
    return len(rows)
