"""A DRF ``EXCEPTION_HANDLER`` that answers every API error in the OAuth 2.0 shape.

Set ``REST_FRAMEWORK["EXCEPTION_HANDLER"] = "django_apiauth.drf.exceptions.oauth_exception_handler"``.
DRF's own ``{"detail": ...}`` bodies become ``{"error": ..., "error_description": ...}``; validation errors
keep their per-field messages under ``"fields"``.

A refused credential (``AuthenticationFailed``) is answered as JSON whatever renderer the view negotiated,
already rendered (``RenderedRefusal``); every other error goes through the negotiated renderer, as with DRF's
own handler, so the browsable API still shows it in its page.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, NamedTuple

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import OperationalError, connections
from django.http import Http404, HttpResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from django_apiauth.db_contention import RETRY_AFTER, is_unavailable
from django_apiauth.exceptions import ApiAuthError, TemporarilyUnavailable
from django_apiauth.localcache import register_memo

_CODES: list[tuple[type[exceptions.APIException], str]] = [
    (exceptions.NotAuthenticated, "unauthorized"),
    (exceptions.AuthenticationFailed, "invalid_token"),
    (exceptions.PermissionDenied, "access_denied"),
    (exceptions.Throttled, "rate_limited"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.UnsupportedMediaType, "invalid_request"),
    (exceptions.NotAcceptable, "invalid_request"),
    (exceptions.ParseError, "invalid_request"),
    (exceptions.ValidationError, "invalid_request"),
]


OAUTH_CODES = frozenset(
    {
        "invalid_request",
        "invalid_token",
        "insufficient_scope",
        "invalid_grant",
        "invalid_client",
        "invalid_scope",
        "unauthorized_client",
        "unsupported_grant_type",
        "access_denied",
        "rate_limited",
        "temporarily_unavailable",
    }
)


def error_code_for(exc: exceptions.APIException) -> str:
    """An OAuth code given as the exception's ``code`` wins; otherwise the DRF class decides."""
    explicit = getattr(exc.detail, "code", None)
    if explicit in OAUTH_CODES:
        return str(explicit)
    for cls, code in _CODES:
        if isinstance(exc, cls):
            return code
    return "invalid_request" if exc.status_code < 500 else "server_error"


def _description(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return "The request body is invalid."
    detail = exc.detail
    return str(detail) if isinstance(detail, str) else str(exc.default_detail)


def oauth_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Translate ``ApiAuthError`` and DRF exceptions; anything else is left to Django (a real 500)."""
    if isinstance(exc, ApiAuthError):
        return _from_apiauth(exc)
    if isinstance(exc, exceptions.AuthenticationFailed) and not getattr(exc, "keeps_oauth_body", False):
        return _refused_credential(exc)
    if isinstance(exc, OperationalError) and is_unavailable(exc):
        # A lock wait that timed out outside the services that map it themselves, or a database that cannot be
        # reached: rolled back, retry later.
        return _from_apiauth(TemporarilyUnavailable(retry_after=RETRY_AFTER))
    if isinstance(exc, SuspiciousOperation):
        # Raised while DRF parses the body (too large, too many fields); Django would answer HTML.
        status = 413 if isinstance(exc, RequestDataTooBig) else 400
        return _error("invalid_request", "The request body is too large or malformed.", status)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if getattr(exc, "keeps_oauth_body", False):  # already {"error", "error_description"}, with its challenge
        response["Cache-Control"] = "no-store"
        return response
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):  # pragma: no cover - DRF handles only these
        return response
    body: dict[str, Any] = {"error": error_code_for(exc), "error_description": _description(exc)}
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict):
        body["fields"] = exc.detail
    response.data = body
    response["Cache-Control"] = "no-store"
    if body["error"] == "insufficient_scope":
        _add_scope_challenge(response, context)
    return response


def _add_scope_challenge(response: Response, context: dict[str, Any]) -> None:
    """RFC 6750 §3.1: a bearer token without the scope a view requires gets 403 with
    ``WWW-Authenticate: Bearer error="insufficient_scope", scope="..."`` naming what the view requires.

    Only when a bearer scheme authenticated the request: other schemes have no such parameter.
    """
    request = context.get("request")
    header_of = getattr(getattr(request, "successful_authenticator", None), "authenticate_header", None)
    if not callable(header_of):
        return
    scheme = str(header_of(request) or "")
    if scheme.split(" ", 1)[0].lower() != "bearer":
        return
    challenge = f'{scheme.split(" ", 1)[0]} error="insufficient_scope"'
    required = getattr(context.get("view"), "required_scopes", None)
    if isinstance(required, (list, tuple)) and all(isinstance(name, str) for name in required):
        scope = " ".join(name for name in required if name.isprintable() and '"' not in name and "\\" not in name)
        challenge += f', scope="{scope}"'
    response["WWW-Authenticate"] = challenge


def _refused_credential(exc: exceptions.AuthenticationFailed) -> Response:
    """The answer DRF's handler and the translation above give a refused credential, built in one step.

    Refusals are the requests an attacker chooses, so their answer costs less than an accepted request's:
    the body is rendered once per distinct refusal (``_refusal``) and the response leaves here already
    rendered, so no renderer runs for it. It is still a DRF ``Response`` whose ``data`` is the body. It holds
    the error body, ``Cache-Control: no-store``, the challenge (the refusing scheme's own on a 401, else the
    view's first authenticator's) with its RFC 6750 error, ``Retry-After`` when the exception waits, and
    DRF's rollback of an ``ATOMIC_REQUESTS`` transaction. The body is JSON whatever renderer the view
    negotiated: the ``{"error", "error_description"}`` contract does not depend on the project's renderers.
    """
    challenge = getattr(exc, "www_authenticate", None)
    if not (isinstance(challenge, str) and exc.status_code == 401):
        challenge = getattr(exc, "auth_header", None)
    wait = getattr(exc, "wait", None)
    refusal = _refusal(
        exc.status_code,
        error_code_for(exc),
        _description(exc),
        str(challenge) if challenge else None,
        int(wait) if wait else None,  # DRF's handler writes a fractional wait as whole seconds too
    )
    _roll_back_atomic_requests()
    return RenderedRefusal(dict(refusal.data), exc.status_code, refusal.headers, refusal.body)


class RenderedRefusal(Response):
    """A DRF ``Response`` built already rendered: ``data`` for the code that reads it, ``content`` for the wire.

    ``Response`` would set its content twice (empty, then rendered), look up the charset for each and write
    Content-Type twice; this sets what ``Response``, ``SimpleTemplateResponse`` and ``HttpResponse`` set, with
    the body given once. Django's response handling sees a rendered template response, so ``render()`` and
    post-render callbacks behave as for any rendered ``Response``.
    """

    def __init__(self, data: dict[str, str], status: int, headers: dict[str, str], body: bytes) -> None:
        # SimpleTemplateResponse's attributes (no template: the content is final), untyped in the stubs' sense.
        self.__dict__.update(
            template_name=None, context_data=None, using=None, _post_render_callbacks=[], _request=None
        )
        # Through the template response's content setter, which marks the response rendered.
        HttpResponse.__init__(self, body, status=status, charset="utf-8", headers=headers)
        self.data = data
        self.exception = False
        self.content_type = None


class _Refusal(NamedTuple):
    data: dict[str, str]
    headers: dict[str, str]
    body: bytes


@lru_cache(maxsize=128)
def _refusal(status: int, code: str, description: str, challenge: str | None, wait: int | None) -> _Refusal:
    """A refusal's body, its JSON rendering and its headers, built once per distinct refusal.

    Compact JSON with non-ASCII text as UTF-8, as DRF's ``JSONRenderer`` writes it by default. The
    arguments come from our fixed descriptions, a project's authentication classes and whole seconds of
    ``Retry-After``: a small set, bounded here in any case.
    """
    data = {"error": code, "error_description": description}
    # Set here, since no renderer will: DRF's ``Response`` takes its Content-Type from the renderer.
    headers = {"Content-Type": "application/json", "Cache-Control": "no-store"}
    if challenge:
        headers["WWW-Authenticate"] = _with_bearer_error(challenge, code)
    if wait is not None:
        headers["Retry-After"] = f"{wait}"
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return _Refusal(data, headers, body)


register_memo("drf.refusals", _refusal, size="128 rendered refusals")


def _roll_back_atomic_requests() -> None:
    """DRF's ``set_rollback`` for a refusal: the ``ATOMIC_REQUESTS`` transaction of each database that has one
    open is marked for rollback. Only databases configured with ``ATOMIC_REQUESTS`` are looked up, so a
    project without it pays one pass over its database settings instead of a thread-local lookup per alias."""
    for alias, config in connections.settings.items():
        if config.get("ATOMIC_REQUESTS"):
            connection = connections[alias]
            if connection.in_atomic_block:
                connection.set_rollback(True)


@lru_cache(maxsize=16)
def _with_bearer_error(header: str, code: str) -> str:
    """RFC 6750 §3: a refused bearer credential names its error in ``WWW-Authenticate`` too.

    Only for the ``Bearer`` scheme and only on ``AuthenticationFailed``: a request without credentials
    (``NotAuthenticated``) gets the bare challenge, as §3.1 asks.
    """
    if header.split(" ", 1)[0].lower() != "bearer" or "error=" in header:
        return header
    separator = ", " if " " in header.strip() else " "
    return f'{header.strip()}{separator}error="{code}"'


register_memo("drf.bearer_challenges", _with_bearer_error, size="16 challenge/error pairs")


def _error(error: str, description: str, status: int) -> Response:
    response = Response({"error": error, "error_description": description}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _from_apiauth(exc: ApiAuthError) -> Response:
    response = _error(exc.error, exc.description, exc.status_code)
    retry_after = getattr(exc, "retry_after", None)
    if isinstance(retry_after, int):
        response["Retry-After"] = str(retry_after)
    if exc.status_code == 401:
        response["WWW-Authenticate"] = f'Bearer error="{exc.error}"'
    return response
