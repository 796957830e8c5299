"""The private key that signs new tokens: the ``active`` key of an algorithm.

Issuance is a hot path (every refresh), so which key is active is remembered per process for
``SIGNING_KEY_RELOAD_INTERVAL`` and forgotten whenever the verification key store reloads or is
invalidated (a rotation in this process does so at once). A rotation made by another process therefore
applies within that interval; the retiring key keeps verifying far longer (retirement waits for
``ACCESS_TOKEN_LIFETIME + JWT_LEEWAY + SIGNING_KEY_RELOAD_INTERVAL``), so no token is ever orphaned. The
decrypted, parsed private key is cached per process by ``kid`` (a ``kid`` names immutable material).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django_apiauth.conf import apiauth_settings
from django_apiauth.crypto.encryption import KeyDecryptionError
from django_apiauth.exceptions import ConfigurationError, NoSigningKey, TemporarilyUnavailable
from django_apiauth.jwt.keystore import key_store
from django_apiauth.localcache import LocalCache, local_cache
from django_apiauth.models.signing_keys import SigningKey
from django_apiauth.signing_keys.material import load_private_material

logger = logging.getLogger("django_apiauth.signing_keys")


class SigningKeyUnavailable(TemporarilyUnavailable):
    """No token can be signed: the active key cannot be decrypted (or the encryption keys are invalid).

    The client gets a plain 503; which setting is wrong is for the operator's log and ``check --deploy``
    (``apiauth.E017``), never for the response body.
    """


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
#: Messages about unusable signing keys this process already logged: one clear line each, not one per request.
_reported: LocalCache[bool] = local_cache(
    "jwt.reported_key_errors",
    maxsize=16,
    size="16 messages",
    staleness="none needed: only decides whether a log line was already written",
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
    try:
        return _decrypt_active(algorithm)
    except NoSigningKey:
        raise  # the caller creates the first key
    except ConfigurationError as exc:
        _report_once(algorithm, exc)
        raise SigningKeyUnavailable() from exc


def _report_once(algorithm: str, exc: ConfigurationError) -> None:
    if isinstance(exc, KeyDecryptionError):
        message = (
            f"the active {algorithm} signing key cannot be decrypted with APIAUTH['KEY_ENCRYPTION_KEYS']: no token "
            "can be issued. Restore the encryption key it was stored with (keep it in the list; see "
            "`manage.py check --deploy`, apiauth.E017)."
        )
    else:
        message = f"no {algorithm} token can be issued: {exc.description}"
    if not _reported.get(message):
        _reported.set(message, True)
        logger.error(message)


def _decrypt_active(algorithm: str) -> SigningMaterial:
    row = SigningKey.objects.active(algorithm).values_list("kid", "private_key_ciphertext").first()
    if row is None:
        raise NoSigningKey(f"No {algorithm} signing key is active.")
    kid, ciphertext = row
    key = private_keys.get(kid)
    if key is None:
        key = load_private_material(algorithm, ciphertext)
        private_keys.set(kid, key)
    return SigningMaterial(kid, algorithm, key)
