"""Ending an OAuth client's access: deactivation, deletion, and revoking the client's own tokens.

Each is one transaction on the client's row and its refresh-token families. The row is what token checks
read (``oauth.principal``, cached per process for ``JWT_USER_CACHE_TTL``), so a deactivated client's tokens,
its own and its users', are refused everywhere within that bound, whatever the shared cache holds.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from django_apiauth.events.record import record_event
from django_apiauth.models.events import EventType
from django_apiauth.models.oauth import OAuthClient
from django_apiauth.models.refresh import RefreshTokenFamily, RevocationReason
from django_apiauth.oauth.principal import forget_client
from django_apiauth.refresh.revocation import revoke_families


def revoke_client_tokens(client_id: str) -> None:
    """Refuse every ``client_credentials`` token the client holds now (RFC 7009 lets a server revoke the
    related tokens of a revoked one: a client's own tokens are all alike). New tokens work from the next
    second on."""
    OAuthClient.objects.filter(client_id=client_id).update(tokens_revoked_at=timezone.now())
    forget_client(client_id)


def _end_sessions(client_id: str) -> list[str]:
    families = RefreshTokenFamily.objects.filter(client_id=client_id)
    return revoke_families(families, RevocationReason.CLIENT_DEACTIVATED)


def deactivate_clients(clients: Iterable[OAuthClient], *, request: HttpRequest | None = None) -> list[str]:
    """Deactivate ``clients``: no new tokens, their own tokens and their users' sessions end. Returns the
    ids of the clients that were active until now (each recorded as ``oauth_client_deactivated``)."""
    ids = [client.client_id for client in clients]
    now = timezone.now()
    with transaction.atomic():
        live = list(OAuthClient.objects.filter(client_id__in=ids, is_active=True).values_list("client_id", flat=True))
        OAuthClient.objects.filter(client_id__in=live).update(is_active=False, tokens_revoked_at=now)
        ended = {client_id: _end_sessions(client_id) for client_id in live}
    for client_id in ids:
        forget_client(client_id)
    for client_id, sids in ended.items():
        details = {"client_id": client_id, "family_ids": sids}
        record_event(EventType.OAUTH_CLIENT_DEACTIVATED, request=request, details=details)
    return live


def delete_clients(clients: Iterable[OAuthClient], *, request: HttpRequest | None = None) -> int:
    """Delete ``clients`` (returns how many) after deactivating them, so their users' sessions are revoked
    and recorded first (a deleted client's remaining tokens are refused because its row is gone)."""
    clients = list(clients)
    with transaction.atomic():
        deactivate_clients(clients, request=request)
        _, per_model = OAuthClient.objects.filter(pk__in=[client.pk for client in clients]).delete()
    for client in clients:
        forget_client(client.client_id)
    return per_model.get(OAuthClient._meta.label, 0)
