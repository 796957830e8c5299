"""The detectors, called by the services at the moments that matter (never per request, except the API-key
network check, which a per-process cache keeps to one shared-cache call per key, network and ten minutes).

* ``credential_stuffing``: one network failing on ``MONITOR_STUFFING_ACCOUNTS`` distinct accounts in
  ``MONITOR_WINDOW`` (password spraying);
* ``distributed_guessing``: one account failing from ``MONITOR_DISTRIBUTED_NETWORKS`` distinct networks;
* ``new_device``: a login or refresh from a network and user agent never seen for that user (not the first);
* ``refresh_token_reuse``: a consumed refresh token presented again (its family was revoked);
* ``api_key_new_network``: an API key used from a network it was not used from in 30 days.

Each fires once when its threshold is reached, not on every later failure.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from django_apiauth.conf import apiauth_settings
from django_apiauth.events.record import user_agent_of
from django_apiauth.localcache import LocalCache, local_cache
from django_apiauth.lockout.service import account_id
from django_apiauth.models.monitoring import KnownDevice
from django_apiauth.monitoring.distinct import add_member
from django_apiauth.monitoring.report import report
from django_apiauth.throttling.service import network_of

PREFIX = "apiauth:mon"
KEY_NETWORK_MEMORY = timedelta(days=30)
#: (key id, network) pairs this process checked recently: ten minutes, then one shared-cache call again.
recent_key_networks: LocalCache[bool] = local_cache(
    "monitoring.recent_key_networks",
    maxsize=50_000,
    size="50,000 key/network pairs",
    staleness="10 minutes: a key seen again from a network within it is not re-reported",
)
KEY_NETWORK_LOCAL_TTL = 600.0
#: Devices this process found known: an hour without asking the table again (its row is touched once a day).
known_devices: LocalCache[bool] = local_cache(
    "monitoring.known_devices",
    maxsize=50_000,
    size="50,000 devices",
    staleness="1 hour: a device known to this process is not looked up again",
)
KNOWN_DEVICE_LOCAL_TTL = 3600.0


def _window() -> int:
    return int(apiauth_settings.MONITOR_WINDOW.total_seconds())


def login_failed(request: HttpRequest, account: Any) -> None:
    """A failed password check for ``account`` (the name as typed) from the request's network."""
    if not apiauth_settings.MONITORING_ENABLED:
        return
    network, acct = network_of(request), account_id(account)
    accounts = add_member(f"{PREFIX}:stuffing:{network}", acct, _window())
    if accounts is not None and accounts[1] and accounts[0] == apiauth_settings.MONITOR_STUFFING_ACCOUNTS:
        report("credential_stuffing", request, {"network": network, "accounts": accounts[0], "window": _window()})
    networks = add_member(f"{PREFIX}:guessing:{acct}", network, _window())
    if networks is not None and networks[1] and networks[0] == apiauth_settings.MONITOR_DISTRIBUTED_NETWORKS:
        report("distributed_guessing", request, {"account": acct, "networks": networks[0], "window": _window()})


def device_seen(request: HttpRequest, user: Any, *, via: str) -> None:
    """A login or refresh by ``user``: remember the device, and report it if it is new (not the first)."""
    if not apiauth_settings.MONITORING_ENABLED:
        return
    network = network_of(request)
    agent = user_agent_of(request)
    agent_hash = hashlib.sha256(agent.encode()).hexdigest()
    local_key = (user.pk, network, agent_hash)
    if known_devices.get(local_key):
        return  # seen by this process within the hour: no query
    now = timezone.now()
    known = KnownDevice.objects.filter(user=user, network=network, user_agent_hash=agent_hash).first()
    known_devices.set(local_key, True, KNOWN_DEVICE_LOCAL_TTL)
    if known is not None:
        if known.last_seen_at < now - apiauth_settings.MONITOR_DEVICE_TOUCH_INTERVAL:
            KnownDevice.objects.filter(pk=known.pk, last_seen_at=known.last_seen_at).update(last_seen_at=now)
        return
    first = not KnownDevice.objects.filter(user=user).exists()
    try:
        with transaction.atomic():
            KnownDevice.objects.create(user=user, network=network, user_agent_hash=agent_hash)
    except IntegrityError:
        return  # a concurrent login from the same device recorded it first
    if not first:
        report("new_device", request, {"network": network, "user_agent": agent[:120], "via": via}, user=user)


def refresh_token_reused(request: HttpRequest, family_sid: str, user: Any) -> None:
    if apiauth_settings.MONITORING_ENABLED:
        report("refresh_token_reuse", request, {"family_id": family_sid, "network": network_of(request)}, user=user)


def api_key_used(request: HttpRequest | None, key_id: int, owner: Any = None) -> None:
    """A successful API-key request: report the first use from a network unseen for 30 days (not the first)."""
    if request is None or not apiauth_settings.MONITORING_ENABLED:
        return
    network = network_of(request)
    if recent_key_networks.get((key_id, network)):
        return
    recent_key_networks.set((key_id, network), True, KEY_NETWORK_LOCAL_TTL)
    seen = add_member(f"{PREFIX}:keynets:{key_id}", network, int(KEY_NETWORK_MEMORY.total_seconds()))
    if seen is not None and seen[1] and seen[0] > 1:
        evidence = {"api_key_id": key_id, "network": network, "networks": seen[0]}
        report("api_key_new_network", request, evidence, user=owner)
