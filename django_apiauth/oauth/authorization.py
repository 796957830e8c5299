"""Validating an authorization request (RFC 6749 §4.1.1) in the order the RFC's error handling needs.

Problems with the client or its redirect URI are shown to the user and never redirected (§4.1.2.1: the
redirect target cannot be trusted yet); everything else goes back to the client as an error redirect.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

from django_apiauth.exceptions import InvalidScope
from django_apiauth.models.oauth import GrantType, OAuthClient
from django_apiauth.oauth.clients import active_client
from django_apiauth.oauth.rfc7636 import is_valid_challenge
from django_apiauth.oauth.rfc8252 import find_redirect_uri
from django_apiauth.oauth.rfc9207 import response_uri
from django_apiauth.scopes.parsing import parse_scope

MAX_STATE_LENGTH = 1000
# §A.5: state is VSCHAR (printable ASCII).
_STATE = re.compile(r"[\x20-\x7e]+")
PARAMETERS = ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method")


class FatalAuthorizationError(Exception):
    """The client or its redirect URI cannot be trusted: a 400 page for the user, no redirect."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class AuthorizationRedirectError(Exception):
    """An error sent back to the client's (validated) redirect URI."""

    def __init__(self, redirect_uri: str, error: str, description: str, state: str | None) -> None:
        super().__init__(description)
        self.location = response_uri(redirect_uri, {"error": error, "error_description": description, "state": state})


@dataclass(frozen=True)
class AuthorizationRequest:
    """A request whose client, redirect URI, PKCE challenge and scope syntax have been checked."""

    client: OAuthClient
    redirect_uri: str
    redirect_uri_given: bool
    scopes: tuple[str, ...]
    state: str | None
    code_challenge: str

    def as_form_fields(self) -> dict[str, str]:
        """What the consent form posts back, so the decision is validated exactly like the request."""
        fields = {
            "response_type": "code",
            "client_id": self.client.client_id,
            "scope": " ".join(self.scopes),
            "code_challenge": self.code_challenge,
            "code_challenge_method": "S256",
        }
        if self.redirect_uri_given:
            fields["redirect_uri"] = self.redirect_uri
        if self.state is not None:
            fields["state"] = self.state
        return fields

    def error(self, error: str, description: str) -> AuthorizationRedirectError:
        return AuthorizationRedirectError(self.redirect_uri, error, description, self.state)


def _single(params: QueryDict, name: str) -> str | None:
    """The one value of ``name`` (``None`` if absent); a repeated parameter is an error (§3.1)."""
    values = params.getlist(name)
    if len(values) > 1:
        raise ValueError(name)
    return values[0] if values else None


def parse_authorization_request(params: QueryDict) -> AuthorizationRequest:
    """Validate ``params``; raises ``FatalAuthorizationError`` or ``AuthorizationRedirectError``."""
    try:
        client_id, presented_uri = _single(params, "client_id"), _single(params, "redirect_uri")
    except ValueError as exc:
        raise FatalAuthorizationError(f"The {exc} parameter is repeated.") from exc
    client = active_client(client_id)
    if client is None:
        raise FatalAuthorizationError("The client is unknown or inactive.")
    redirect_uri = _redirect_uri(client, presented_uri)
    state = _state(params, redirect_uri)
    base = AuthorizationRequest(client, redirect_uri, presented_uri is not None, (), state, "")
    values = _other_values(params, base)
    if values["response_type"] is None:
        raise base.error("invalid_request", "The response_type parameter is required.")
    if values["response_type"] != "code":
        raise base.error("unsupported_response_type", "Only response_type=code is supported.")
    if not client.allows_grant(GrantType.AUTHORIZATION_CODE):
        raise base.error("unauthorized_client", "This client may not use the authorization code grant.")
    if not is_valid_challenge(values["code_challenge"], values["code_challenge_method"]):
        raise base.error("invalid_request", "PKCE is required: send code_challenge with code_challenge_method=S256.")
    scopes = _scopes(client, values["scope"], base)
    return AuthorizationRequest(
        client, redirect_uri, base.redirect_uri_given, scopes, state, str(values["code_challenge"])
    )


def _redirect_uri(client: OAuthClient, presented: str | None) -> str:
    if presented is None:
        if len(client.redirect_uris) == 1:
            return str(client.redirect_uris[0])
        raise FatalAuthorizationError("The redirect_uri parameter is required for this client.")
    found = find_redirect_uri(client.redirect_uris, presented, public=not client.is_confidential)
    if found is None:
        raise FatalAuthorizationError("The redirect_uri is not registered for this client.")
    return found


def _state(params: QueryDict, redirect_uri: str) -> str | None:
    try:
        state = _single(params, "state")
    except ValueError as exc:
        description = "The state parameter is repeated."
        raise AuthorizationRedirectError(redirect_uri, "invalid_request", description, None) from exc
    if state is not None and (len(state) > MAX_STATE_LENGTH or not _STATE.fullmatch(state)):
        raise AuthorizationRedirectError(redirect_uri, "invalid_request", "The state parameter is malformed.", None)
    return state


def _other_values(params: QueryDict, base: AuthorizationRequest) -> Mapping[str, Any]:
    names = ("response_type", "scope", "code_challenge", "code_challenge_method")
    try:
        return {name: _single(params, name) for name in names}
    except ValueError as exc:
        raise base.error("invalid_request", f"The {exc} parameter is repeated.") from exc


def _scopes(client: OAuthClient, scope: str | None, base: AuthorizationRequest) -> tuple[str, ...]:
    """The requested scopes (the client's registered set when omitted, §3.3); each must be registered."""
    if scope is None:
        return tuple(client.scope.split())
    try:
        requested = parse_scope(scope)
    except InvalidScope as exc:
        raise base.error("invalid_scope", exc.description) from exc
    if not set(requested) <= client.scopes:
        raise base.error("invalid_scope", "The client is not registered for every requested scope.")
    return requested
