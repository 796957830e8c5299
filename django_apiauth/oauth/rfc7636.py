"""PKCE (RFC 7636) with ``S256`` only: ``plain`` and a missing method are refused (RFC 9700 §2.1.1)."""

from __future__ import annotations

import base64
import hashlib
import re

from django_apiauth.crypto.keyed_hash import constant_time_equal

SUPPORTED_METHODS = ("S256",)
# §4.1: 43 to 128 unreserved characters; an S256 challenge is the 43-character base64url SHA-256.
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")


def is_valid_challenge(challenge: object, method: object) -> bool:
    """Whether an authorization request carries a usable ``S256`` challenge."""
    return method == "S256" and isinstance(challenge, str) and _CHALLENGE.fullmatch(challenge) is not None


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verifier_matches(verifier: object, challenge: str) -> bool:
    """§4.6: ``BASE64URL(SHA256(verifier)) == challenge``; a malformed verifier never matches."""
    if not isinstance(verifier, str) or _VERIFIER.fullmatch(verifier) is None:
        return False
    return constant_time_equal(s256(verifier), challenge)
