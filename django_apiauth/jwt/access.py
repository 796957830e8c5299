"""Access tokens (RFC 9068 JWT profile): issue and verify. The public API of ``django_apiauth.jwt``.

Issued tokens carry header ``{"typ": "at+jwt", "alg", "kid"}`` and claims ``iss``, ``sub``, ``aud``,
``exp``, ``iat``, ``jti``, plus ``scope``, ``sid`` (refresh family) and ``client_id`` when given, and
``auth_time`` / ``amr`` (RFC 8176 methods such as ``pwd``, ``otp``) saying when and how the user authenticated.
A client's own token (OAuth ``client_credentials``) carries ``gty`` instead of a user's claims.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.http import HttpRequest

from django_apiauth.conf import ApiAuthSettings, apiauth_settings, user_settings
from django_apiauth.crypto.keys import HS256
from django_apiauth.exceptions import ConfigurationError
from django_apiauth.jwt import codec
from django_apiauth.jwt.claims import check_registered_claims, scope_claim
from django_apiauth.jwt.custom_claims import custom_claims
from django_apiauth.jwt.errors import TokenTooLarge
from django_apiauth.jwt.keystore import VerificationKey, key_store
from django_apiauth.jwt.signing import active_signing_material
from django_apiauth.jwt.verified_tokens import remember, verified_tokens

#: ``gty`` of a client's own token: the grant type it came from.
CLIENT_CREDENTIALS = "client_credentials"


@dataclass(frozen=True)
class AccessToken:
    """An issued token; ``repr`` leaves the bearer credential out."""

    token: str = field(repr=False)
    expires_in: int
    jti: str
    claims: dict[str, Any]


def issue_access_token(
    user: Any,
    *,
    scopes: Iterable[str] = (),
    sid: str | None = None,
    client_id: str | None = None,
    amr: Sequence[str] = (),
    auth_time: int | None = None,
    request: HttpRequest | None = None,
) -> AccessToken:
    """Sign a new access token for ``user`` with the active ``JWT_ALGORITHM`` key.

    ``sub`` is ``str(user.pk)``; the ``ACCESS_TOKEN_CLAIMS`` hook adds its claims (``jwt.custom_claims``).
    Raises ``ValueError`` for a scope that is not an RFC 6749 scope-token, ``ClaimsHookError`` for a hook
    that returns a registered claim or something else than a JSON object, ``ConfigurationError`` for
    HS256 without ``JWT_ALLOW_HS256`` (system check E012 reports it first) and ``NoSigningKey`` when no key
    is active (``signing_keys.rotation.ensure_active_key`` creates one).
    """
    material = _signing_material()
    scopes = tuple(scopes)
    claims: dict[str, Any] = custom_claims(user, scopes=scopes, request=request)
    claims |= _registered_claims(str(user.pk))
    optional: dict[str, Any] = {"scope": scope_claim(scopes), "sid": sid, "client_id": client_id, "amr": list(amr)}
    claims.update({name: value for name, value in optional.items() if value})
    if auth_time is not None:
        claims["auth_time"] = auth_time
    return _signed(claims, material)


def issue_client_access_token(client_id: str, *, scopes: Iterable[str] = ()) -> AccessToken:
    """A ``client_credentials`` token (RFC 9068 §2.2): ``sub`` and ``client_id`` are the client's id.

    ``gty`` marks it as a client's own token. The authentication classes trust that claim, never the shape
    of ``sub``, to tell a client from a user: a client id may be any string, even a user's primary key. No
    custom claims: the hook speaks of users.
    """
    claims = _registered_claims(client_id) | {"client_id": client_id, "gty": CLIENT_CREDENTIALS}
    scope = scope_claim(scopes)
    if scope:
        claims["scope"] = scope
    return _signed(claims, _signing_material())


def _signing_material() -> Any:
    """The active key of ``JWT_ALGORITHM``; HS256 only with ``JWT_ALLOW_HS256`` (system check E012)."""
    algorithm = apiauth_settings.JWT_ALGORITHM
    if algorithm == HS256 and not apiauth_settings.JWT_ALLOW_HS256:
        raise ConfigurationError("JWT_ALGORITHM is HS256 but JWT_ALLOW_HS256 is not set.")
    return active_signing_material(algorithm)


def _registered_claims(subject: str) -> dict[str, Any]:
    """RFC 9068 §2.2's registered claims of a token issued now, with a fresh ``jti``."""
    now = int(time.time())
    return {
        "iss": apiauth_settings.JWT_ISSUER,
        "sub": subject,
        "aud": apiauth_settings.JWT_AUDIENCE,
        "exp": now + int(apiauth_settings.ACCESS_TOKEN_LIFETIME.total_seconds()),
        "iat": now,
        "jti": secrets.token_urlsafe(16),
    }


def _signed(claims: dict[str, Any], material: Any) -> AccessToken:
    token = codec.encode(claims, algorithm=material.algorithm, kid=material.kid, key=material.key)
    return AccessToken(token=token, expires_in=claims["exp"] - claims["iat"], jti=claims["jti"], claims=claims)


def is_client_token(claims: dict[str, Any]) -> bool:
    """Whether verified ``claims`` are a client's own token (``client_credentials``), not a user's."""
    return claims.get("gty") == CLIENT_CREDENTIALS and claims.get("client_id") == claims.get("sub")


#: The keys a verification reads, each from the ``APIAUTH`` dict of the request. None but ``JWT_LEEWAY`` has a
#: conversion, so each is read as ``get(key.name, key.default)``, which is what ``Setting.value_in`` returns for
#: it: the ``methodcaller`` behind ``value_in`` builds a bound ``get`` and an argument tuple on every call, about
#: 1k instructions more per read (1.4k against 0.4k in a loop), and a verification reads seven keys. A test keeps
#: these keys free of conversions.
_MAX_TOKEN_BYTES = ApiAuthSettings.JWT_MAX_TOKEN_BYTES
_ALLOW_HS256 = ApiAuthSettings.JWT_ALLOW_HS256
_MEMORY_SIZE = ApiAuthSettings.JWT_VERIFIED_TOKEN_CACHE_SIZE
_LEEWAY = ApiAuthSettings.JWT_LEEWAY
_ISSUER = ApiAuthSettings.JWT_ISSUER
_AUDIENCE = ApiAuthSettings.JWT_AUDIENCE


def verify_access_token(token: str, values: dict[str, Any] | None = None) -> dict[str, Any]:
    """The verified claims of ``token``, or ``InvalidToken`` (a ``jwt.errors`` leaf saying why).

    No database query unless the key cache is stale or meets an unknown ``kid`` (throttled reload). A
    token whose signature this process verified before skips the signature check (``verified_tokens``);
    its key must still be known, and the time and identity claims are checked on every call. ``values``
    is the project's ``APIAUTH`` dict when the caller has read it already (``conf.user_settings()``): the
    keys are still read at call time, with one read of the project settings per request.
    """
    values = user_settings() if values is None else values
    get = values.get
    max_length: int = get(_MAX_TOKEN_BYTES.name, _MAX_TOKEN_BYTES.default)
    if len(token) > max_length:
        raise TokenTooLarge()  # before any parsing, and before hashing it for the cache
    allow_hs256: bool = get(_ALLOW_HS256.name, _ALLOW_HS256.default)
    memory_size: int = get(_MEMORY_SIZE.name, _MEMORY_SIZE.default)
    remembered = verified_tokens.get(token) if memory_size > 0 else None
    if remembered is not None and _find_key(remembered.kid, allow_hs256) is not None:
        claims = remembered.claims_copy()
        _check_claims(claims, values)
        return claims
    find_key = key_store.get if allow_hs256 else _find_key_but_hs256
    kid, claims = codec.decode_verified(token, max_length=max_length, find_key=find_key)
    _check_claims(claims, values)
    if memory_size > 0:  # only fully valid tokens are remembered
        remember(token, kid, claims, memory_size)
    return claims


def _check_claims(claims: dict[str, Any], values: dict[str, Any]) -> None:
    """``check_registered_claims`` with its keys read from ``values``, the ``APIAUTH`` dict.

    ``JWT_LEEWAY`` goes through its conversion (``as_timedelta``: ``value_in`` and it are two Python calls) only
    when it is not a ``timedelta`` already, as its default is: ``as_timedelta`` returns a ``timedelta`` as is.
    """
    get = values.get
    leeway = get(_LEEWAY.name, _LEEWAY.default)
    check_registered_claims(
        claims,
        time.time(),
        (leeway if type(leeway) is timedelta else _LEEWAY.value_in(values)).total_seconds(),
        get(_ISSUER.name, _ISSUER.default),
        get(_AUDIENCE.name, _AUDIENCE.default),
    )


def _find_key(kid: str, allow_hs256: bool) -> VerificationKey | None:
    return key_store.get(kid) if allow_hs256 else _find_key_but_hs256(kid)


def _find_key_but_hs256(kid: str) -> VerificationKey | None:
    """HS256 keys verify only while the opt-in stands: turning it off disables them at once."""
    key = key_store.get(kid)
    if key is not None and key.algorithm == HS256:
        return None
    return key


def signing_kid(token: str) -> str | None:
    """The ``kid`` of a token this process has just verified (from its memories, no parsing); ``None`` when
    neither remembers it (memories disabled or evicted), which only costs a monitoring count."""
    remembered = verified_tokens.get(token)
    if remembered is not None:
        return remembered.kid
    known = codec.known_headers.get(token.partition(".")[0])
    return known[1] if known is not None else None
