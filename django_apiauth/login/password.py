"""The one authenticate service: every password check of the app (API login, later the OAuth login page and
a step-up with password) goes through :func:`authenticate_password`.

Order matters: the brute-force counters reserve a failure slot *before* Django's backends hash anything, so
a locked-out client costs no hashing at all (429 with ``Retry-After``) and a concurrent burst hashes at most
``LOCKOUT_FAILURES`` wrong passwords. A success gives the slot back and resets the account's counters. The
answer to a failure never says why (unknown user, wrong password, inactive account), and the counters key
on the name as typed, so a lockout looks the same for accounts that do not exist.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from django_apiauth.events.record import record_event
from django_apiauth.exceptions import InvalidGrant
from django_apiauth.lockout import service as lockout
from django_apiauth.models.events import EventType
from django_apiauth.monitoring import detectors

LOGIN_FAILED = "Invalid username or password."


@sensitive_variables("password")
def authenticate_password(request: HttpRequest, *, username: str, password: str) -> Any:
    """The active user whose credentials these are; raises ``InvalidGrant`` (always the same one) otherwise,
    ``RateLimited`` while the client must wait, ``TemporarilyUnavailable`` when the counters are unreachable
    and ``LOCKOUT`` fails closed.

    The username is NFKC-normalised as ``create_user`` stores it and Django's ``AuthenticationForm`` reads
    it, so "ﬁsh" (U+FB01) finds the user "fish" here as it does on the admin login page.
    """
    username = unicodedata.normalize("NFKC", username)
    attempt = lockout.begin("login", request, account=username)
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        attempt.failed()
        record_event(EventType.LOGIN_FAILED, request=request, details={"method": "password"}, aggregate=True)
        detectors.login_failed(request, username)
        raise InvalidGrant(LOGIN_FAILED)
    attempt.succeeded()
    detectors.device_seen(request, user, via="login")
    return user
