"""``AuthenticationMiddleware``: our bearer tokens and API keys for views DRF does not authenticate.

Place it after Django's ``AuthenticationMiddleware``. For a request carrying a credential, routed to a view
that is neither a DRF view (DRF authenticates those itself, with their own classes and scope checks) nor an
HTML page such as the admin (whose session login must never be replaced by an API credential), it sets:

* ``request.user``: the credential's user (an ``AnonymousUser`` when the credential is refused, and the
  session user when no credential of ours is present), and ``request.auth``: the claims, the API key or
  the principal the core returned (``None``-like and falsy when refused);
* under WSGI both lazily, so a view that never reads them costs nothing; under ASGI the credential is
  verified before the view runs, on the event loop when the per-process caches answer (no thread switch),
  since a lazy attribute evaluated inside an async view could not query the database.

Refusing is left to ``@require_auth``/``@require_scopes`` (or the view): the middleware never answers
itself, never marks a view CSRF-exempt and never touches the session.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.functional import SimpleLazyObject
from rest_framework.views import APIView

from django_apiauth.authn.credentials import has_credential
from django_apiauth.authn.request_state import Outcome, aoutcome_of, outcome_of
from django_apiauth.http_security.endpoints import Endpoint, kind_of_view

ViewFunc = Callable[..., Any]


def applies_to(request: HttpRequest, view_func: ViewFunc) -> bool:
    """Whether the view is ours to authenticate: not DRF, not an HTML page, and a credential is present."""
    view_class = getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)
    if isinstance(view_class, type) and issubclass(view_class, APIView):
        return False
    if kind_of_view(view_func, getattr(request, "resolver_match", None)) is Endpoint.HTML_PAGE:
        return False
    return has_credential(request)


def _user(outcome: Outcome, fallback: Any) -> Any:
    if outcome.identity is not None:
        return outcome.identity.user
    if outcome.error is not None:
        return AnonymousUser()
    return fallback if fallback is not None else AnonymousUser()


def _is_session(outcome: Outcome) -> bool:
    return outcome.identity is None and outcome.error is None


def _auth(outcome: Outcome) -> Any:
    return outcome.identity.auth if outcome.identity is not None else None


class AuthenticationMiddleware:
    """Sync and async capable; see the module docstring for what it sets and when."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)
            # Django adapts ``process_view`` to the handler's mode: a coroutine here runs on the event loop.
            self.process_view = self._aprocess_view  # type: ignore[method-assign,assignment]

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        response: HttpResponseBase | Awaitable[HttpResponseBase] = self.get_response(request)
        return response  # a coroutine in async mode: awaited by the handler

    def process_view(self, request: HttpRequest, view_func: ViewFunc, args: Any, kwargs: Any) -> None:
        if not applies_to(request, view_func):
            return
        session_user = getattr(request, "user", None)
        session_auser = getattr(request, "auser", None)
        request.user = SimpleLazyObject(lambda: _user(outcome_of(request), session_user))  # type: ignore[assignment]
        request.auth = SimpleLazyObject(lambda: _auth(outcome_of(request)))  # type: ignore[attr-defined]

        async def auser() -> Any:  # an async view served under WSGI
            outcome = await aoutcome_of(request)
            fallback = await session_auser() if session_auser is not None and _is_session(outcome) else None
            return _user(outcome, fallback)

        request.auser = auser

    async def _aprocess_view(self, request: HttpRequest, view_func: ViewFunc, args: Any, kwargs: Any) -> None:
        if not applies_to(request, view_func):
            return
        outcome = await aoutcome_of(request)
        if _is_session(outcome):
            return  # another scheme's Authorization header: the session user stays
        user = _user(outcome, None)
        request.user = user
        request.auth = _auth(outcome)  # type: ignore[attr-defined]

        async def auser() -> Any:
            return user

        request.auser = auser
