"""Scopes granted to a request, whatever scheme authenticated it, and the ``HasScope`` permission."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request


def scopes_of(auth: Any) -> frozenset[str]:
    """Scopes carried by ``request.auth``.

    Understood shapes: an object with a ``scopes`` attribute (an API key), or a mapping of JWT claims
    with a space-delimited ``scope`` string (RFC 9068 §2.2.3). Anything else grants no scope.
    """
    scopes = getattr(auth, "scopes", None)
    if isinstance(scopes, (list, tuple, set, frozenset)):
        return frozenset(str(s) for s in scopes)
    if isinstance(auth, dict):
        claim = auth.get("scope")
        if isinstance(claim, str):
            return frozenset(claim.split())
    return frozenset()


def auth_scheme(request: Request) -> str | None:
    """The ``scheme_name`` of the authenticator that accepted the request (``"jwt"``, ``"api_key"``, ...)."""
    authenticator = getattr(request, "successful_authenticator", None)
    if authenticator is None:
        return None
    name = getattr(authenticator, "scheme_name", None)
    if isinstance(name, str):
        return name
    return type(authenticator).__name__.removesuffix("Authentication").lower() or None


class HasScope(BasePermission):
    """Grants access when the request holds every scope in the view's ``required_scopes``.

    A view without ``required_scopes`` is refused: forgetting to declare scopes must fail closed.
    """

    message = "The credential lacks a scope this endpoint requires."
    code = "insufficient_scope"  # RFC 6750 §3.1

    def has_permission(self, request: Request, view: Any) -> bool:
        required: Iterable[str] | None = getattr(view, "required_scopes", None)
        if required is None:
            return False
        return set(required) <= scopes_of(request.auth)
