"""Remembered consent and the grants a user can list and revoke.

A confidential client that a user approved for a set of scopes is not asked about again for that set (or
a subset) while the consent stands. Public clients are always asked: any local process can claim to be a
native app on a loopback redirect URI (RFC 8252 §8.6), so their remembered consent would be anyone's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from django_apiauth.events.record import record_event
from django_apiauth.models.events import EventType
from django_apiauth.models.oauth import OAuthClient, OAuthConsent
from django_apiauth.models.refresh import RefreshTokenFamily, RevocationReason
from django_apiauth.oauth.clients import is_plausible_client_id
from django_apiauth.refresh.revocation import revoke_families


def may_skip_consent(user: Any, client: OAuthClient, scopes: Iterable[str]) -> bool:
    if not client.is_confidential:
        return False
    wanted = set(scopes)
    return any(wanted <= set(scope.split()) for scope in _consents(user, client))


def _consents(user: Any, client: OAuthClient) -> list[str]:
    return list(OAuthConsent.objects.filter(user=user, client=client).values_list("scope", flat=True))


def remember_consent(request: HttpRequest, user: Any, client: OAuthClient, scopes: Iterable[str]) -> None:
    """Record the approval (idempotent for the same scope set) and a ``oauth_consent_granted`` event."""
    scope = " ".join(sorted(set(scopes)))
    try:
        with transaction.atomic():
            OAuthConsent.objects.get_or_create(user=user, client=client, scope=scope)
    except IntegrityError:  # pragma: no cover - a concurrent approval of the same set: it exists now
        pass
    details = {"client_id": client.client_id, "scope": scope}
    record_event(EventType.OAUTH_CONSENT_GRANTED, request=request, user=user, details=details)


def grants_of(user: Any) -> list[dict[str, Any]]:
    """The clients ``user`` has approved or that hold a live session of theirs, oldest approval first."""
    consents = OAuthConsent.objects.filter(user=user).select_related("client").order_by("created_at")
    live = RefreshTokenFamily.objects.live().filter(user=user).exclude(client_id="")
    client_ids = {consent.client.client_id for consent in consents} | set(live.values_list("client_id", flat=True))
    clients = {c.client_id: c for c in OAuthClient.objects.filter(client_id__in=client_ids)}
    grants: dict[str, dict[str, Any]] = {}
    for client_id in sorted(client_ids):
        client = clients.get(client_id)
        if client is not None:
            grants[client_id] = {"client_id": client_id, "name": client.name, "scopes": [], "granted_at": None}
    for consent in consents:
        grant = grants[consent.client.client_id]
        grant["scopes"] = sorted(set(grant["scopes"]) | set(consent.scope.split()))
        grant["granted_at"] = grant["granted_at"] or consent.created_at.isoformat()
    return list(grants.values())


def revoke_grant(request: HttpRequest, user: Any, client_id: str) -> bool:
    """Forget the consents of ``user`` for the client and revoke its sessions; ``False`` if there were none.

    An id no client can have (a NUL, which PostgreSQL text cannot hold, or longer than the column) is
    ``False`` before any query: it comes from the URL, and must answer 404 like any other unknown client.
    """
    if not is_plausible_client_id(client_id):
        return False
    with transaction.atomic():
        deleted, _ = OAuthConsent.objects.filter(user=user, client__client_id=client_id).delete()
        families = RefreshTokenFamily.objects.filter(user=user, client_id=client_id).exclude(client_id="")
        sids = revoke_families(families, RevocationReason.GRANT_REVOKED)
    if not deleted and not sids:
        return False
    details = {"client_id": client_id, "family_ids": sids}
    record_event(EventType.OAUTH_CONSENT_REVOKED, request=request, user=user, details=details)
    return True
