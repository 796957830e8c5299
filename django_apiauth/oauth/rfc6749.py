"""The token endpoint (RFC 6749 §3.2, §4.1.3, §4.4, §6): client authentication and the three grants.

Client authentication (§2.3.1): HTTP Basic or ``client_secret`` in the body, never both; a public client
sends only ``client_id``. Every failure is ``invalid_client`` with the same description, so the answer does
not say whether a client id exists.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from django_apiauth.events.record import record_event
from django_apiauth.exceptions import (
    InvalidClient,
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    UnauthorizedClient,
    UnsupportedGrantType,
)
from django_apiauth.jwt.access import AccessToken, issue_client_access_token
from django_apiauth.lockout import service as lockout
from django_apiauth.models.events import EventType
from django_apiauth.models.oauth import OAuthClient
from django_apiauth.oauth.clients import active_client, secret_matches
from django_apiauth.oauth.codes import exchange_code
from django_apiauth.refresh.service import REFUSED, TokenPair, rotate
from django_apiauth.refresh.tokens import is_well_formed
from django_apiauth.scopes.parsing import parse_scope

CLIENT_REFUSED = "Client authentication failed."
MAX_PARAMETER_LENGTH = 4096


@dataclass(frozen=True)
class TokenResult:
    """What the token endpoint answers: an access token, maybe a refresh token, the granted scope."""

    access: AccessToken = field(repr=False)
    scope: str
    refresh_token: str | None = field(default=None, repr=False)


@sensitive_variables("header", "secret", "decoded")
def authenticate_client(request: HttpRequest, params: Mapping[str, str]) -> OAuthClient:
    """The client making this request, or ``InvalidClient`` / ``InvalidRequest``.

    A network that keeps failing waits (``RateLimited``) before any lookup: its failures count in the same
    per-network counter as refused API keys and refresh tokens.
    """
    lockout.check_allowed("oauth_client", request)
    header = request.META.get("HTTP_AUTHORIZATION", "")
    body_id, body_secret = params.get("client_id"), params.get("client_secret")
    secret: str | None
    if header:
        if body_secret is not None:
            raise InvalidRequest("Send client credentials with HTTP Basic or in the body, not both.")
        client_id, secret = _basic_credentials(header)
        if body_id is not None and body_id != client_id:
            raise InvalidRequest("The client_id in the body differs from the authenticated client.")
    else:
        client_id, secret = body_id or "", body_secret
    client = active_client(client_id)
    if client is None or not _credentials_fit(client, secret):
        details = {"client_id": client_id if client is not None else None, "method": _method(header, secret)}
        record_event(EventType.OAUTH_CLIENT_FAILED, request=request, details=details, aggregate=True)
        lockout.register_failure("oauth_client", request)
        raise InvalidClient(CLIENT_REFUSED)
    details = {"client_id": client.client_id, "method": _method(header, secret)}
    record_event(EventType.OAUTH_CLIENT_AUTHENTICATED, request=request, details=details, aggregate=True)
    return client


def _method(header: str, secret: str | None) -> str:
    return "client_secret_basic" if header else ("client_secret_post" if secret is not None else "none")


@sensitive_variables("secret")
def _credentials_fit(client: OAuthClient, secret: str | None) -> bool:
    if not client.is_confidential:
        return secret is None  # a public client holding a "secret" is a confused or forged one
    return secret is not None and secret_matches(client, secret)


@sensitive_variables("header", "decoded")
def _basic_credentials(header: str) -> tuple[str, str]:
    """``client_id`` and secret of ``Authorization: Basic``, each form-urlencoded first (§2.3.1)."""
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic" or len(value) > 2 * MAX_PARAMETER_LENGTH:
        raise InvalidClient(CLIENT_REFUSED)
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError) as exc:
        raise InvalidClient(CLIENT_REFUSED) from exc
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise InvalidClient(CLIENT_REFUSED)
    return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))


def token_request(request: HttpRequest, params: Mapping[str, str]) -> TokenResult:
    """Authenticate the client, then run the grant named by ``grant_type``."""
    grant_type = params.get("grant_type")
    if grant_type is None:
        raise InvalidRequest("The grant_type parameter is required.")
    handler = _GRANTS.get(grant_type)
    if handler is None:
        raise UnsupportedGrantType(f"Supported grant types: {', '.join(_GRANTS)}.")
    client = authenticate_client(request, params)
    if not client.allows_grant(grant_type):
        raise UnauthorizedClient()
    result: TokenResult = handler(request, client, params)
    return result


def _authorization_code(request: HttpRequest, client: OAuthClient, params: Mapping[str, str]) -> TokenResult:
    pair = exchange_code(
        request,
        client,
        code=params.get("code"),
        redirect_uri=params.get("redirect_uri"),
        verifier=params.get("code_verifier"),
    )
    return _from_pair(pair)


def _from_pair(pair: TokenPair) -> TokenResult:
    access = pair.access
    return TokenResult(access=access, scope=str(access.claims.get("scope", "")), refresh_token=pair.refresh_token)


@sensitive_variables("token")
def _refresh_token(request: HttpRequest, client: OAuthClient, params: Mapping[str, str]) -> TokenResult:
    """§6: rotation with reuse detection as for first-party refresh, bound to the client; the scope may
    only narrow (``invalid_scope`` otherwise, and the token is not consumed), and holds only scopes the client
    is still registered for."""
    token = params.get("refresh_token")
    if not is_well_formed(token):
        raise InvalidGrant(REFUSED)
    requested = params.get("scope")
    scope = parse_scope(requested) if requested is not None else None
    pair = rotate(token, request=request, scope=scope, client_id=client.client_id, client_scopes=client.scopes)
    return _from_pair(pair)


def _client_credentials(request: HttpRequest, client: OAuthClient, params: Mapping[str, str]) -> TokenResult:
    """§4.4: a confidential client's own token, no refresh token; scopes among those registered."""
    requested = params.get("scope")
    scopes = list(parse_scope(requested)) if requested is not None else client.scope.split()
    if not set(scopes) <= client.scopes:
        raise InvalidScope("The client is not registered for every requested scope.")
    access = issue_client_access_token(client.client_id, scopes=scopes)
    details = {"client_id": client.client_id, "jti": access.jti, "grant_type": "client_credentials"}
    record_event(EventType.TOKEN_ISSUED, request=request, details=details)
    return TokenResult(access=access, scope=" ".join(scopes))


_GRANTS: dict[str, Any] = {
    "authorization_code": _authorization_code,
    "refresh_token": _refresh_token,
    "client_credentials": _client_credentials,
}
