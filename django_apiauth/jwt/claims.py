"""Claims of RFC 9068 access tokens: building them and checking the registered ones.

Times are seconds since the epoch from ``time.time()``; numbers must be finite JSON numbers (not booleans,
not strings), because a lenient parser is how ``exp: "never"`` becomes a token that never expires.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterable
from typing import Any, TypeGuard

from django_apiauth.jwt.errors import InvalidClaims, TokenExpired, TokenNotYetValid

#: RFC 6749 §3.3 scope-token: printable ASCII except space, double quote and backslash.
_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")
_OPTIONAL_STRINGS = ("scope", "sid", "client_id", "gty")
_FLOAT_MAX = int(sys.float_info.max)
_FLOAT_MIN = -_FLOAT_MAX


def scope_claim(scopes: Iterable[str]) -> str:
    """Space-delimited scope string (RFC 9068 §2.2.3.1), order kept, duplicates dropped.

    Raises ``ValueError`` for a scope that is not an RFC 6749 scope-token (a programming error).
    """
    unique: dict[str, None] = {}
    for scope in scopes:
        if not isinstance(scope, str) or not _SCOPE_TOKEN.fullmatch(scope):
            raise ValueError(f"invalid scope {scope!r}")
        unique[scope] = None
    return " ".join(unique)


def is_number(value: object) -> TypeGuard[float]:
    """A finite JSON number: ``bool`` (an ``int`` subclass), strings and NaN/Infinity are refused, and so are
    integers beyond the float range (``math.isfinite`` raises ``OverflowError`` on them; no real time is that
    far out, and ``exp + leeway`` comparisons must stay plain float arithmetic)."""
    if type(value) is int:
        return _FLOAT_MIN <= value <= _FLOAT_MAX
    return type(value) is float and math.isfinite(value)


def check_registered_claims(claims: dict[str, Any], now: float, leeway: float, issuer: str, audience: str) -> None:
    """The registered claims of RFC 9068 §4, checked in this order (the first failure is the one reported):

    - times: ``exp`` required and in the future, ``iat`` required and not in the future, ``nbf`` if present;
    - identity: ``iss`` and ``aud`` must be ours; ``sub`` and ``jti`` non-empty strings; ``scope``, ``sid``,
      ``client_id`` and ``gty`` strings when present;
    - authentication: ``amr`` (RFC 8176) a list of strings and ``auth_time`` a number, when present
      (permissions read them).

    One function, because it runs on every request, with every token.
    """
    get = claims.get
    exp = get("exp")
    # ``type(x) is int and ...`` is ``is_number`` inlined for the integers issuers write: the call would cost
    # as much as the check. Any other value still goes through ``is_number``.
    if not (type(exp) is int and _FLOAT_MIN <= exp <= _FLOAT_MAX) and not is_number(exp):
        raise InvalidClaims("The access token has no valid exp claim.")
    if now >= exp + leeway:
        raise TokenExpired()
    iat = get("iat")
    if not (type(iat) is int and _FLOAT_MIN <= iat <= _FLOAT_MAX) and not is_number(iat):
        raise InvalidClaims("The access token has no valid iat claim.")
    nbf = get("nbf", iat)
    if nbf is not iat and not is_number(nbf):
        raise InvalidClaims("The access token has an invalid nbf claim.")
    latest = now + leeway
    if iat > latest or nbf > latest:
        raise TokenNotYetValid()
    if get("iss") != issuer:
        raise InvalidClaims("The access token was issued by another issuer.")
    aud = get("aud")
    if not (aud == audience or (isinstance(aud, list) and audience in aud)):
        raise InvalidClaims("The access token is meant for another audience.")
    sub = get("sub")
    if not isinstance(sub, str) or not sub:
        raise InvalidClaims("The access token has no valid sub claim.")
    jti = get("jti")
    if not isinstance(jti, str) or not jti:
        raise InvalidClaims("The access token has no valid jti claim.")
    for name in _OPTIONAL_STRINGS:
        if name in claims and not isinstance(claims[name], str):
            raise InvalidClaims(f"The access token has an invalid {name} claim.")
    if "amr" in claims:
        amr = claims["amr"]
        if not isinstance(amr, list) or not all(isinstance(method, str) for method in amr):
            raise InvalidClaims("The access token has an invalid amr claim.")
    if "auth_time" in claims and not is_number(claims["auth_time"]):
        raise InvalidClaims("The access token has an invalid auth_time claim.")
