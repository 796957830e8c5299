"""Encryption of private signing keys at rest with Fernet (AES-128-CBC + HMAC-SHA256, authenticated).

Keys come from ``APIAUTH["KEY_ENCRYPTION_KEYS"]``: a ``MultiFernet`` encrypts with the first and decrypts
with any, so the encryption key itself can be rotated (prepend a new key, re-encrypt, then drop the old).
When the setting is empty, keys are derived from ``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS`` with HKDF:
the demo works out of the box, system check W010 says it should not stay that way, and rotating
``SECRET_KEY`` the Django way (old key moved to the fallbacks) keeps stored keys readable.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, MultiFernet
from cryptography.fernet import InvalidToken as FernetInvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings as django_settings

from django_apiauth.conf import apiauth_settings
from django_apiauth.exceptions import ConfigurationError

_HKDF_SALT = b"django-apiauth"
_HKDF_INFO = b"signing-key-encryption-v1"


class KeyDecryptionError(ConfigurationError):
    """Stored key material cannot be decrypted with any configured key (the message names no secret)."""

    default_description = "A signing key cannot be decrypted with the configured KEY_ENCRYPTION_KEYS."


def is_valid_fernet_key(value: object) -> bool:
    """True for a url-safe base64 encoding of 32 bytes, as made by ``Fernet.generate_key()``."""
    if not isinstance(value, str):
        return False
    try:
        Fernet(value.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return False
    return True


def derive_fernet_key(secret: str) -> str:
    """A Fernet key derived from a Django secret; a one-way function, so the secret is not exposed."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode("utf-8"))).decode("ascii")


def uses_derived_keys() -> bool:
    """True when ``KEY_ENCRYPTION_KEYS`` is empty and ``SECRET_KEY`` is the source (warning W010)."""
    return not apiauth_settings.KEY_ENCRYPTION_KEYS


def configured_keys() -> tuple[str, ...]:
    """The Fernet keys in force, encryption key first."""
    keys = apiauth_settings.KEY_ENCRYPTION_KEYS
    if keys:
        return keys
    secrets_in_order = [django_settings.SECRET_KEY, *getattr(django_settings, "SECRET_KEY_FALLBACKS", [])]
    return tuple(derive_fernet_key(str(secret)) for secret in secrets_in_order)


@functools.lru_cache(maxsize=8)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    # Cached per distinct key tuple: settings are still read on every call, only the object is reused.
    return MultiFernet([Fernet(key.encode("ascii")) for key in keys])


def _fernet() -> MultiFernet:
    try:
        return _multi_fernet(configured_keys())
    except (ValueError, UnicodeEncodeError) as exc:
        raise ConfigurationError("APIAUTH['KEY_ENCRYPTION_KEYS'] holds an invalid Fernet key.") from exc


def encrypt(plaintext: bytes) -> str:
    """Ciphertext (a Fernet token, ASCII) of ``plaintext`` under the first configured key."""
    return _fernet().encrypt(plaintext).decode("ascii")


def decrypt(ciphertext: str) -> bytes:
    """Plaintext of a token made by ``encrypt``; raises ``KeyDecryptionError`` if no key fits."""
    try:
        return _fernet().decrypt(ciphertext.encode("ascii"))
    except (FernetInvalidToken, UnicodeEncodeError) as exc:
        raise KeyDecryptionError() from exc


def reencrypt(ciphertext: str) -> str:
    """The same plaintext encrypted under the current first key (``MultiFernet.rotate``)."""
    try:
        return _fernet().rotate(ciphertext.encode("ascii")).decode("ascii")
    except (FernetInvalidToken, UnicodeEncodeError) as exc:
        raise KeyDecryptionError() from exc
