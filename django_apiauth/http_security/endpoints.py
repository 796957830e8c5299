"""What kind of endpoint a request is addressed to: one classification for headers, HTTPS and CORS.

A view declares its kind with an ``apiauth_endpoint`` attribute (on the view class or the function); the
admin site is always an HTML page. Everything else is ``API``. Preflights never reach a view, so the kind
is found by resolving the path when the request was not routed (only then: resolving costs a regex walk).
"""

from __future__ import annotations

import enum
from typing import Any

from django.http import HttpRequest
from django.urls import Resolver404, ResolverMatch, get_resolver


class Endpoint(str, enum.Enum):
    """How an endpoint may be reached and what its responses carry."""

    #: Our own JSON API (sessions, API-key management) and every project view not marked otherwise.
    API = "api"
    #: Public documents (JWKS, metadata): any origin may read them, no credentials, ``CORP: cross-origin``.
    PUBLIC_DOCUMENT = "public_document"
    #: Endpoints that take or hand out a credential (login, refresh, logout, token): HTTPS only, never
    #: cached, CORS only for allowed origins, with credentials so the refresh cookie can travel.
    CREDENTIAL = "credential"
    #: Server-rendered pages (the admin, OAuth authorize/consent): never CORS, ``no-referrer``.
    HTML_PAGE = "html_page"


ATTRIBUTE = "apiauth_endpoint"


def endpoint(kind: Endpoint) -> Any:
    """Decorator marking a function view (or a view class) as ``kind``."""

    def mark(view: Any) -> Any:
        setattr(view, ATTRIBUTE, kind)
        return view

    return mark


def kind_of_view(func: Any, match: ResolverMatch | None = None) -> Endpoint:
    """The declared kind of a view function (or of the class behind ``as_view()``)."""
    declared = getattr(func, ATTRIBUTE, None) or getattr(getattr(func, "view_class", None), ATTRIBUTE, None)
    if isinstance(declared, Endpoint):
        return declared
    if match is not None and "admin" in (match.app_names or []):
        return Endpoint.HTML_PAGE
    return Endpoint.API


def kind_of_request(request: HttpRequest) -> Endpoint:
    """The kind of the view ``request`` was (or would be) routed to; unroutable paths are ``API``."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = get_resolver(getattr(request, "urlconf", None)).resolve(request.path_info)
        except Resolver404:
            return Endpoint.API
    return kind_of_view(match.func, match)
