"""Verifying a request's credential: bearer access tokens first, then API keys (the DRF default order)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from django_apiauth.api_keys.authenticate import KEY_VARIABLES, authenticate_api_key
from django_apiauth.authn.credentials import read_api_key, read_bearer
from django_apiauth.conf import ApiAuthSettings, user_settings
from django_apiauth.events.record import count_aggregated, record_event
from django_apiauth.exceptions import InvalidToken
from django_apiauth.jwt.access import is_client_token, signing_kid, verify_access_token
from django_apiauth.jwt.subjects import user_for_claims
from django_apiauth.models.events import EventType
from django_apiauth.monitoring import usage
from django_apiauth.oauth.principal import check_client_live, live_client_principal
from django_apiauth.refresh.revocation import check_session_not_revoked
from django_apiauth.refresh.service import FIRST_PARTY_CLIENT_ID

JWT = "jwt"
API_KEY = "api_key"
_MONITOR_CREDENTIAL_USE = ApiAuthSettings.MONITOR_CREDENTIAL_USE
_TOKEN_REJECTED = str(EventType.TOKEN_REJECTED)


@dataclass(frozen=True)
class Identity:
    """Who a verified credential speaks for: ``user`` and ``auth`` as DRF would set them, and the scheme."""

    user: Any
    auth: Any
    scheme: str


def check_claims(claims: dict[str, Any]) -> None:
    """The default claim validation: the token's session (``sid``) must not be revoked (a cache lookup)."""
    check_session_not_revoked(claims)


def database_user(claims: dict[str, Any]) -> Any:
    """The active user of a user's token; a token issued to a third-party OAuth client also needs that
    client to be live (deactivating a client ends its users' access tokens, not only their refreshes)."""
    client_id = claims.get("client_id")
    if client_id is not None and client_id != FIRST_PARTY_CLIENT_ID:
        check_client_live(claims, own_token=False)
    return user_for_claims(claims)


def count_token_use(token: str, claims: dict[str, Any]) -> None:
    """The opt-in use counters of a verified token: its signing key, and the OAuth client it was issued to."""
    kid = signing_kid(token)
    if kid is not None:
        usage.count_use("signing_key", kid)
    client_id = claims.get("client_id")
    if client_id is not None and client_id != FIRST_PARTY_CLIENT_ID:
        usage.count_use("client", client_id)


def verify_bearer(
    token: str,
    *,
    validate_claims: Callable[[dict[str, Any]], None] = check_claims,
    get_user: Callable[[dict[str, Any]], Any] = database_user,
    get_client: Callable[[dict[str, Any]], Any] = live_client_principal,
) -> tuple[Any, Any]:
    """``(user, claims)`` for a valid access token; raises ``InvalidToken`` otherwise.

    An OAuth client's own token (``client_credentials``) gives ``(AnonymousUser, get_client(claims))``: a
    client acting for itself is never a user, whatever its id looks like (``gty`` decides, not ``sub``).
    """
    values = user_settings()  # one read of the project settings for the whole verification
    claims = verify_access_token(token, values)
    validate_claims(claims)
    if values.get(_MONITOR_CREDENTIAL_USE.name, _MONITOR_CREDENTIAL_USE.default):  # as jwt.access reads its keys
        count_token_use(token, claims)
    if is_client_token(claims):
        return AnonymousUser(), get_client(claims)
    return get_user(claims), claims


def record_token_rejected(request: HttpRequest, exc: InvalidToken, scheme: str = JWT) -> None:
    """An aggregated ``token_rejected`` event (never the token itself). The explicit anonymous user keeps the
    recorder from evaluating the request's lazy user, which would re-enter authentication.

    Refusals come in floods: past the first of its window, one is only counted, and its details and user are
    never built.
    """
    if count_aggregated(_TOKEN_REJECTED, request):
        return
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


@sensitive_variables(*KEY_VARIABLES)
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
