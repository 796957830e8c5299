"""The principal of an OAuth client's own token: the one place that builds it from verified claims.

A layer of its own (below ``authn``): the shared verification core turns ``client_credentials`` tokens into
this principal without depending on the authorization server's flows.
"""

from __future__ import annotations

from typing import Any

from django_apiauth.scopes.principals import ClientPrincipal


def client_principal(claims: dict[str, Any]) -> ClientPrincipal:
    """``request.auth`` of a request made with a ``client_credentials`` token (``request.user`` anonymous)."""
    scopes = frozenset(str(claims.get("scope", "")).split())
    return ClientPrincipal(client=str(claims["client_id"]), scopes=scopes, claims=claims)
