"""Private signing keys at rest: which Fernet keys are in force, applied through the pure ``crypto.encryption``.

Keys come from ``APIAUTH["KEY_ENCRYPTION_KEYS"]`` (the first encrypts, all decrypt). When the setting is
empty they are derived from ``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS`` with HKDF: the demo works out of the
box, system check W010 says it should not stay that way, and rotating ``SECRET_KEY`` the Django way (old key
moved to the fallbacks) keeps stored keys readable.
"""

from __future__ import annotations

from django.conf import settings as django_settings

from django_apiauth.conf import apiauth_settings
from django_apiauth.crypto import encryption
from django_apiauth.exceptions import ConfigurationError
from django_apiauth.localcache import register_memo

register_memo("crypto.multi_fernet", encryption.multi_fernet, size="8 key tuples")


def configured_keys() -> tuple[str, ...]:
    """The Fernet keys in force, encryption key first."""
    keys = apiauth_settings.KEY_ENCRYPTION_KEYS
    if keys:
        return keys
    secrets_in_order = [django_settings.SECRET_KEY, *getattr(django_settings, "SECRET_KEY_FALLBACKS", [])]
    return tuple(encryption.derive_fernet_key(str(secret)) for secret in secrets_in_order)


def _keys() -> tuple[str, ...]:
    keys = configured_keys()
    try:
        encryption.multi_fernet(keys)
    except ValueError as exc:
        raise ConfigurationError("APIAUTH['KEY_ENCRYPTION_KEYS'] holds an invalid Fernet key.") from exc
    return keys


def encrypt_private(plaintext: bytes) -> str:
    """Ciphertext of a private key under the first configured key."""
    return encryption.encrypt(plaintext, _keys())


def decrypt_private(ciphertext: str) -> bytes:
    """A stored private key; raises ``KeyDecryptionError`` when no configured key fits."""
    return encryption.decrypt(ciphertext, _keys())


def reencrypt_private(ciphertext: str) -> str:
    """A stored private key encrypted again under the current first key."""
    return encryption.reencrypt(ciphertext, _keys())
