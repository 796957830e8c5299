"""The private key that signs new tokens: the ``active`` key of an algorithm.

Issuance is a hot path (every refresh), so which key is active is remembered per process for
``SIGNING_KEY_RELOAD_INTERVAL`` and forgotten whenever the verification key store reloads or is
invalidated (a rotation in this process does so at once). A rotation made by another process therefore
applies within that interval; the retiring key keeps verifying far longer (retirement waits for
``ACCESS_TOKEN_LIFETIME + JWT_LEEWAY + SIGNING_KEY_RELOAD_INTERVAL``), so no token is ever orphaned. The
decrypted, parsed private key is cached per process by ``kid`` (a ``kid`` names immutable material).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from django_apiauth.conf import apiauth_settings
from django_apiauth.jwt.keystore import key_store
from django_apiauth.models.signing_keys import SigningKey
from django_apiauth.signing_keys.material import load_private_material
from django_apiauth.signing_keys.rotation import ensure_active_key

_MAX_CACHED = 16


@dataclass(frozen=True)
class SigningMaterial:
    kid: str
    algorithm: str
    key: Any  # private key object, or the HS256 secret bytes

    def __repr__(self) -> str:
        return f"SigningMaterial(kid={self.kid!r}, algorithm={self.algorithm!r})"


class _PrivateKeyCache:
    def __init__(self) -> None:
        self._keys: dict[str, Any] = {}
        self._lock = threading.Lock()

    def get_or_load(self, kid: str, algorithm: str, ciphertext: str) -> Any:
        key = self._keys.get(kid)
        if key is None:
            key = load_private_material((algorithm, ciphertext))
            with self._lock:
                if len(self._keys) >= _MAX_CACHED:
                    self._keys.clear()
                self._keys[kid] = key
        return key

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()


private_key_cache = _PrivateKeyCache()
# algorithm -> (key-store generation, monotonic expiry, material)
_active: dict[str, tuple[int, float, SigningMaterial]] = {}


def active_signing_material(algorithm: str) -> SigningMaterial:
    """Kid and private key of the active key of ``algorithm``, bootstrapping keys on an empty table.

    No query while the remembered answer is fresh (same key-store generation, within the interval).
    """
    generation, now = key_store.generation, time.monotonic()
    remembered = _active.get(algorithm)
    if remembered is not None and remembered[0] == generation and now < remembered[1]:
        return remembered[2]
    material = _load_active(algorithm)
    _active[algorithm] = (generation, now + apiauth_settings.SIGNING_KEY_RELOAD_INTERVAL.total_seconds(), material)
    return material


def _load_active(algorithm: str) -> SigningMaterial:
    row = SigningKey.objects.active(algorithm).values_list("kid", "private_key_ciphertext").first()
    if row is None:
        active = ensure_active_key(algorithm)
        row = (active.kid, active.private_key_ciphertext)
    kid, ciphertext = row
    return SigningMaterial(kid, algorithm, private_key_cache.get_or_load(kid, algorithm, ciphertext))
