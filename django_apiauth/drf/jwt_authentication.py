"""DRF authentication with RFC 9068 access tokens: ``Authorization: Bearer <jwt>`` (RFC 6750 §2.1).

``JWTAuthentication`` sets ``request.user`` to the database user (briefly cached per process, see
``jwt.subjects``) and ``request.auth`` to the verified claims; ``StatelessJWTAuthentication`` builds a
``TokenUser`` from the claims and never queries. Refusals are 401 ``invalid_token`` with
``WWW-Authenticate: Bearer error="invalid_token"`` (added by ``drf.exceptions.oauth_exception_handler``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed, ErrorDetail
from rest_framework.request import Request

from django_apiauth.authn.core import check_claims, database_user, record_token_rejected, verify_bearer
from django_apiauth.authn.credentials import read_bearer
from django_apiauth.drf.unavailable import as_drf_exception
from django_apiauth.exceptions import InvalidToken, TemporarilyUnavailable
from django_apiauth.jwt.subjects import TokenUser
from django_apiauth.localcache import register_memo
from django_apiauth.oauth.principal import client_principal, live_client_principal
from django_apiauth.scopes.principals import ClientPrincipal


class InvalidTokenFailed(AuthenticationFailed):
    """``AuthenticationFailed`` carrying the RFC 6750 error code ``invalid_token``."""

    default_detail = "The access token is invalid."
    default_code = "invalid_token"

    def __init__(self, detail: Any = None, code: Any = None) -> None:
        """As DRF's, but a refusal's text (one of a few fixed descriptions) gets its ``ErrorDetail`` from a
        memo instead of DRF's conversion on every refused request."""
        if code is None and type(detail) is str:
            self.detail = _invalid_token_detail(detail)
        else:
            super().__init__(detail, code)


@lru_cache(maxsize=64)
def _invalid_token_detail(description: str) -> ErrorDetail:
    return ErrorDetail(description, InvalidTokenFailed.default_code)


register_memo("drf.invalid_token_details", _invalid_token_detail, size="64 refusal descriptions")


class JWTAuthentication(BaseAuthentication):
    """Bearer access tokens; subclass and override ``validate_claims`` or ``get_user`` to extend.

    The verification itself is ``django_apiauth.authn`` (shared with ``AuthenticationMiddleware``); this class
    supplies DRF's interface and its hooks.
    """

    scheme_name = "jwt"
    keyword = "bearer"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        """``(user, claims)`` for a valid bearer token, ``None`` for another scheme, else 401.

        An OAuth ``client_credentials`` token gives ``(AnonymousUser, ClientPrincipal)`` instead.
        """
        try:
            token = self.get_token(request)
            if token is None:
                return None
            # The default check itself when the hook is not overridden, on the class or on this instance: no
            # closure and two calls fewer.
            validate_claims: Callable[[dict[str, Any]], None] = (
                check_claims
                if type(self).validate_claims is _DEFAULT_VALIDATE_CLAIMS and "validate_claims" not in self.__dict__
                else lambda claims: self.validate_claims(claims, request)
            )
            user, claims = verify_bearer(
                token,
                validate_claims=validate_claims,
                get_user=self.get_user,
                get_client=self.get_client,
            )
        except InvalidToken as exc:
            self.token_rejected(request, exc)
            raise InvalidTokenFailed(exc.description) from exc
        except TemporarilyUnavailable as exc:
            # A DRF exception, so the 503 and Retry-After hold under any EXCEPTION_HANDLER.
            raise as_drf_exception(exc) from exc
        return user, claims

    def get_token(self, request: Request) -> str | None:
        """The bearer credential, ``None`` without an ``Authorization: Bearer`` header.

        Raises ``InvalidToken`` for an oversized header (before any parsing) or a malformed one.
        """
        return read_bearer(request._request, self.keyword)

    def validate_claims(self, claims: dict[str, Any], request: Request) -> None:
        """Hook run after signature and registered claims verified; raise ``InvalidToken`` to refuse.

        By default refuses a token whose session (``sid``, its refresh-token family) was revoked, when
        ``CHECK_REVOKED_SESSIONS`` is on: a cache lookup (the database only when the entry is missing).
        Extend with ``super()``.
        """
        check_claims(claims)

    def get_user(self, claims: dict[str, Any]) -> Any:
        """The active database user named by ``sub`` (one indexed query unless cached); a token issued to
        a third-party OAuth client also needs that client to be active (likewise cached)."""
        return database_user(claims)

    def get_client(self, claims: dict[str, Any]) -> ClientPrincipal:
        """``request.auth`` for an OAuth client's own token, once the client is known to be active and not
        to have revoked its tokens (one indexed query unless cached)."""
        return live_client_principal(claims)

    def token_rejected(self, request: Request, exc: InvalidToken) -> None:
        """Record an aggregated ``token_rejected`` event (never the token itself)."""
        record_token_rejected(request._request, exc, self.scheme_name)

    def authenticate_header(self, request: Request) -> str:
        """Makes DRF answer 401 (not 403) and tells clients which scheme to use (RFC 6750 §3)."""
        return "Bearer"


_DEFAULT_VALIDATE_CLAIMS = JWTAuthentication.validate_claims


class StatelessJWTAuthentication(JWTAuthentication):
    """Like ``JWTAuthentication`` but ``request.user`` is a ``TokenUser`` built from claims: zero queries."""

    def get_user(self, claims: dict[str, Any]) -> TokenUser:
        return TokenUser(claims)

    def get_client(self, claims: dict[str, Any]) -> ClientPrincipal:
        """From the claims alone: a deactivated client's tokens live until they expire, as a deactivated
        user's do under this class."""
        return client_principal(claims)
