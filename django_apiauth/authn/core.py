"""Verifying a request's credential: bearer access tokens first, then API keys (the DRF default order)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from django_apiauth.api_keys.authenticate import authenticate_api_key
from django_apiauth.authn.credentials import read_api_key, read_bearer
from django_apiauth.events.record import record_event
from django_apiauth.exceptions import InvalidToken
from django_apiauth.jwt.access import verify_access_token
from django_apiauth.jwt.subjects import user_for_claims
from django_apiauth.models.events import EventType

JWT = "jwt"
API_KEY = "api_key"


@dataclass(frozen=True)
class Identity:
    """Who a verified credential speaks for: ``user`` and ``auth`` as DRF would set them, and the scheme."""

    user: Any
    auth: Any
    scheme: str


def check_claims(claims: dict[str, Any]) -> None:
    """The default claim validation: the token's session (``sid``) must not be revoked (a cache lookup)."""
    from django_apiauth.refresh.revocation import check_session_not_revoked

    check_session_not_revoked(claims)


def verify_bearer(
    token: str,
    *,
    validate_claims: Callable[[dict[str, Any]], None] = check_claims,
    get_user: Callable[[dict[str, Any]], Any] = user_for_claims,
) -> tuple[Any, dict[str, Any]]:
    """``(user, claims)`` for a valid access token; raises ``InvalidToken`` otherwise."""
    claims = verify_access_token(token)
    validate_claims(claims)
    return get_user(claims), claims


def record_token_rejected(request: HttpRequest, exc: InvalidToken, scheme: str = JWT) -> None:
    """An aggregated ``token_rejected`` event (never the token itself). The explicit anonymous user keeps the
    recorder from evaluating the request's lazy user, which would re-enter authentication."""
    record_event(
        EventType.TOKEN_REJECTED,
        request=request,
        user=AnonymousUser(),
        details={"scheme": scheme, "reason": getattr(exc, "reason", exc.error)},
        aggregate=True,
    )


def authenticate_bearer(request: HttpRequest) -> Identity | None:
    try:
        token = read_bearer(request)
        if token is None:
            return None
        user, claims = verify_bearer(token)
    except InvalidToken as exc:
        record_token_rejected(request, exc)
        raise
    return Identity(user, claims, JWT)


def authenticate_key(request: HttpRequest) -> Identity | None:
    credential = read_api_key(request)
    if credential is None:
        return None
    raw, via_query_param = credential
    user, key = authenticate_api_key(raw, request=request, via_query_param=via_query_param)
    return Identity(user, key, API_KEY)


def authenticate(request: HttpRequest) -> Identity | None:
    """The request's identity, ``None`` when it carries no credential of ours.

    Raises ``InvalidToken`` (``APIKeyRejected`` for keys) for a credential that is present but refused;
    every refusal is recorded as an aggregated event, as the DRF classes do.
    """
    return authenticate_bearer(request) or authenticate_key(request)
