"""``@require_auth`` and ``@require_scopes(...)`` for plain Django views, sync or async.

They accept only a credential of ours (a bearer access token or an API key), never a session cookie, and
answer like the DRF classes: 401 ``invalid_token`` for a refused credential, 401 ``unauthorized`` without one
(both with ``WWW-Authenticate``, RFC 6750 §3), 403 ``insufficient_scope`` naming the scopes needed. They work
with or without ``AuthenticationMiddleware`` (the credential is verified once per request either way).

They do not exempt the view from CSRF protection: add ``@csrf_exempt`` yourself to a view that accepts unsafe
methods from API clients. That is safe with these decorators, since they never accept ambient cookies.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponseBase, JsonResponse

from django_apiauth.authn.request_state import Outcome, aoutcome_of, outcome_of
from django_apiauth.drf.api_key_authentication import CHALLENGE as API_KEY_CHALLENGE
from django_apiauth.drf.scopes import scopes_of
from django_apiauth.views.errors import error_response

View = Callable[..., Any]


def refusal(outcome: Outcome, required: frozenset[str] = frozenset()) -> JsonResponse | None:
    """The error response for ``outcome``, or ``None`` when it may pass."""
    error = outcome.error
    if error is not None:
        headers: dict[str, str] = {}
        if error.status_code == 401:
            challenge = API_KEY_CHALLENGE if outcome.refused_api_key else f'Bearer error="{error.error}"'
            headers["WWW-Authenticate"] = challenge
        retry_after = getattr(error, "retry_after", None)
        if isinstance(retry_after, int):
            headers["Retry-After"] = str(retry_after)
        return error_response(error.error, error.description, error.status_code, headers)
    if outcome.identity is None:
        return error_response(
            "unauthorized", "Authentication credentials were not provided.", 401, {"WWW-Authenticate": "Bearer"}
        )
    if not required <= scopes_of(outcome.identity.auth):
        scope = " ".join(sorted(required))
        return error_response(
            "insufficient_scope",
            "The credential lacks a scope this endpoint requires.",
            403,
            {"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
        )
    return None


def _admit(request: HttpRequest, outcome: Outcome, required: frozenset[str]) -> JsonResponse | None:
    """The refusal, or ``None`` after putting the identity on the request (also without the middleware)."""
    refused = refusal(outcome, required)
    if refused is None and outcome.identity is not None:
        request.user = outcome.identity.user
        request.auth = outcome.identity.auth  # type: ignore[attr-defined]
    return refused


def _guard(view: View, required: frozenset[str]) -> View:
    if iscoroutinefunction(view):

        @functools.wraps(view)
        async def async_guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            refused = _admit(request, await aoutcome_of(request), required)
            return refused if refused is not None else await view(request, *args, **kwargs)

        return async_guarded

    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        refused = _admit(request, outcome_of(request), required)
        return refused if refused is not None else view(request, *args, **kwargs)

    return guarded


def require_auth(view: View) -> View:
    """Refuse requests without a valid bearer token or API key (401 JSON)."""
    return _guard(view, frozenset())


def require_scopes(*scopes: str) -> Callable[[View], View]:
    """Like :func:`require_auth`, and the credential must carry every one of ``scopes`` (else 403 JSON)."""
    required = frozenset(_flatten(scopes))

    def decorate(view: View) -> View:
        return _guard(view, required)

    return decorate


def _flatten(scopes: Iterable[str]) -> list[str]:
    """``require_scopes("read write")`` and ``require_scopes("read", "write")`` mean the same."""
    return [part for scope in scopes for part in scope.split()]
