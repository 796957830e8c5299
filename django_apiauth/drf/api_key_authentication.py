"""``APIKeyAuthentication``: API keys as a first-class DRF authentication scheme.

Accepted carriers, in order: the ``APIAUTH["API_KEY_HEADER"]`` header (``X-API-Key``), ``Authorization: Api-Key
<key>``, and - only when ``APIAUTH["API_KEY_QUERY_PARAM"]`` names one - a query parameter. A request carrying
none of them is left to the next authentication class; one carrying a bad key is refused with 401 and
``{"error": "invalid_token", ...}`` (with ``oauth_exception_handler``). ``request.user`` is the key's owner,
``request.auth`` an :class:`~django_apiauth.api_keys.cache.AuthenticatedKey` (``id``, ``name``, ``scopes``).
"""

from __future__ import annotations

from typing import Any

from django.views.decorators.debug import sensitive_variables
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed, ErrorDetail
from rest_framework.request import Request

from django_apiauth.api_keys.authenticate import KEY_VARIABLES, authenticate_api_key
from django_apiauth.api_keys.cache import AuthenticatedKey
from django_apiauth.api_keys.exceptions import APIKeyRejected
from django_apiauth.authn.credentials import read_api_key
from django_apiauth.drf.unavailable import as_drf_exception
from django_apiauth.exceptions import RateLimited, TemporarilyUnavailable

REALM = "api"


def challenge(realm: str = REALM) -> str:
    """The ``WWW-Authenticate`` value naming this scheme (RFC 7235 §4.1), built here only."""
    return f'Api-Key realm="{realm}"'


CHALLENGE = challenge()


class APIKeyAuthenticationFailed(AuthenticationFailed):
    """A refused API key; carries its own challenge so a 401 names ``Api-Key`` even when another scheme
    (JWT) is first in ``DEFAULT_AUTHENTICATION_CLASSES`` and DRF would otherwise send that one's."""

    www_authenticate = CHALLENGE

    def __init__(self, detail: str, code: str = "invalid_token") -> None:
        # What ``APIException.__init__`` makes of a plain string, without its walk through nested lists and
        # dicts: every refused key comes through here.
        self.detail = ErrorDetail(detail, code)


class APIKeyAuthentication(BaseAuthentication):
    """Subclass and override :meth:`get_credential` to read keys from elsewhere."""

    scheme_name = "api_key"
    www_authenticate_realm = REALM

    @sensitive_variables(*KEY_VARIABLES)
    def authenticate(self, request: Request) -> tuple[Any, AuthenticatedKey] | None:
        try:
            credential = self.get_credential(request)
            if credential is None:
                return None
            raw, via_query_param = credential
            return authenticate_api_key(raw, request=request._request, via_query_param=via_query_param)
        except APIKeyRejected as exc:
            raise APIKeyAuthenticationFailed(exc.description) from exc
        except (RateLimited, TemporarilyUnavailable) as exc:
            # DRF exceptions, so the 429/503 and Retry-After hold under any EXCEPTION_HANDLER.
            raise as_drf_exception(exc) from exc

    def authenticate_header(self, request: Request) -> str:
        """Makes DRF answer 401 (not 403) and tells the client which scheme to use (RFC 7235 §4.1)."""
        return challenge(self.www_authenticate_realm)

    def get_credential(self, request: Request) -> tuple[str, bool] | None:
        """``(raw key, came from the query string)``, or ``None`` when the request carries no API key.

        Two different keys in one request are refused rather than guessed between.
        """
        return read_api_key(request._request)
