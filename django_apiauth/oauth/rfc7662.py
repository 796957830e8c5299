"""Token introspection (RFC 7662) for authenticated clients.

A client sees its own tokens; a client flagged ``may_introspect`` (a resource server) sees every token.
Anything else, like an inactive token, is exactly ``{"active": false}`` (§2.2), so introspection tells an
unauthorised caller nothing, not even that a token exists.
"""

from __future__ import annotations

from typing import Any

from django.views.decorators.debug import sensitive_variables

from django_apiauth.conf import apiauth_settings
from django_apiauth.models.oauth import OAuthClient
from django_apiauth.oauth.tokens import FoundToken, find_token, is_active

INACTIVE: dict[str, Any] = {"active": False}
_ACCESS_CLAIMS = ("scope", "client_id", "sub", "aud", "iss", "exp", "iat", "nbf", "jti", "sid")


@sensitive_variables("token")
def introspect(client: OAuthClient, token: object, hint: object = None) -> dict[str, Any]:
    found = find_token(token, hint)
    if found is None or not (client.may_introspect or found.client_id == client.client_id):
        return dict(INACTIVE)
    if not is_active(found):
        return dict(INACTIVE)
    return _describe(found)


def _describe(found: FoundToken) -> dict[str, Any]:
    if found.claims is not None:
        body = {"active": True, "token_type": "Bearer"}
        body.update({name: found.claims[name] for name in _ACCESS_CLAIMS if name in found.claims})
        return body
    family, refresh = found.family, found.refresh
    if family is None or refresh is None:  # pragma: no cover - a FoundToken holds claims or a refresh token
        return dict(INACTIVE)
    body = {
        "active": True,
        "token_type": "refresh_token",
        "scope": family.scope,
        "sub": str(family.user.pk),
        "iss": apiauth_settings.JWT_ISSUER,
        "exp": int(min(refresh.expires_at, family.absolute_expires_at).timestamp()),
        "iat": int(refresh.issued_at.timestamp()),
        "sid": family.sid,
    }
    if family.client_id:
        body["client_id"] = family.client_id
    return body
