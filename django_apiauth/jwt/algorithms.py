"""The one place PyJWT is imported: its JWA algorithm objects sign and verify on pre-parsed keys.

We use PyJWT's ``Algorithm`` implementations (RFC 7518 encodings such as ECDSA raw signatures) but not
``jwt.decode``: our verifier (``jwt.codec``) picks the algorithm from the key found by ``kid`` and parses
each key once per process, which makes verification about 3x cheaper than ``jwt.decode``. RS256, the
default, is verified by ``cryptography`` directly with padding and hash objects built once: PyJWT's
``RSAAlgorithm.verify`` does exactly that call but builds both objects on every verification.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from jwt.algorithms import Algorithm, get_default_algorithms
from jwt.exceptions import PyJWTError

from django_apiauth.crypto.keys import RS256, SUPPORTED_ALGORITHMS

Verifier = Callable[[bytes, bytes], bool]

_ALGORITHMS: dict[str, Algorithm] = {
    name: impl for name, impl in get_default_algorithms().items() if name in SUPPORTED_ALGORITHMS
}


def _algorithm(name: str) -> Algorithm:
    try:
        return _ALGORITHMS[name]
    except KeyError:
        raise ValueError(f"unsupported algorithm {name!r}") from None


def sign(algorithm: str, message: bytes, key: Any) -> bytes:
    """JWS signature of ``message`` (RFC 7515 §5.1) with a private key object or an HS256 secret."""
    return _algorithm(algorithm).sign(message, key)


#: RFC 7518 §3.3: RS256 is RSASSA-PKCS1-v1_5 with SHA-256. Both objects are stateless descriptions.
_PKCS1V15 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()


def make_verifier(algorithm: str, key: Any) -> Verifier:
    """A ``verify(message, signature) -> bool`` bound to one parsed key; it never raises for bad input."""
    if algorithm == RS256 and isinstance(key, rsa.RSAPublicKey):
        return _rsa_verifier(key)
    verify = _algorithm(algorithm).verify

    def verifier(message: bytes, signature: bytes) -> bool:
        try:
            return bool(verify(message, key, signature))
        except (PyJWTError, ValueError, TypeError):
            return False

    return verifier


def _rsa_verifier(key: rsa.RSAPublicKey) -> Verifier:
    rsa_verify = key.verify

    def verifier(message: bytes, signature: bytes) -> bool:
        try:
            rsa_verify(signature, message, _PKCS1V15, _SHA256)
        except (InvalidSignature, ValueError, TypeError):
            return False
        return True

    return verifier
