"""The one completion of a successful login: grant scopes, start the refresh family, tell Django.

Runs once the user is fully authenticated (after the password, or after the second factor when one is
required): it grants the asked scopes the registry allows, starts a refresh-token family remembering that
grant, sends Django's ``user_logged_in`` with the request (``last_login`` is updated by it unless
``APIAUTH["UPDATE_LAST_LOGIN"]`` is off) and records ``login_succeeded``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth import get_user_model, user_logged_in
from django.contrib.auth.models import update_last_login
from django.db.models.query_utils import DeferredAttribute
from django.http import HttpRequest

from django_apiauth.conf import apiauth_settings
from django_apiauth.events.record import record_event
from django_apiauth.models.events import EventType
from django_apiauth.models.refresh import RefreshTransport
from django_apiauth.refresh.service import TokenPair, issue_family
from django_apiauth.scopes.grants import grant_for_user

#: Set while ``user_logged_in`` is sent for a login that must leave ``last_login`` alone.
_skip_last_login: ContextVar[bool] = ContextVar("apiauth_skip_last_login", default=False)


def complete_login(
    request: HttpRequest,
    user: Any,
    *,
    scope: Iterable[str] | None = None,
    client_id: str = "",
    amr: Iterable[str] = ("pwd",),
    transport: RefreshTransport = RefreshTransport.BODY,
) -> TokenPair:
    """Issue the token pair of a successful login. ``scope`` is what was asked (``None``: the default set);
    the granted subset is in ``pair.scope`` (and the family remembers it for every refresh). ``transport``:
    where the family's refresh tokens travel (the client's choice under ``REFRESH_TOKEN_TRANSPORT="both"``)."""
    granted = grant_for_user(user, scope)
    methods = list(amr)
    pair = issue_family(user, request=request, scopes=granted, client_id=client_id, transport=transport, amr=methods)
    with _last_login_updates(apiauth_settings.UPDATE_LAST_LOGIN):
        user_logged_in.send(sender=user.__class__, request=request, user=user)
    details = {"family_id": pair.family.sid, "amr": methods}
    record_event(EventType.LOGIN_SUCCEEDED, request=request, user=user, details=details)
    return pair


@contextmanager
def _last_login_updates(enabled: bool) -> Iterator[None]:
    token = _skip_last_login.set(not enabled)
    try:
        yield
    finally:
        _skip_last_login.reset(token)


def update_last_login_unless_skipped(sender: Any, user: Any, **kwargs: Any) -> None:
    """Stands in for Django's ``update_last_login`` receiver (same ``dispatch_uid``): identical for every
    other login (admin, session), skipped for ours when ``UPDATE_LAST_LOGIN`` is off."""
    if not _skip_last_login.get():
        update_last_login(sender, user, **kwargs)


def connect() -> None:
    """Replace Django's receiver under its ``dispatch_uid``, for user models with ``last_login`` (Django's
    own condition). Whichever app's ``ready`` runs first, ours stays: a second connect with a taken uid is
    ignored by Django."""
    if isinstance(getattr(get_user_model(), "last_login", None), DeferredAttribute):
        user_logged_in.disconnect(dispatch_uid="update_last_login")
        user_logged_in.connect(update_last_login_unless_skipped, dispatch_uid="update_last_login")
