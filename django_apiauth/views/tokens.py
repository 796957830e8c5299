"""``login/``, ``refresh/``, ``logout/`` and ``logout-all/``: parse, call the refresh service, shape the answer.

Token responses follow RFC 6749 §5.1 (field names; ``Cache-Control: no-store`` and the §5.2 error shape come
from ``AppEndpoint``, whatever ``REST_FRAMEWORK`` the project configured).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.views.decorators.debug import sensitive_variables
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from django_apiauth.exceptions import InvalidGrant, InvalidRequest
from django_apiauth.http_security.endpoints import Endpoint
from django_apiauth.login.password import authenticate_password, username_field
from django_apiauth.mfa.challenge import MFAChallengeIssued
from django_apiauth.mfa.login_step import begin_login
from django_apiauth.refresh import cookies
from django_apiauth.refresh.revocation import logout_by_refresh_token, logout_everywhere, logout_session
from django_apiauth.refresh.service import TokenPair, rotate
from django_apiauth.scopes.parsing import parse_scope
from django_apiauth.throttling.drf import LoginRateThrottle, RefreshRateThrottle
from django_apiauth.views.base import AppEndpoint
from django_apiauth.views.body import json_object, string_field

MAX_USERNAME_LENGTH = 512
MAX_PASSWORD_LENGTH = 4096
MAX_REFRESH_TOKEN_LENGTH = 256


class TokenEndpoint(AppEndpoint):
    """Endpoints that read no credential: the body (or the refresh cookie) is the credential."""

    credentials = "none"
    permission_classes = [AllowAny]


#: Endpoints acting for a signed-in user are plain ``AppEndpoint``s; the old name stays importable.
SessionEndpoint = AppEndpoint


@sensitive_variables("body")
def token_response(pair: TokenPair) -> Response:
    """The RFC 6749 §5.1 body; the refresh token goes to the body and/or the cookie per the transport."""
    body: dict[str, Any] = {
        "access_token": pair.access.token,
        "token_type": "Bearer",
        "expires_in": pair.access.expires_in,
    }
    if cookies.answers_in_body(pair.family):
        body["refresh_token"] = pair.refresh_token
    body["refresh_expires_in"] = pair.refresh_expires_in
    body["scope"] = pair.scope  # what this token was granted (RFC 6749 §5.1), "" for none
    response = Response(body)
    if cookies.answers_in_cookie(pair.family):
        cookies.set_refresh_cookie(response, pair.refresh_token, pair.refresh_expires_in)
    return response


@sensitive_variables("data")
def presented_refresh_token(request: Request) -> str | None:
    """The refresh token from the body (``body``/``both``) or the cookie (``cookie``/``both``)."""
    if cookies.uses_body():
        data = json_object(request)
        if data.get("refresh_token") is not None:
            return string_field(data, "refresh_token", max_length=MAX_REFRESH_TOKEN_LENGTH)
    if cookies.uses_cookie():
        return cookies.read_refresh_cookie(request._request)
    return None


def asked_scope(data: Any) -> tuple[str, ...] | None:
    """The optional ``scope`` field (RFC 6749 §3.3); ``None`` when absent. Malformed: ``InvalidScope``."""
    if not isinstance(data, Mapping) or "scope" not in data:
        return None
    return parse_scope(data["scope"])


@sensitive_variables("data")
def presented_username(data: Mapping[str, Any]) -> str:
    """The body field named after ``USERNAME_FIELD`` (``email``, ...), or ``username`` as always.

    Both present with different values is refused rather than guessed between.
    """
    field_name = username_field()
    if field_name != "username" and data.get(field_name) is None and data.get("username") is None:
        # Name the field clients of this project are told to send, not only the fallback.
        raise InvalidRequest(f"The {field_name} (or username) field is required.")
    if field_name == "username" or data.get(field_name) is None:
        return string_field(data, "username", max_length=MAX_USERNAME_LENGTH)
    value = string_field(data, field_name, max_length=MAX_USERNAME_LENGTH)
    if data.get("username") is not None and data.get("username") != value:
        raise InvalidRequest(f"Send either {field_name} or username, not two different values.")
    return value


class LoginView(TokenEndpoint):
    """``POST {"<USERNAME_FIELD>" (or "username"), "password", "scope"?, "refresh_transport"?}`` → a token pair.

    Every authentication failure answers the same 401; the granted scope is in the response's ``scope``.
    Under ``REFRESH_TOKEN_TRANSPORT = "both"`` the optional ``refresh_transport`` (``"body"``, the default, or
    ``"cookie"``) fixes where the family's refresh tokens travel for its whole life.
    """

    throttle_classes = [LoginRateThrottle]
    apiauth_endpoint = Endpoint.CREDENTIAL

    @sensitive_variables("data", "password")
    def post(self, request: Request) -> Response:
        data = json_object(request)
        username = presented_username(data)
        password = string_field(data, "password", max_length=MAX_PASSWORD_LENGTH)
        scope = asked_scope(data)
        transport = cookies.family_transport(data.get("refresh_transport"))
        if cookies.uses_cookie():
            cookies.enforce_same_origin(request._request, cookie_used=False)
        user = authenticate_password(request._request, username=username, password=password)
        result = begin_login(request._request, user, scope=scope, transport=transport)
        if isinstance(result, MFAChallengeIssued):
            return Response({"mfa_required": True, "mfa_token": result.token, "methods": result.methods})
        return token_response(result)


class RefreshView(TokenEndpoint):
    """``POST {"refresh_token"}`` (or the cookie) → a new pair; the presented token is consumed."""

    throttle_classes = [RefreshRateThrottle]
    apiauth_endpoint = Endpoint.CREDENTIAL

    @sensitive_variables("token")
    def post(self, request: Request) -> Response:
        token = presented_refresh_token(request)
        if token is None and cookies.uses_cookie():
            # A page's silent refresh without a session: no cookie is a missing credential, not a bad request.
            raise InvalidGrant("No refresh token was presented (neither the cookie nor the refresh_token field).")
        if token is None:
            raise InvalidRequest("The refresh_token field is required.")
        scope = asked_scope(request.data)
        return token_response(rotate(token, request=request._request, scope=scope))

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        if isinstance(exc, InvalidGrant) and cookies.uses_cookie():
            cookies.clear_refresh_cookie(response)  # a dead cookie is only noise for the client
        return response


class LogoutView(AppEndpoint):
    """``POST`` with the refresh token (body or cookie) or an access token: revokes that one family."""

    apiauth_endpoint = Endpoint.CREDENTIAL

    permission_classes = [AllowAny]
    throttle_classes = [RefreshRateThrottle]  # per network: the access token may be expired or absent
    oauth_client_tokens = True  # a client's token ends only its own session

    def perform_authentication(self, request: Request) -> None:
        """Lazy: a refresh token alone is enough to log out, even when the access token has expired."""

    @sensitive_variables("token")
    def post(self, request: Request) -> Response:
        token = presented_refresh_token(request)
        if token is not None:
            logout_by_refresh_token(token, request=request._request)
        else:
            sid = request.auth.get("sid") if isinstance(request.auth, dict) else None
            # ``request.user`` is None for an anonymous caller when the project sets UNAUTHENTICATED_USER = None.
            if not getattr(request.user, "is_authenticated", False) or not isinstance(sid, str):
                raise InvalidRequest("Send the refresh token, or an access token, of the session to end.")
            logout_session(request.user, sid, request=request._request)
        return _logged_out()


class LogoutAllView(AppEndpoint):
    """``POST`` (authenticated): revokes every family of the user, on every device."""

    def post(self, request: Request) -> Response:
        logout_everywhere(request.user, request=request._request)
        return _logged_out()


def _logged_out() -> Response:
    response = Response(status=204)
    if cookies.uses_cookie():
        cookies.clear_refresh_cookie(response)
    return response
