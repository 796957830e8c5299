"""Password login: the authenticate service (``login.password``), then a new refresh-token family."""

from __future__ import annotations

from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from django_apiauth.conf import apiauth_settings
from django_apiauth.events.record import record_event
from django_apiauth.login.password import LOGIN_FAILED, authenticate_password
from django_apiauth.models.events import EventType
from django_apiauth.refresh.service import TokenPair, issue_family

__all__ = ["LOGIN_FAILED", "login"]


@sensitive_variables("password")
def login(request: HttpRequest, *, username: str, password: str) -> TokenPair:
    """Authenticate and issue a token pair; raises ``InvalidGrant`` (the same one) for every failure."""
    user = authenticate_password(request, username=username, password=password)
    pair = issue_family(user, request=request, scopes=apiauth_settings.LOGIN_SCOPES)
    record_event(EventType.LOGIN_SUCCEEDED, request=request, user=user, details={"family_id": pair.family.sid})
    return pair
