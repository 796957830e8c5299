"""The one place PyJWT is imported: its JWA algorithm objects sign and verify on pre-parsed keys.

We use PyJWT's ``Algorithm`` implementations (RFC 7518 encodings such as ECDSA raw signatures) but not
``jwt.decode``: our verifier (``jwt.codec``) picks the algorithm from the key found by ``kid`` and parses
each key once per process, which makes verification about 3x cheaper than ``jwt.decode``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jwt.algorithms import Algorithm, get_default_algorithms
from jwt.exceptions import PyJWTError

from django_apiauth.crypto.keys import SUPPORTED_ALGORITHMS

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


def make_verifier(algorithm: str, key: Any) -> Verifier:
    """A ``verify(message, signature) -> bool`` bound to one parsed key; it never raises for bad input."""
    verify = _algorithm(algorithm).verify

    def verifier(message: bytes, signature: bytes) -> bool:
        try:
            return bool(verify(message, key, signature))
        except (PyJWTError, ValueError, TypeError):
            return False

    return verifier
