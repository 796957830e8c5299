"""Public keys as JWKs (RFC 7517/7518/8037) and their RFC 7638 thumbprints, with ``cryptography`` only.

The thumbprint is the ``kid`` of asymmetric signing keys: it is derived from the public key alone, so any
verifier can recompute it, and two different keys cannot share one.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from django_apiauth.crypto.keys import PublicKey

#: Members that define a key per ``kty``, hashed by the thumbprint (RFC 7638 §3.2).
THUMBPRINT_MEMBERS = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}
P256_COORDINATE_BYTES = 32


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Inverse of ``b64url``; raises ``ValueError`` (``binascii.Error``) on bad input."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _uint(value: int, length: int | None = None) -> str:
    size = length if length is not None else max(1, (value.bit_length() + 7) // 8)
    return b64url(value.to_bytes(size, "big"))


def public_key_members(public_key: PublicKey) -> dict[str, str]:
    """The key-defining members (``kty`` and its parameters) of a public key."""
    if isinstance(public_key, rsa.RSAPublicKey):
        numbers = public_key.public_numbers()
        return {"kty": "RSA", "n": _uint(numbers.n), "e": _uint(numbers.e)}
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        if not isinstance(public_key.curve, ec.SECP256R1):
            raise ValueError("only the P-256 curve is supported")
        point = public_key.public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": _uint(point.x, P256_COORDINATE_BYTES),
            "y": _uint(point.y, P256_COORDINATE_BYTES),
        }
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 SHA-256 thumbprint: required members, sorted, no whitespace, base64url."""
    members = THUMBPRINT_MEMBERS.get(str(jwk.get("kty")))
    if members is None:
        raise ValueError("unsupported key type")
    canonical = json.dumps({name: jwk[name] for name in members}, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def public_jwk(public_key: PublicKey, *, algorithm: str) -> dict[str, str]:
    """The JWK a JWKS publishes: key members plus ``kid`` (its thumbprint), ``alg`` and ``use: sig``."""
    members = public_key_members(public_key)
    return {**members, "kid": jwk_thumbprint(members), "alg": algorithm, "use": "sig"}


def public_key_from_jwk(jwk: dict[str, Any]) -> PublicKey:
    """Parse a public JWK we published; raises ``ValueError`` for anything else."""
    try:
        kty = jwk["kty"]
        if kty == "RSA":
            n = int.from_bytes(b64url_decode(jwk["n"]), "big")
            e = int.from_bytes(b64url_decode(jwk["e"]), "big")
            return rsa.RSAPublicNumbers(e, n).public_key()
        if kty == "EC" and jwk.get("crv") == "P-256":
            x = int.from_bytes(b64url_decode(jwk["x"]), "big")
            y = int.from_bytes(b64url_decode(jwk["y"]), "big")
            return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
        if kty == "OKP" and jwk.get("crv") == "Ed25519":
            return ed25519.Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
    except (KeyError, TypeError) as exc:
        raise ValueError("malformed JWK") from exc
    raise ValueError("unsupported JWK")
