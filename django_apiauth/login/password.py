"""The one authenticate service: every password check of the app goes through here.

Order matters: the brute-force counters reserve a failure slot *before* Django's backends hash anything, so
a locked-out client costs no hashing at all (429 with ``Retry-After``) and a concurrent burst hashes at most
``LOCKOUT_FAILURES`` wrong passwords. A success gives the slot back and resets the account's counters; the
counters key on the name as typed, so a lockout looks the same for accounts that do not exist.

The answer to a failed check never says why (unknown user, wrong password, inactive account): the caller
sees the same ``InvalidGrant``, and Django's ``ModelBackend`` runs the password hasher for unknown users
too, so the time taken does not tell them apart either. Django's ``authenticate`` sends
``user_login_failed`` (with the request) when no backend accepts the credentials; a backend that accepts an
inactive user is refused here, and the signal is sent for it too.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.contrib.auth import authenticate, get_user_model, user_login_failed
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from django_apiauth.events.record import record_event
from django_apiauth.exceptions import InvalidGrant
from django_apiauth.lockout import service as lockout
from django_apiauth.models.events import EventType
from django_apiauth.monitoring import detectors

LOGIN_FAILED = "Invalid username or password."


@sensitive_variables("password")
def authenticate_password(request: HttpRequest, *, username: str, password: str, method: str = "password") -> Any:
    """The active user whose ``USERNAME_FIELD`` is ``username`` and whose password is ``password``.

    The username is NFKC-normalised as ``create_user`` stores it and Django's ``AuthenticationForm`` reads
    it, so "ﬁsh" (U+FB01) finds the user "fish" here as it does on the admin login page. Raises the same
    ``InvalidGrant`` for every failure, after recording an aggregated ``login_failed`` event (whose
    ``method`` says which check failed: ``password`` for a login, ``reauthentication`` for a confirmation);
    ``RateLimited`` while the client must wait; ``TemporarilyUnavailable`` when the counters are
    unreachable and ``LOCKOUT`` fails closed.
    """
    username = unicodedata.normalize("NFKC", username)
    attempt = lockout.begin("login", request, account=username)
    user = authenticate(request, username=username, password=password)
    if user is not None and not user.is_active:
        # Django sends the signal itself only when every backend refused.
        user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
        user = None
    if user is None:
        attempt.failed()
        record_event(EventType.LOGIN_FAILED, request=request, details={"method": method}, aggregate=True)
        detectors.login_failed(request, username)
        raise InvalidGrant(LOGIN_FAILED)
    attempt.succeeded()
    detectors.device_seen(request, user, via="login")
    return user


def username_field() -> str:
    """The login body field named after the user model's ``USERNAME_FIELD`` (``username``, ``email``, ...)."""
    return str(get_user_model().USERNAME_FIELD)
