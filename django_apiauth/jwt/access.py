# STAND-IN: replaced by the JWT feature at merge
"""Minimal HS256 access tokens with the JWT feature's interface, so the refresh feature can be built and tested."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import jwt
from django.conf import settings

from django_apiauth.exceptions import InvalidToken

LIFETIME_SECONDS = 300


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_in: int
    jti: str
    claims: dict[str, Any]


def issue_access_token(
    user: Any, *, scopes: Iterable[str] = (), sid: str | None = None, client_id: str | None = None
) -> AccessToken:
    now = int(time.time())
    jti = uuid.uuid4().hex
    claims: dict[str, Any] = {"sub": str(user.pk), "iat": now, "exp": now + LIFETIME_SECONDS, "jti": jti}
    claims["scope"] = " ".join(scopes)
    if sid is not None:
        claims["sid"] = sid
    if client_id is not None:
        claims["client_id"] = client_id
    token = jwt.encode(claims, settings.SECRET_KEY, algorithm="HS256", headers={"typ": "at+jwt", "kid": "stand-in"})
    return AccessToken(token=token, expires_in=LIFETIME_SECONDS, jti=jti, claims=claims)


def verify_access_token(token: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(token, settings.SECRET_KEY, algorithms=["HS256"])
    except jwt.PyJWTError as exc:
        raise InvalidToken() from exc
    return claims
