"""The custom-claims hook: ``APIAUTH["ACCESS_TOKEN_CLAIMS"]``, ``(user, *, scopes, request) -> dict``.

Runs at issuance only (login, refresh), never when a token is verified, so it costs an authenticated
request nothing. Its claims are added to the access token and show up in ``request.auth`` of requests
authenticated with it. It may not set a registered claim: the claims that say who the token is for, who
issued it, when it is valid and what it allows are decided by this package alone, and a hook that tries
to change them is a configuration error, raised at issuance with the offending names.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils.module_loading import import_string

from django_apiauth.conf import apiauth_settings
from django_apiauth.exceptions import ConfigurationError

logger = logging.getLogger("django_apiauth.jwt")

#: RFC 7519 §4.1, RFC 9068 §2.2 and the claims this package itself sets or relies on.
REGISTERED_CLAIMS = frozenset(
    {
        "iss", "sub", "aud", "exp", "iat", "nbf", "jti",
        "scope", "sid", "client_id", "typ", "token_type", "token_use",
        "auth_time", "amr", "acr", "azp", "cnf", "act", "gty",
    }
)  # fmt: skip


class ClaimsHookError(ConfigurationError, ImproperlyConfigured):
    """The claims hook returned something unusable. The client sees only a generic ``server_error``; the
    message (``str(exc)``, and the log) names the hook and the problem for the developer."""

    def __init__(self, problem: str) -> None:
        super().__init__()
        self.args = (f"APIAUTH['ACCESS_TOKEN_CLAIMS'] {problem}",)


def custom_claims(user: Any, *, scopes: Iterable[str], request: HttpRequest | None) -> dict[str, Any]:
    """The hook's claims for a token of ``user`` granted ``scopes`` (``{}`` when no hook is configured)."""
    path = apiauth_settings.ACCESS_TOKEN_CLAIMS
    if not path:
        return {}
    claims = import_string(path)(user, scopes=tuple(scopes), request=request)
    try:
        return validated(claims)
    except ClaimsHookError as exc:
        logger.error("%s", exc)
        raise


def validated(claims: object) -> dict[str, Any]:
    """``claims`` as a JSON-ready dict with string keys and no registered claim, else ``ClaimsHookError``."""
    if not isinstance(claims, Mapping):
        raise ClaimsHookError(f"must return a dict, not {type(claims).__name__}.")
    if not all(isinstance(name, str) for name in claims):
        raise ClaimsHookError("returned a claim name that is not a string.")
    reserved = sorted(REGISTERED_CLAIMS.intersection(claims))
    if reserved:
        raise ClaimsHookError(f"may not set registered claims: {', '.join(reserved)}.")
    try:
        json.dumps(dict(claims), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ClaimsHookError(f"returned a value that is not JSON: {exc}.") from exc
    return dict(claims)
