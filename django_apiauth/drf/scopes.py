"""Scopes granted to a request, whatever scheme authenticated it; ``HasScope``, ``IsService``, ``IsUserOrService``.

A *credential of ours* is what this package's authentication classes put in ``request.auth``: the verified
claims of an access token for an authenticated user (``JWTAuthentication``: a dict), or a ``Principal``
(an API key of a user or of a service, an OAuth client). A Django session, or any other scheme of the
project, is not one: it carries no scopes, so ``HasScope`` refuses it even with ``required_scopes = []``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from django_apiauth.scopes.principals import Principal

logger = logging.getLogger("django_apiauth.scopes")

#: Views already reported for a missing ``required_scopes``: the developer is told once per process.
_reported_views: set[str] = set()


def scopes_of(auth: Any) -> frozenset[str]:
    """Scopes carried by ``request.auth``.

    Understood shapes: an object with a ``scopes`` attribute (a principal, an API key), or a mapping of JWT
    claims with a space-delimited ``scope`` string (RFC 9068 §2.2.3). Anything else grants no scope.
    """
    scopes = getattr(auth, "scopes", None)
    if isinstance(scopes, (list, tuple, set, frozenset)):
        return frozenset(str(s) for s in scopes)
    if isinstance(auth, dict):
        claim = auth.get("scope")
        if isinstance(claim, str):
            return frozenset(claim.split())
    return frozenset()


def credential_scopes(request: Request) -> frozenset[str] | None:
    """The scopes of the request's credential of ours, or ``None`` when it presented none."""
    auth = request.auth
    if isinstance(auth, Principal):
        return frozenset(auth.scopes)
    if isinstance(auth, dict) and getattr(request.user, "is_authenticated", False):
        return scopes_of(auth)  # verified claims (also what ``force_authenticate(user, token={...})`` gives)
    return None


def auth_scheme(request: Request) -> str | None:
    """The ``scheme_name`` of the authenticator that accepted the request (``"jwt"``, ``"api_key"``, ...)."""
    authenticator = getattr(request, "successful_authenticator", None)
    if authenticator is None:
        return None
    name = getattr(authenticator, "scheme_name", None)
    if isinstance(name, str):
        return name
    return type(authenticator).__name__.removesuffix("Authentication").lower() or None


def _view_name(view: Any) -> str:
    cls = type(view)
    return f"{cls.__module__}.{cls.__qualname__}"


class HasScope(BasePermission):
    """Grants access when the request's credential of ours holds every scope in the view's ``required_scopes``.

    ``required_scopes = []`` means "any credential of ours" (a user's token or key, a service key, an
    OAuth client); a request with none (anonymous, or a plain Django session) is refused. A view without
    ``required_scopes`` (or with something else than a list of names) is refused too, and the developer is
    told once, in the ``django_apiauth.scopes`` log, which view forgot it: forgetting must fail closed.
    """

    message = "The credential lacks a scope this endpoint requires."
    code = "insufficient_scope"  # RFC 6750 §3.1

    def has_permission(self, request: Request, view: Any) -> bool:
        required: Iterable[str] | None = getattr(view, "required_scopes", None)
        if not isinstance(required, (list, tuple, set, frozenset)):
            self._report_misconfigured(view)
            return False
        held = credential_scopes(request)
        if held is None:
            self.message = "This endpoint needs an access token or an API key."
            self.code = "access_denied"
            return False
        return set(required) <= held

    def _report_misconfigured(self, view: Any) -> None:
        self.message = "This endpoint is not configured for scoped access."
        self.code = "access_denied"
        name = _view_name(view)
        if name not in _reported_views:
            _reported_views.add(name)
            logger.error("%s uses HasScope without a required_scopes list: every request is refused", name)


def _is_machine(request: Request) -> bool:
    auth = request.auth
    user = getattr(request, "user", None)
    return isinstance(auth, Principal) and auth.is_machine and not getattr(user, "is_authenticated", False)


class IsService(BasePermission):
    """Only machine credentials: a service key or an OAuth client acting for itself (no human user)."""

    message = "This endpoint is for service credentials."

    def has_permission(self, request: Request, view: Any) -> bool:
        return _is_machine(request)


class IsUserOrService(BasePermission):
    """An authenticated user (any scheme, as ``IsAuthenticated``) or a machine credential of ours."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = getattr(request, "user", None)
        return bool(getattr(user, "is_authenticated", False)) or _is_machine(request)
