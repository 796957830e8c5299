"""JWS compact serialisation of access tokens (RFC 7515 §7.1) and its strict, allocation-light verifier.

Verification order matters: size first (before any parsing), then shape, header, key by ``kid``,
signature, and only then the payload. The algorithm is the one of the key found by ``kid``; the header's
``alg`` must merely agree with it, which rules out ``alg: none`` and algorithm confusion by construction.
"""

from __future__ import annotations

import base64
import binascii
import json
import json.scanner
from collections.abc import Callable
from typing import Any, cast

from django_apiauth.jwt import algorithms
from django_apiauth.jwt.errors import (
    BadSignature,
    MalformedToken,
    TokenRejected,
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
_JSON_SEPARATORS = (",", ":")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_ALPHABET_BYTES = _ALPHABET.encode("ascii")
#: Last characters whose unused low bits are zero, by segment length modulo 4 (2: four bits unused, 3: two);
#: a length of 0 modulo 4 uses every bit, and 1 modulo 4 is no base64 at all (the decoder refuses it).
_CANONICAL_LAST = {2: frozenset(_ALPHABET[::16]), 3: frozenset(_ALPHABET[::4])}
_ANY_LAST = frozenset(_ALPHABET)
#: base64url to the standard alphabet; the standard-only characters become ``!``, which decoding drops.
_TO_STANDARD_ALPHABET = bytes.maketrans(b"-_+/=", b"+/!!!")
_PADDING = (b"", b"", b"==", b"=")
#: The scanner behind ``json.loads`` (the C one when available): ``(value, end)`` of the JSON value at an index.
_scan_json = json.scanner.make_scanner(cast(Any, json.JSONDecoder()))
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


def is_compact(token: str) -> bool:
    """The shape of a compact JWS: three non-empty base64url segments joined by dots (RFC 7515 §7.1).

    What the regular expression ``[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+){2}`` would say, from one pass of
    ``bytes.translate`` deleting the alphabet (only the two dots may be left), several times cheaper on a
    token of a few hundred characters.
    """
    return (
        token.isascii()
        and token.encode("ascii").translate(None, _ALPHABET_BYTES) == b".."
        and token[0] != "."
        and token[-1] != "."
        and ".." not in token
    )


def _is_segment(segment: str) -> bool:
    """One non-empty base64url segment without padding: what ``[A-Za-z0-9_-]+`` matches (``bytes.isalnum`` is
    ASCII-only)."""
    return segment.isascii() and segment.encode("ascii").replace(b"-", b"A").replace(b"_", b"A").isalnum()


def _b64decode(segment: str) -> bytes:
    """The bytes of a base64url segment (RFC 7515 §2, no padding); any other character is refused.

    The lenient decoder skips characters outside its alphabet instead of refusing them, so the check is
    on the length: every kept character yields six bits, and a dropped one leaves fewer bytes than the
    segment's length promises. ``+``, ``/`` and ``=`` (standard base64, not base64url) are mapped to a
    character the decoder drops. No regular expression runs on this path.
    """
    try:
        data = segment.encode("ascii").translate(_TO_STANDARD_ALPHABET)
    except UnicodeEncodeError as exc:
        raise MalformedToken() from exc
    size = len(data)
    if size % 4 == 1:  # not base64: with one dropped character it could otherwise pass the length check
        raise MalformedToken()
    try:
        decoded = binascii.a2b_base64(data + _PADDING[size % 4])
    except binascii.Error as exc:
        raise MalformedToken() from exc
    if len(decoded) != size * 3 // 4:
        raise MalformedToken()
    return decoded


def _json_object(segment: str) -> dict[str, Any]:
    """The JSON object a segment encodes; exactly what ``json.loads`` accepts, and nothing else.

    A compact object (what every issuer writes) is read by the JSON module's own scanner in one call:
    ``json.loads`` gets there through two whitespace matches and three Python-level calls. Anything
    else (whitespace around the object, trailing data, not an object) is left to ``json.loads``.
    """
    try:
        text = _b64decode(segment).decode("utf-8")  # RFC 7519 §7.2: the JSON is UTF-8
        if text[:1] == "{":
            value, end = _scan_json(text, 0)
            if end == len(text):
                return value  # type: ignore[no-any-return]
        value = json.loads(text)
    except (ValueError, RecursionError, StopIteration) as exc:  # UnicodeDecodeError is a ValueError
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
    ``UnacceptableHeader``, ``UnknownSigningKey``, ``BadSignature``. A token whose header segment is one of
    ``known_headers`` skips the shape check and the header parse: its segments are decoded exactly (which
    refuses any character outside base64url) and nothing from the payload is read before the signature
    verified. A refusal on that path still names the first failed check in the full order.
    """
    if len(token) > max_length:
        raise TokenTooLarge()
    header_segment, _, rest = token.partition(".")
    known = known_headers.get(header_segment)
    if known is None:
        return _decode_new_header(token, find_key)
    alg, kid = known
    payload_segment, _, signature_segment = rest.partition(".")
    try:
        key = _key_for(alg, kid, find_key)
        _verify(key, token[: len(header_segment) + 1 + len(payload_segment)], signature_segment)
    except BadSignature:
        # The header segment is a remembered one and ``_verify`` decoded the signature segment exactly, so the
        # payload segment is the only part left that can be malformed: it alone is checked.
        if not _is_segment(payload_segment):
            raise MalformedToken() from None
        raise
    except TokenRejected:
        if not is_compact(token):
            raise MalformedToken() from None
        raise
    return kid, _json_object(payload_segment)


def _decode_new_header(token: str, find_key: Callable[[str], VerificationKey | None]) -> tuple[str, dict[str, Any]]:
    if not is_compact(token):
        raise MalformedToken()
    header_segment, payload_segment, signature_segment = token.split(".")
    alg, kid = _checked_header(_json_object(header_segment))
    key = _key_for(alg, kid, find_key)
    known_headers.set(header_segment, (alg, kid))
    _verify(key, token[: len(header_segment) + 1 + len(payload_segment)], signature_segment)
    return kid, _json_object(payload_segment)


def _key_for(alg: str, kid: str, find_key: Callable[[str], VerificationKey | None]) -> VerificationKey:
    """The key named by ``kid``; the header's ``alg`` must be that key's algorithm (no algorithm confusion)."""
    key = find_key(kid)
    if key is None:
        raise UnknownSigningKey()
    if alg != key.algorithm:
        raise UnacceptableHeader("The access token algorithm does not match its key.")
    return key


def _verify(key: VerificationKey, signing_input: str, signature_segment: str) -> None:
    """Verify the signature, decoded from its one canonical spelling only.

    base64 leaves the low bits of a last character unused; a lenient decoder maps several spellings to the
    same bytes, which would make one signed token into several valid token strings (anything keyed by the
    token text - caches, deny lists, logs - would see different tokens). With the alphabet checked by
    ``_b64decode``, the one other way to spell the same bytes is a last character with some of those bits set.
    """
    try:
        message = signing_input.encode("ascii")
    except UnicodeEncodeError as exc:
        raise MalformedToken() from exc
    signature = _b64decode(signature_segment)
    if not signature_segment or signature_segment[-1] not in _CANONICAL_LAST.get(len(signature_segment) % 4, _ANY_LAST):
        raise MalformedToken()
    if not key.verify(message, signature):
        raise BadSignature()
