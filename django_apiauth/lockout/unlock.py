"""Clearing failure counters by hand (``manage.py unlock``, the events admin): the operator's override."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from django_apiauth.events.record import record_event
from django_apiauth.events.sinks import flood_source
from django_apiauth.lockout.service import PREFIX, account_id, store_for
from django_apiauth.models.events import EventType
from django_apiauth.shared_cache import shared_cache


def unlock_account(
    username: str | None = None, *, hashed: str | None = None, request: HttpRequest | None = None, actor: Any = None
) -> int:
    """Clear every counter of one account (by name, or by the hashed id a ``lockout`` event carries):
    its per-network pairs, its account-wide networks and its MFA counter. Returns how many were cleared."""
    acct = hashed if hashed is not None else account_id(username or "")
    store = store_for(shared_cache())
    networks = store.members(f"{PREFIX}:acct:{acct}")
    keys = [f"{PREFIX}:pair:{acct}:{net}" for net in sorted(networks)]
    keys += [f"{PREFIX}:acct:{acct}", f"{PREFIX}:acct:{acct}:t", f"{PREFIX}:mfa:{acct}"]
    cleared = store.delete(keys)
    record_event(EventType.LOCKOUT, request=request, user=actor, details={"action": "unlock", "account": acct})
    return cleared


def unlock_network(address: str, *, request: HttpRequest | None = None, actor: Any = None) -> int:
    """Clear the counters of one network (an IPv4 address, or the /64 of an IPv6 address) and of its
    per-account pairs. Returns how many were cleared."""
    network = flood_source(address)
    store = store_for(shared_cache())
    accounts = store.members(f"{PREFIX}:net:{network}")
    keys = [f"{PREFIX}:pair:{acct}:{network}" for acct in sorted(accounts)]
    keys += [f"{PREFIX}:ip:{network}", f"{PREFIX}:net:{network}"]
    cleared = store.delete(keys)
    record_event(EventType.LOCKOUT, request=request, user=actor, details={"action": "unlock", "network": network})
    return cleared
