"""The one way a successful login becomes tokens: after the password, or after the password and MFA step.

Django's ``user_logged_in`` is sent here and only here, so for a user with a second factor it fires once that
factor is verified, not after the password alone (Django's own receiver then updates ``last_login``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest

from django_apiauth.events.record import record_event
from django_apiauth.models.events import EventType
from django_apiauth.refresh.service import TokenPair, issue_family


def complete_login(
    request: HttpRequest, user: Any, *, amr: Iterable[str], scopes: Iterable[str], client_id: str = ""
) -> TokenPair:
    """Start the refresh family (carrying ``amr``, ``auth_time``, ``scope``), announce the login, return the pair."""
    methods = list(amr)
    pair = issue_family(user, request=request, scopes=scopes, client_id=client_id, amr=methods)
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    record_event(
        EventType.LOGIN_SUCCEEDED,
        request=request,
        user=user,
        details={"family_id": pair.family.sid, "amr": methods},
    )
    return pair
