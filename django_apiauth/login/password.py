"""The one authenticate service: every password check of the app goes through ``authenticate_password``.

The answer to a failed check never says why (unknown user, wrong password, inactive account): the caller
sees the same error, and Django's ``ModelBackend`` runs the password hasher for unknown users too, so the
time taken does not tell them apart either. Django's ``authenticate`` sends ``user_login_failed``.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from django_apiauth.events.record import record_event
from django_apiauth.exceptions import InvalidGrant
from django_apiauth.models.events import EventType

LOGIN_FAILED = "Invalid username or password."


@sensitive_variables("password")
def authenticate_password(request: HttpRequest, *, username: str, password: str, method: str = "password") -> Any:
    """The active user with these credentials; records ``login_failed`` and raises ``InvalidGrant`` otherwise.

    The username is NFKC-normalised as ``create_user`` stores it and Django's ``AuthenticationForm`` reads
    it, so "ﬁsh" (U+FB01) finds the user "fish" here as it does on the admin login page.
    """
    username = unicodedata.normalize("NFKC", username)
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        record_event(EventType.LOGIN_FAILED, request=request, details={"method": method}, aggregate=True)
        raise InvalidGrant(LOGIN_FAILED)
    return user
