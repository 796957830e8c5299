"""Proving the user again inside a session: a second factor (step-up) or a recent login / the password.

``step_up`` adds ``otp`` to the session's ``amr`` and renews its ``auth_time`` (RFC 9470: the client was
told ``insufficient_user_authentication`` and comes back with a stronger token). ``require_recent_login``
guards enrolment: an access token alone may be stolen, so it must come from a login at most
``MFA_ENROLMENT_MAX_AGE`` ago, or the request must carry the password.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from django_apiauth.conf import apiauth_settings
from django_apiauth.exceptions import InvalidGrant, InvalidRequest, RecentAuthenticationRequired
from django_apiauth.jwt.claims import is_number
from django_apiauth.login.password import authenticate_password
from django_apiauth.mfa.verification import verify_second_factor
from django_apiauth.refresh.reauthentication import reauthenticate_session
from django_apiauth.refresh.service import TokenPair

OTP = "otp"


def session_id(claims: object) -> str:
    """The ``sid`` of the access token that authenticated the request; ``InvalidRequest`` without one."""
    sid = claims.get("sid") if isinstance(claims, Mapping) else None
    if not isinstance(sid, str):
        raise InvalidRequest("This needs an access token of a login session (Authorization: Bearer).")
    return sid


def step_up(request: HttpRequest, user: Any, *, claims: object, code: object) -> TokenPair:
    """A fresh pair for the caller's session carrying ``otp``, once ``code`` verifies."""
    sid = session_id(claims)
    verify_second_factor(user, code, request=request, purpose="step_up")
    return reauthenticate_session(user, sid, methods=[OTP], request=request)


@sensitive_variables("password")
def require_recent_login(request: HttpRequest, user: Any, *, claims: object, password: str | None) -> None:
    """Pass when ``password`` is the user's, or the token's ``auth_time`` is recent enough; else raise
    ``RecentAuthenticationRequired`` (403)."""
    if password is not None:
        try:
            checked = authenticate_password(
                request, username=user.get_username(), password=password, method="reauthentication"
            )
        except InvalidGrant as exc:
            raise RecentAuthenticationRequired("The password is incorrect.") from exc
        if checked.pk != user.pk:  # pragma: no cover - a backend answering with another user
            raise RecentAuthenticationRequired("The password is incorrect.")
        return
    auth_time = claims.get("auth_time") if isinstance(claims, Mapping) else None
    max_age = apiauth_settings.MFA_ENROLMENT_MAX_AGE.total_seconds()
    if not is_number(auth_time) or time.time() - auth_time > max_age:
        raise RecentAuthenticationRequired()
