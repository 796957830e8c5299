"""The one base class of the app's DRF endpoints: errors, parsing, rendering, caching and who may call.

A project's ``REST_FRAMEWORK`` settings must not change how our endpoints fail: without our
``EXCEPTION_HANDLER`` DRF answers our own exceptions with a 500, and with its default parsers a hostile body
(deep nesting, duplicate keys, a decompression charset) is another 500. So every endpoint of the app answers
``{"error", "error_description"}`` (RFC 6749 §5.2's shape) through ``oauth_exception_handler``, reads JSON
with ``StrictJSONParser``, renders JSON only and is never cached. Every endpoint is throttled (the ``sessions``
scope unless it names its own) and answers the ``RateLimit`` headers. New endpoints subclass ``AppEndpoint``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Literal

from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import PermissionDenied
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from django_apiauth.drf.api_key_authentication import APIKeyAuthentication
from django_apiauth.drf.exceptions import oauth_exception_handler
from django_apiauth.drf.jwt_authentication import JWTAuthentication
from django_apiauth.drf.parsers import StrictJSONParser
from django_apiauth.refresh.service import FIRST_PARTY_CLIENT_ID
from django_apiauth.throttling.drf import SessionsRateThrottle
from django_apiauth.throttling.headers import apply_rate_limit_headers

#: RFC 6749 §5.1: responses carrying tokens (and, here, any answer of the app) must not be cached.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

Credentials = Literal["none", "user"]


class AppEndpoint(APIView):
    """Base of every endpoint of the app.

    ``credentials`` says who may call:

    * ``"none"``: the endpoint reads no credential at all (login, refresh);
    * ``"user"``: a signed-in user with our access token or any of the project's schemes, but never an API
      key: keys are for machines, and a leaked (even read-only) key must not read a user's sessions, mint
      keys or log the user out. Nor an access token issued to an OAuth client: the user delegated some scopes
      of the API to it, not their credentials, and a key it minted would outlive the grant the user revokes.
      ``oauth_client_tokens = True`` admits such a token where it acts only on its own session (logout).

    Anything else about the project's DRF settings (exception handler, parsers, renderers, content negotiation,
    versioning) is ignored: the app's endpoints are not part of the project's versioned API, and a
    policy meant for it must not make a client's login answer 406.
    """

    credentials: ClassVar[Credentials] = "user"
    oauth_client_tokens: ClassVar[bool] = False
    parser_classes = [StrictJSONParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = DefaultContentNegotiation
    versioning_class = None
    permission_classes = [IsAuthenticated]
    throttle_classes: list[Any] = [SessionsRateThrottle]

    def get_exception_handler(self) -> Callable[..., Response | None]:
        return oauth_exception_handler

    def get_authenticators(self) -> list[BaseAuthentication]:
        """Read at call time (DRF's class attribute is captured at import): the project's schemes + ours."""
        if self.credentials == "none":
            return []
        classes: list[Any] = list(api_settings.DEFAULT_AUTHENTICATION_CLASSES)
        if not any(issubclass(cls, JWTAuthentication) for cls in classes):
            classes.insert(0, JWTAuthentication)
        return [cls() for cls in classes if not issubclass(cls, APIKeyAuthentication)]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if self.credentials == "user" and not self.oauth_client_tokens:
            refuse_oauth_client_tokens(request)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        for name, value in NO_STORE.items():
            response[name] = value
        return apply_rate_limit_headers(request, response)


def refuse_oauth_client_tokens(request: Request) -> None:
    """403 for an access token issued to an OAuth client; tokens of our own login name the first-party client
    and are the user's, like a session (the project's own schemes carry no ``client_id`` at all)."""
    auth = request.auth
    client_id = auth.get("client_id") if isinstance(auth, dict) else None
    if client_id and client_id != FIRST_PARTY_CLIENT_ID:
        raise PermissionDenied("Tokens issued to OAuth clients cannot manage the user's credentials.")
