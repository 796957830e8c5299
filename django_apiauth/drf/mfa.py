"""``RequireMFA``: a DRF permission for views that need a second factor, answered as RFC 9470 says.

A request whose access token lacks ``otp`` in ``amr`` (RFC 8176), or whose ``auth_time`` is older than the
permission's ``max_age``, gets 401 with ``WWW-Authenticate: Bearer error="insufficient_user_authentication"``
(plus ``max_age``) and the same ``error`` in the JSON body, whatever ``EXCEPTION_HANDLER`` the project
uses: the client steps up (``POST mfa/step-up/``) and retries with the new token.

An API key (a user's or a service's) carries no second factor and cannot step up, so telling its caller to
would be false: it gets 403 ``access_denied`` saying so, with no step-up challenge. The same holds for any
other sign-in that is not an access token (a Django session through ``SessionAuthentication``, a project's
own scheme): stepping up needs an access token. One exception, as django-otp's ``otp_required`` has it: a
session that django-otp's ``OTPMiddleware`` marks verified (``request.user.is_verified()``) passes when no
``max_age`` is asked, since a session does not say when its factor was verified.

``permission_classes = [IsAuthenticated, RequireMFA]`` or ``RequireMFA.with_max_age(300)``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from django_apiauth.api_keys.cache import AuthenticatedKey
from django_apiauth.conf import apiauth_settings
from django_apiauth.jwt.claims import is_number

ERROR = "insufficient_user_authentication"
NEEDS_OTP = "A second factor is required: step up with POST mfa/step-up/."
TOO_OLD = "A more recent second factor is required: step up with POST mfa/step-up/."
KEYS_CANNOT = (
    "A second factor is required, and an API key cannot provide one: call this endpoint with the access token "
    "of a user who has verified a second factor."
)
SIGN_IN_CANNOT = (
    "A second factor is required, and this sign-in does not show one: call this endpoint with the access token "
    "of a user who has verified a second factor."
)


class InsufficientUserAuthentication(APIException):
    """401 whose body is already ``{"error", "error_description"}`` and whose challenge names the error."""

    status_code = 401
    keeps_oauth_body = True  # ``oauth_exception_handler`` passes the body through unchanged

    def __init__(self, description: str, max_age: int | None) -> None:
        super().__init__({"error": ERROR, "error_description": description})
        challenge = f'Bearer error="{ERROR}", error_description="{description}"'
        self.auth_header = challenge if max_age is None else f"{challenge}, max_age={max_age}"


class SecondFactorImpossible(PermissionDenied):
    """403 for a credential that does not carry a second factor and cannot step up (an API key, a session):
    retrying with it, or stepping up, cannot help. The body is already ``{"error", "error_description"}`` under
    any handler."""

    keeps_oauth_body = True

    def __init__(self, description: str = KEYS_CANNOT) -> None:
        super().__init__({"error": "access_denied", "error_description": description})


class RequireMFA(BasePermission):
    """Passes for access tokens with ``otp`` in ``amr`` (and, with ``max_age``, a recent ``auth_time``)."""

    max_age: int | None = None

    @classmethod
    def with_max_age(cls, seconds: int) -> type[RequireMFA]:
        """A subclass refusing second factors older than ``seconds``."""
        return type(f"RequireMFA{seconds}", (cls,), {"max_age": seconds})

    def get_max_age(self) -> int | None:
        return self.max_age

    def has_permission(self, request: Request, view: APIView) -> bool:
        if isinstance(request.auth, AuthenticatedKey):
            raise SecondFactorImpossible()
        if not request.user or not request.user.is_authenticated:
            return False  # DRF answers "not authenticated" first
        claims: Any = request.auth
        max_age = self.get_max_age()
        if not isinstance(claims, Mapping):  # not an access token: it cannot step up
            if max_age is None and _verified_by_django_otp(request):
                return True
            raise SecondFactorImpossible(SIGN_IN_CANNOT)
        amr = claims.get("amr")
        if not isinstance(amr, list) or "otp" not in amr:
            raise InsufficientUserAuthentication(NEEDS_OTP, max_age)
        auth_time = claims.get("auth_time")
        if max_age is not None and (not is_number(auth_time) or time.time() - auth_time > max_age):
            raise InsufficientUserAuthentication(TOO_OLD, max_age)
        return True


def _verified_by_django_otp(request: Request) -> bool:
    """Whether django-otp's ``OTPMiddleware`` marked this session's user verified (a confirmed device of theirs
    checked in this session); ``False`` without the middleware, which is what adds ``is_verified``."""
    is_verified = getattr(request.user, "is_verified", None)
    return callable(is_verified) and is_verified() is True


class RecentMFA(RequireMFA):
    """``RequireMFA`` with ``max_age`` read from ``MFA_STEP_UP_MAX_AGE`` at each request."""

    def get_max_age(self) -> int:
        return int(apiauth_settings.MFA_STEP_UP_MAX_AGE.total_seconds())


class RecentMFAToCreateKeys(RecentMFA):
    """On the API-key endpoints: creating or rotating a key (``POST``) needs a recent second factor when
    ``MFA_REQUIRED_FOR_API_KEYS`` is on; listing and revoking never do (revoking only takes power away)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method != "POST" or not apiauth_settings.MFA_REQUIRED_FOR_API_KEYS:
            return True
        return super().has_permission(request, view)
