"""Authenticated encryption at rest with Fernet (AES-128-CBC + HMAC-SHA256): pure, the keys are passed in.

A ``MultiFernet`` encrypts with the first key and decrypts with any, so the encryption key itself can be
rotated (prepend a new key, re-encrypt, then drop the old). Which keys are in force is decided by the caller
(``signing_keys.encryption`` reads ``KEY_ENCRYPTION_KEYS``/``SECRET_KEY``); ``derive_fernet_key`` turns a
Django secret into a Fernet key with HKDF.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, MultiFernet
from cryptography.fernet import InvalidToken as FernetInvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

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


def new_fernet_key() -> str:
    """A fresh random Fernet key, in the text form ``KEY_ENCRYPTION_KEYS`` entries take."""
    return Fernet.generate_key().decode("ascii")


def derive_fernet_key(secret: str) -> str:
    """A Fernet key derived from a Django secret; a one-way function, so the secret is not exposed."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode("utf-8"))).decode("ascii")


@functools.lru_cache(maxsize=8)
def multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    """One ``MultiFernet`` per distinct key tuple (a pure memo: the keys decide everything).

    Raises ``ValueError`` for an entry that is not a Fernet key.
    """
    try:
        return MultiFernet([Fernet(key.encode("ascii")) for key in keys])
    except UnicodeEncodeError as exc:
        raise ValueError("not a Fernet key") from exc


def encrypt(plaintext: bytes, keys: tuple[str, ...]) -> str:
    """Ciphertext (a Fernet token, ASCII) of ``plaintext`` under the first of ``keys``."""
    return multi_fernet(keys).encrypt(plaintext).decode("ascii")


def decrypt(ciphertext: str, keys: tuple[str, ...]) -> bytes:
    """Plaintext of a token made by ``encrypt`` with any of ``keys``; raises ``KeyDecryptionError`` otherwise."""
    try:
        return multi_fernet(keys).decrypt(ciphertext.encode("ascii"))
    except (FernetInvalidToken, UnicodeEncodeError) as exc:
        raise KeyDecryptionError() from exc


def reencrypt(ciphertext: str, keys: tuple[str, ...]) -> str:
    """The same plaintext encrypted under the first of ``keys`` (``MultiFernet.rotate``)."""
    try:
        return multi_fernet(keys).rotate(ciphertext.encode("ascii")).decode("ascii")
    except (FernetInvalidToken, UnicodeEncodeError) as exc:
        raise KeyDecryptionError() from exc
