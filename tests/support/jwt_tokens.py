"""Helpers for the JWT tests: forging tokens with chosen headers, claims and keys."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from django_apiauth.conf import apiauth_settings
from django_apiauth.jwt import access
from django_apiauth.jwt.access import AccessToken
from django_apiauth.models.signing_keys import SigningKey, SigningKeyState
from django_apiauth.signing_keys.material import load_private_material
from django_apiauth.signing_keys.rotation import ensure_active_key


def b64(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64json(value: Any) -> str:
    return b64(json.dumps(value, separators=(",", ":")))


def sign(algorithm: str, key: Any, message: bytes) -> bytes:
    """An independent signer written against ``cryptography`` (not our code, not PyJWT)."""
    if algorithm == "RS256":
        assert isinstance(key, rsa.RSAPrivateKey)
        return key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    if algorithm == "ES256":
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        r, s = decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    if algorithm == "EdDSA":
        assert isinstance(key, ed25519.Ed25519PrivateKey)
        return key.sign(message)
    if algorithm == "HS256":
        mac = hmac.HMAC(key, hashes.SHA256())
        mac.update(message)
        return mac.finalize()
    raise ValueError(algorithm)


def standard_claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": apiauth_settings.JWT_ISSUER,
        "sub": "1",
        "aud": apiauth_settings.JWT_AUDIENCE,
        "exp": now + 300,
        "iat": now,
        "jti": "test-jti",
        "scope": "read",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def forge(
    claims: dict[str, Any],
    *,
    key: SigningKey | None = None,
    header: dict[str, Any] | None = None,
    sign_as: str | None = None,
    secret: Any = None,
) -> str:
    """A token signed with ``key``'s real private material (or ``secret`` as ``sign_as``)."""
    key = key or active_key()
    head = {"alg": key.algorithm, "kid": key.kid, "typ": "at+jwt"} if header is None else header
    signing_input = f"{b64json(head)}.{b64json(claims)}".encode()
    algorithm = sign_as or key.algorithm
    material = secret if secret is not None else load_private_material(key.algorithm, key.private_key_ciphertext)
    return f"{signing_input.decode()}.{b64(sign(algorithm, material, signing_input))}"


def active_key(algorithm: str | None = None) -> SigningKey:
    return ensure_active_key(algorithm)


def keys_in(state: SigningKeyState, algorithm: str = "RS256") -> list[SigningKey]:
    return list(SigningKey.objects.filter(state=state, algorithm=algorithm))


def issue_access_token(user: Any, **kwargs: Any) -> AccessToken:
    """Issue as the login service does: keys of ``JWT_ALGORITHM`` are created first on an empty table
    (the JWT layer itself only reads keys)."""
    ensure_active_key()
    return access.issue_access_token(user, **kwargs)
