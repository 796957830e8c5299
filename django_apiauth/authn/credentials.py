"""Where credentials travel in a request: ``Authorization: Bearer``, the API-key header,
``Authorization: Api-Key`` and (only when enabled) a query parameter. No verification here."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from django_apiauth.api_keys.exceptions import APIKeyRejected
from django_apiauth.conf import apiauth_settings
from django_apiauth.jwt.errors import MalformedToken, TokenTooLarge

_HEADER_OVERHEAD = 64  # "Bearer " and stray whitespace around a token of the maximum size
API_KEY_KEYWORD = "api-key"


def has_credential(request: HttpRequest) -> bool:
    """A cheap presence test (no parsing): an ``Authorization`` header, the API-key header or parameter."""
    meta = request.META
    if meta.get("HTTP_AUTHORIZATION") or meta.get("HTTP_" + apiauth_settings.API_KEY_HEADER.upper().replace("-", "_")):
        return True
    param = apiauth_settings.API_KEY_QUERY_PARAM
    return bool(param) and param in request.GET


def read_bearer(request: HttpRequest, keyword: str = "bearer") -> str | None:
    """The bearer credential, ``None`` without an ``Authorization: <keyword>`` header.

    Raises ``InvalidToken`` for an oversized header (before any parsing) or a malformed one.
    """
    header: object = request.META.get("HTTP_AUTHORIZATION")
    if not header or not isinstance(header, str):
        return None
    if len(header) > apiauth_settings.JWT_MAX_TOKEN_BYTES + _HEADER_OVERHEAD:
        raise TokenTooLarge()
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != keyword:
        return None
    token = credentials.strip()
    if not token or " " in token:
        raise MalformedToken("The Authorization header must be 'Bearer <token>'.")
    return token


def read_api_key(request: HttpRequest) -> tuple[str, bool] | None:
    """``(raw key, came from the query string)``, or ``None`` when the request carries no API key.

    Two different keys in one request are refused (``APIKeyRejected``) rather than guessed between.
    """
    meta = request.META
    header_name = "HTTP_" + apiauth_settings.API_KEY_HEADER.upper().replace("-", "_")
    found = [value for value in (meta.get(header_name), _from_authorization(meta)) if value is not None]
    if not found:
        param = apiauth_settings.API_KEY_QUERY_PARAM
        value = request.GET.get(param) if param else None
        return (value, True) if value is not None else None
    if len(set(found)) > 1:
        raise APIKeyRejected("ambiguous", "The request carries more than one API key.")
    return str(found[0]), False


def _from_authorization(meta: Any) -> str | None:
    """The key of ``Authorization: Api-Key <key>``; ``""`` (malformed) when the scheme has no single value."""
    header = meta.get("HTTP_AUTHORIZATION")
    if not header:
        return None
    scheme, _, rest = str(header).partition(" ")
    if scheme.lower() != API_KEY_KEYWORD:
        return None
    value = rest.strip()
    return "" if " " in value else value
