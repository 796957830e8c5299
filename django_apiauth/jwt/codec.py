"""JWS compact serialisation of access tokens (RFC 7515 §7.1) and its strict, allocation-light verifier.

Verification order matters: size first (before any parsing), then shape, header, key by ``kid``,
signature, and only then the payload. The algorithm is the one of the key found by ``kid``; the header's
``alg`` must merely agree with it, which rules out ``alg: none`` and algorithm confusion by construction.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from typing import Any

from django_apiauth.jwt import algorithms
from django_apiauth.jwt.errors import (
    BadSignature,
    MalformedToken,
    TokenTooLarge,
    UnacceptableHeader,
    UnknownSigningKey,
)
from django_apiauth.jwt.keystore import VerificationKey
from django_apiauth.localcache import LocalCache, local_cache

#: RFC 9068 §2.1 / §4: ``typ`` is ``at+jwt``; the full media type is also accepted, case-insensitively.
ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})
#: Only these header parameters are understood. Anything else (``jku``, ``x5u``, ``jwk``, ``x5c``, ``crit``,
#: ``b64``, ``zip``...) is refused: a header must never bring its own key, URL or processing rule.
ALLOWED_HEADER_NAMES = frozenset({"alg", "kid", "typ"})
_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_JSON_SEPARATORS = (",", ":")
#: Header segment -> (alg, kid) of headers that passed the checks and named a known key. Every token a key
#: signs has the same header, so this skips a base64 + JSON parse per request; only headers naming a known
#: key get in, so its size is bounded by the number of keys (and capped anyway).
known_headers: LocalCache[tuple[str, str]] = local_cache(
    "jwt.known_headers",
    maxsize=64,
    size="64 header segments",
    staleness="none needed: a header's checks depend on its bytes only; its kid is looked up on every use",
)


def _b64encode(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _b64decode(segment: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MalformedToken() from exc


def _signature(segment: str) -> bytes:
    """The signature bytes, from their one canonical spelling only.

    base64 leaves the low bits of a last character unused; a lenient decoder maps several spellings to the
    same bytes, which would make one signed token into several valid token strings (anything keyed by the
    token text - caches, deny lists, logs - would see different tokens).
    """
    signature = _b64decode(segment)
    if _b64encode(signature) != segment.encode("ascii"):
        raise MalformedToken()
    return signature


def _json_object(segment: str) -> dict[str, Any]:
    try:
        value = json.loads(_b64decode(segment))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise MalformedToken() from exc
    if not isinstance(value, dict):
        raise MalformedToken()
    return value


def encode(claims: dict[str, Any], *, algorithm: str, kid: str, key: Any) -> str:
    """A signed compact JWS with header ``{"alg", "kid", "typ": "at+jwt"}``."""
    header = {"alg": algorithm, "kid": kid, "typ": "at+jwt"}
    signing_input = b".".join(
        _b64encode(json.dumps(part, separators=_JSON_SEPARATORS).encode("utf-8")) for part in (header, claims)
    )
    signature = algorithms.sign(algorithm, signing_input, key)
    return (signing_input + b"." + _b64encode(signature)).decode("ascii")


def _checked_header(header: dict[str, Any]) -> tuple[str, str]:
    if not header.keys() <= ALLOWED_HEADER_NAMES:
        raise UnacceptableHeader()
    typ, alg, kid = header.get("typ"), header.get("alg"), header.get("kid")
    if not isinstance(typ, str) or typ.lower() not in ACCESS_TOKEN_TYPES:
        raise UnacceptableHeader("The access token is not of type at+jwt.")
    if not isinstance(alg, str) or not isinstance(kid, str) or not kid:
        raise UnacceptableHeader()
    return alg, kid


def decode_verified(
    token: str, *, max_length: int, find_key: Callable[[str], VerificationKey | None]
) -> tuple[str, dict[str, Any]]:
    """``(kid, claims)`` of a token whose signature verified; registered claims are the caller's job.

    Raises a ``TokenRejected`` leaf: ``TokenTooLarge``, ``MalformedToken`` (segments, base64, JSON),
    ``UnacceptableHeader``, ``UnknownSigningKey``, ``BadSignature``.
    """
    if len(token) > max_length:
        raise TokenTooLarge()
    if _COMPACT.fullmatch(token) is None:
        raise MalformedToken()
    header_segment, payload_segment, signature_segment = token.split(".")
    known = known_headers.get(header_segment)
    alg, kid = known or _checked_header(_json_object(header_segment))
    key = find_key(kid)
    if key is None:
        raise UnknownSigningKey()
    if alg != key.algorithm:
        raise UnacceptableHeader("The access token algorithm does not match its key.")
    if known is None:
        known_headers.set(header_segment, (alg, kid))
    signing_input = token[: len(header_segment) + 1 + len(payload_segment)].encode("ascii")
    if not key.verify(signing_input, _signature(signature_segment)):
        raise BadSignature()
    return kid, _json_object(payload_segment)
