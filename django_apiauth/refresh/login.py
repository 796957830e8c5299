"""Password login: authenticate through Django's backends, then start a refresh-token family.

The answer to a failed login never says why (unknown user, wrong password, inactive account): the caller
sees the same status and body, and Django's ``ModelBackend`` runs the password hasher for unknown users
too, so the time taken does not tell them apart either.
"""

from __future__ import annotations

import unicodedata

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from django_apiauth.conf import apiauth_settings
from django_apiauth.events.record import record_event
from django_apiauth.exceptions import InvalidGrant
from django_apiauth.models.events import EventType
from django_apiauth.models.refresh import RefreshTransport
from django_apiauth.refresh.service import TokenPair, issue_family

LOGIN_FAILED = "Invalid username or password."


@sensitive_variables("password")
def login(
    request: HttpRequest, *, username: str, password: str, transport: RefreshTransport = RefreshTransport.BODY
) -> TokenPair:
    """Authenticate and issue a token pair; raises ``InvalidGrant`` (the same one) for every failure.

    The username is NFKC-normalised as ``create_user`` stores it and Django's ``AuthenticationForm`` reads
    it, so "ﬁsh" (U+FB01) finds the user "fish" here as it does on the admin login page.
    """
    username = unicodedata.normalize("NFKC", username)
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        record_event(EventType.LOGIN_FAILED, request=request, details={"method": "password"}, aggregate=True)
        raise InvalidGrant(LOGIN_FAILED)
    pair = issue_family(user, request=request, scopes=apiauth_settings.LOGIN_SCOPES, transport=transport)
    record_event(EventType.LOGIN_SUCCEEDED, request=request, user=user, details={"family_id": pair.family.sid})
    return pair
