"""Per-process cache of verification keys: parsed once, looked up by ``kid`` with no database query.

The key set is loaded in one query and kept until ``SIGNING_KEY_CACHE_TTL`` has passed or it is invalidated
(the rotation service does so in its own process). A token with an unknown ``kid`` triggers a reload only
if none happened in the last ``SIGNING_KEY_RELOAD_INTERVAL``: a key rotated by another worker or by the
command is picked up without restart, while a flood of random ``kid``s costs one query per interval.
Keys of the previous snapshot are reused by ``kid`` (a ``kid`` names immutable material), so each public
key is parsed once per process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django_apiauth.blocking import blocking_point
from django_apiauth.conf import apiauth_settings
from django_apiauth.crypto import encryption, jwk
from django_apiauth.crypto.keys import HS256
from django_apiauth.jwt.algorithms import Verifier, make_verifier
from django_apiauth.localcache import register
from django_apiauth.models.signing_keys import SigningKey
from django_apiauth.signing_keys.material import load_private_material

logger = logging.getLogger("django_apiauth")
_NEVER = float("-inf")


@dataclass(frozen=True)
class VerificationKey:
    """A parsed key: its algorithm decides how tokens naming its ``kid`` are verified."""

    kid: str
    algorithm: str
    verify: Verifier


def _parse(kid: str, algorithm: str, public_jwk: dict[str, object], ciphertext: str) -> VerificationKey:
    if algorithm == HS256:
        key: object = load_private_material(HS256, ciphertext)
    else:
        key = jwk.public_key_from_jwk(public_jwk)
    return VerificationKey(kid=kid, algorithm=algorithm, verify=make_verifier(algorithm, key))


class KeyStore:
    """Thread-safe ``kid -> VerificationKey`` map with bounded staleness and throttled reloads."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._keys: dict[str, VerificationKey] = {}
        self._expires_at = _NEVER
        self._loaded_at = _NEVER
        self._generation = 0
        self._lock = threading.Lock()

    def get(self, kid: str) -> VerificationKey | None:
        """The key for ``kid``; may reload (one query) when stale or, throttled, when ``kid`` is unknown."""
        now = self.clock()
        generation = self._generation
        keys = self._keys if now < self._expires_at else self._reload(generation)
        key = keys.get(kid)
        if key is None and now - self._loaded_at >= apiauth_settings.SIGNING_KEY_RELOAD_INTERVAL.total_seconds():
            key = self._reload(generation).get(kid)
        return key

    @property
    def generation(self) -> int:
        """Changes whenever the key set is reloaded or invalidated (lets issuance caches follow it)."""
        return self._generation

    def invalidate(self) -> None:
        """Forget the snapshot: the next lookup reloads, whatever the throttle says."""
        with self._lock:
            self._expires_at = _NEVER
            self._loaded_at = _NEVER
            self._generation += 1

    def clear(self) -> None:
        """The cache layer's name for ``invalidate`` (``testing.clear_caches``)."""
        self.invalidate()

    def _reload(self, seen_generation: int) -> dict[str, VerificationKey]:
        blocking_point()  # a database query
        with self._lock:
            if self._generation != seen_generation and self.clock() < self._expires_at:
                return self._keys  # another thread reloaded while we waited for the lock
            self._keys = self._load(self._keys)
            self._generation += 1
            self._loaded_at = self.clock()
            self._expires_at = self._loaded_at + apiauth_settings.SIGNING_KEY_CACHE_TTL.total_seconds()
            return self._keys

    @staticmethod
    def _load(previous: dict[str, VerificationKey]) -> dict[str, VerificationKey]:
        rows = SigningKey.objects.verifying().values_list("kid", "algorithm", "public_jwk", "private_key_ciphertext")
        keys: dict[str, VerificationKey] = {}
        for kid, algorithm, public_jwk, ciphertext in rows:
            known = previous.get(kid)
            if known is not None and known.algorithm == algorithm:
                keys[kid] = known
                continue
            try:
                keys[kid] = _parse(kid, algorithm, public_jwk, ciphertext)
            except (ValueError, encryption.KeyDecryptionError):
                logger.error("signing key %s (%s) cannot be loaded and is ignored", kid, algorithm)
        return keys


#: The process-wide store used by ``verify_access_token``.
key_store = KeyStore()
register(
    "jwt.key_store",
    key_store,
    size="every verifying key (next, active, retiring)",
    staleness="`SIGNING_KEY_CACHE_TTL` (60 s); an unknown kid reloads at most once per "
    "`SIGNING_KEY_RELOAD_INTERVAL`; rotation and retirement in this process reload at once",
)
