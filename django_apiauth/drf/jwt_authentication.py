"""DRF authentication with RFC 9068 access tokens: ``Authorization: Bearer <jwt>`` (RFC 6750 §2.1).

``JWTAuthentication`` sets ``request.user`` to the database user (briefly cached per process, see
``jwt.subjects``) and ``request.auth`` to the verified claims; ``StatelessJWTAuthentication`` builds a
``TokenUser`` from the claims and never queries. Refusals are 401 ``invalid_token`` with
``WWW-Authenticate: Bearer error="invalid_token"`` (added by ``drf.exceptions.oauth_exception_handler``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from django_apiauth.conf import apiauth_settings
from django_apiauth.events.record import record_event
from django_apiauth.exceptions import InvalidToken
from django_apiauth.jwt.access import verify_access_token
from django_apiauth.jwt.errors import MalformedToken, TokenTooLarge
from django_apiauth.jwt.subjects import TokenUser, user_for_claims
from django_apiauth.models.events import EventType
from django_apiauth.monitoring import usage

_HEADER_OVERHEAD = 64  # "Bearer " and stray whitespace around a token of the maximum size


class InvalidTokenFailed(AuthenticationFailed):
    """``AuthenticationFailed`` carrying the RFC 6750 error code ``invalid_token``."""

    default_detail = "The access token is invalid."
    default_code = "invalid_token"


class JWTAuthentication(BaseAuthentication):
    """Bearer access tokens; subclass and override ``validate_claims`` or ``get_user`` to extend."""

    scheme_name = "jwt"
    keyword = "bearer"

    def authenticate(self, request: Request) -> tuple[Any, dict[str, Any]] | None:
        """``(user, claims)`` for a valid bearer token, ``None`` for another scheme, else 401."""
        try:
            token = self.get_token(request)
            if token is None:
                return None
            claims = verify_access_token(token)
            self.validate_claims(claims, request)
            user = self.get_user(claims)
        except InvalidToken as exc:
            self.token_rejected(request, exc)
            raise InvalidTokenFailed(exc.description) from exc
        if isinstance(claims.get("client_id"), str):
            usage.count_use("client", claims["client_id"])
        return user, claims

    def get_token(self, request: Request) -> str | None:
        """The bearer credential, ``None`` without an ``Authorization: Bearer`` header.

        Raises ``InvalidToken`` for an oversized header (before any parsing) or a malformed one.
        """
        header: object = request.META.get("HTTP_AUTHORIZATION")
        if not header or not isinstance(header, str):
            return None
        if len(header) > apiauth_settings.JWT_MAX_TOKEN_BYTES + _HEADER_OVERHEAD:
            raise TokenTooLarge()
        scheme, _, credentials = header.strip().partition(" ")
        if scheme.lower() != self.keyword:
            return None
        token = credentials.strip()
        if not token or " " in token:
            raise MalformedToken("The Authorization header must be 'Bearer <token>'.")
        return token

    def validate_claims(self, claims: dict[str, Any], request: Request) -> None:
        """Hook run after signature and registered claims verified; raise ``InvalidToken`` to refuse.

        By default refuses a token whose session (``sid``, its refresh-token family) was revoked, when
        ``CHECK_REVOKED_SESSIONS`` is on: a cache lookup, no database query. Extend with ``super()``.
        """
        from django_apiauth.refresh.revocation import check_session_not_revoked

        check_session_not_revoked(claims)

    def get_user(self, claims: dict[str, Any]) -> Any:
        """The active database user named by ``sub`` (one indexed query unless cached)."""
        return user_for_claims(claims)

    def token_rejected(self, request: Request, exc: InvalidToken) -> None:
        """Record an aggregated ``token_rejected`` event (never the token itself)."""
        record_event(
            EventType.TOKEN_REJECTED,
            # The Django request and an explicit anonymous user: touching ``request.user`` here would
            # re-enter DRF authentication.
            request=request._request,
            user=AnonymousUser(),
            details={"scheme": self.scheme_name, "reason": getattr(exc, "reason", exc.error)},
            aggregate=True,
        )

    def authenticate_header(self, request: Request) -> str:
        """Makes DRF answer 401 (not 403) and tells clients which scheme to use (RFC 6750 §3)."""
        return "Bearer"


class StatelessJWTAuthentication(JWTAuthentication):
    """Like ``JWTAuthentication`` but ``request.user`` is a ``TokenUser`` built from claims: zero queries."""

    def get_user(self, claims: dict[str, Any]) -> TokenUser:
        return TokenUser(claims)
