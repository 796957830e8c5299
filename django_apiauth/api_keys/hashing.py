"""The keyed hash stored for each API-key secret, and the peppers that key it.

Stored value: hex HMAC-SHA256 under the pepper of ``"<lookup id>:<secret>"``. Binding the lookup id means a
digest copied onto another row verifies nothing; keying with a pepper that lives only in settings means a
database dump alone cannot test guesses (the secret has 256 bits anyway, so no slow hash is needed).
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from django.conf import settings as django_settings

from django_apiauth.conf import apiauth_settings
from django_apiauth.crypto.keyed_hash import constant_time_equal, hmac_sha256_hex
from django_apiauth.localcache import register_memo

PEPPER_DERIVATION_LABEL = b"django_apiauth.api_keys.pepper.v1"


@lru_cache(maxsize=4)
def _derive(secret_key: str) -> str:
    return hmac.new(secret_key.encode(), PEPPER_DERIVATION_LABEL, hashlib.sha256).hexdigest()


register_memo("api_keys.derived_peppers", _derive, size="4 SECRET_KEY values")


def derived_pepper() -> str:
    """The fallback pepper when ``API_KEY_PEPPER`` is unset (warning ``apiauth.W020``): tied to ``SECRET_KEY``.

    A string, so that moving to an explicit pepper is possible: list this value in
    ``API_KEY_PEPPER_FALLBACKS`` (it is a secret, like ``SECRET_KEY``).
    """
    return _derive(str(django_settings.SECRET_KEY))


def current_pepper() -> bytes:
    return (apiauth_settings.API_KEY_PEPPER or derived_pepper()).encode()


def fallback_peppers() -> tuple[bytes, ...]:
    return tuple(p.encode() for p in apiauth_settings.API_KEY_PEPPER_FALLBACKS)


def hash_secret(lookup_id: str, secret: str, pepper: bytes | None = None) -> str:
    """The digest to store for a new secret (current pepper unless one is given)."""
    return hmac_sha256_hex(pepper if pepper is not None else current_pepper(), f"{lookup_id}:{secret}")


def pepper_index(stored: str, lookup_id: str, secret: str) -> int | None:
    """Which pepper ``secret`` hashes to ``stored`` under: 0 the current one, 1+ a fallback; ``None`` if none.

    An empty ``stored`` never matches. Fallbacks are only tried after the current pepper failed, so the common
    case costs one HMAC.
    """
    if not stored:
        return None
    for index, pepper in enumerate((current_pepper(), *fallback_peppers())):
        if constant_time_equal(hash_secret(lookup_id, secret, pepper), stored):
            return index
    return None
