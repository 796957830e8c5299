"""The outcome of authenticating one request, computed at most once and kept on the request."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from django_apiauth.api_keys.exceptions import APIKeyRejected
from django_apiauth.authn.asynchronous import aauthenticate
from django_apiauth.authn.core import Identity, authenticate
from django_apiauth.exceptions import ApiAuthError

ATTRIBUTE = "_apiauth_outcome"


@dataclass(frozen=True)
class Outcome:
    """``identity`` for an accepted credential, ``error`` for a refused one (or an outage deciding it), neither
    without a credential."""

    identity: Identity | None = None
    error: ApiAuthError | None = None

    @property
    def refused_api_key(self) -> bool:
        return isinstance(self.error, APIKeyRejected)


def outcome_of(request: HttpRequest) -> Outcome:
    """Authenticate ``request`` once (sync); later calls return the same outcome."""
    known: Outcome | None = getattr(request, ATTRIBUTE, None)
    if known is None:
        try:
            known = Outcome(identity=authenticate(request))
        except ApiAuthError as exc:  # refused (401), or undecidable right now (503): never a 500
            known = Outcome(error=exc)
        setattr(request, ATTRIBUTE, known)
    return known


async def aoutcome_of(request: HttpRequest) -> Outcome:
    """Async :func:`outcome_of`: no thread switch when the per-process caches answer."""
    known: Outcome | None = getattr(request, ATTRIBUTE, None)
    if known is None:
        try:
            known = Outcome(identity=await aauthenticate(request))
        except ApiAuthError as exc:  # refused (401), or undecidable right now (503): never a 500
            known = Outcome(error=exc)
        setattr(request, ATTRIBUTE, known)
    return known
