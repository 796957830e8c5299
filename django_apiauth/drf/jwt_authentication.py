# STAND-IN: replaced by the JWT feature at merge
"""Minimal bearer authentication with the JWT feature's interface (``validate_claims`` hook included)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from django_apiauth.exceptions import InvalidToken
from django_apiauth.jwt.access import verify_access_token
from django_apiauth.refresh.revocation import check_session_not_revoked


class JWTAuthentication(BaseAuthentication):
    scheme_name = "jwt"

    def authenticate(self, request: Request) -> tuple[Any, dict[str, Any]] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        if len(parts) != 2:
            raise InvalidToken()
        claims = verify_access_token(parts[1].decode("latin-1"))
        user = get_user_model()._default_manager.filter(pk=str(claims["sub"]), is_active=True).first()
        if user is None:
            raise InvalidToken()
        self.validate_claims(claims, request)
        return user, claims

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'

    def validate_claims(self, claims: dict[str, Any], request: Request) -> None:
        check_session_not_revoked(claims)
