"""The private key that signs new tokens: the ``active`` key of an algorithm.

Issuance is a hot path (every refresh), so which key is active is remembered per process for
``SIGNING_KEY_RELOAD_INTERVAL`` and forgotten whenever the verification key store reloads or is
invalidated (a rotation in this process does so at once). A rotation made by another process therefore
applies within that interval; the retiring key keeps verifying far longer (retirement waits for
``ACCESS_TOKEN_LIFETIME + JWT_LEEWAY + SIGNING_KEY_RELOAD_INTERVAL``), so no token is ever orphaned. The
decrypted, parsed private key is cached per process by ``kid`` (a ``kid`` names immutable material).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django_apiauth.conf import apiauth_settings
from django_apiauth.exceptions import NoSigningKey
from django_apiauth.jwt.keystore import key_store
from django_apiauth.localcache import LocalCache, local_cache
from django_apiauth.models.signing_keys import SigningKey
from django_apiauth.signing_keys.material import load_private_material


@dataclass(frozen=True)
class SigningMaterial:
    kid: str
    algorithm: str
    key: Any  # private key object, or the HS256 secret bytes

    def __repr__(self) -> str:
        return f"SigningMaterial(kid={self.kid!r}, algorithm={self.algorithm!r})"


#: kid -> decrypted, parsed private key.
private_keys: LocalCache[Any] = local_cache(
    "jwt.private_keys",
    maxsize=16,
    size="16 keys",
    staleness="none needed: a kid names immutable material, and only the active key is asked for",
)
#: (algorithm, key-store generation) -> the material of the active key.
active_material: LocalCache[SigningMaterial] = local_cache(
    "jwt.active_signing_keys",
    maxsize=16,
    size="16 algorithm/generation pairs",
    staleness="`SIGNING_KEY_RELOAD_INTERVAL` (5 s); a rotation in this process applies at once",
)


def active_signing_material(algorithm: str) -> SigningMaterial:
    """Kid and private key of the active key of ``algorithm``; raises ``NoSigningKey`` when there is none.

    No query while the remembered answer is fresh (same key-store generation, within the interval). Keys are
    created by ``signing_keys`` (``migrate``, ``rotate_keys``, the services that issue tokens), never here.
    """
    cache_key = (algorithm, key_store.generation)
    remembered = active_material.get(cache_key)
    if remembered is not None:
        return remembered
    material = _load_active(algorithm)
    active_material.set(cache_key, material, apiauth_settings.SIGNING_KEY_RELOAD_INTERVAL.total_seconds())
    return material


def _load_active(algorithm: str) -> SigningMaterial:
    row = SigningKey.objects.active(algorithm).values_list("kid", "private_key_ciphertext").first()
    if row is None:
        raise NoSigningKey(f"No {algorithm} signing key is active.")
    kid, ciphertext = row
    key = private_keys.get(kid)
    if key is None:
        key = load_private_material(algorithm, ciphertext)
        private_keys.set(kid, key)
    return SigningMaterial(kid, algorithm, key)
