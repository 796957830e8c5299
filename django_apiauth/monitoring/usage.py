"""Opt-in counters of successful credential use per window (``MONITOR_CREDENTIAL_USE``).

One atomic ``incr`` in the shared cache per use, no database write, so "token validation" can be watched
(per API key, signing key ``kid`` and OAuth client) without a write per request. Windows are
``MONITOR_WINDOW`` long, aligned to the epoch; the current and the previous window can be read.
"""

from __future__ import annotations

import contextlib
import time

from django_apiauth.conf import apiauth_settings
from django_apiauth.shared_cache import is_outage, shared_cache

PREFIX = "apiauth:mon:use"
KINDS = ("api_key", "signing_key", "client")


def _bucket(offset: int = 0) -> int:
    return int(time.time() // apiauth_settings.MONITOR_WINDOW.total_seconds()) - offset


def count_use(kind: str, ident: object) -> None:
    """Count one successful use of credential ``ident`` of ``kind``; a no-op unless opted in."""
    if not apiauth_settings.MONITOR_CREDENTIAL_USE:
        return
    key = f"{PREFIX}:{kind}:{ident}:{_bucket()}"
    ttl = int(apiauth_settings.MONITOR_WINDOW.total_seconds()) * 2 + 60
    try:
        cache = shared_cache()
        if not cache.add(key, 1, ttl):
            with contextlib.suppress(ValueError):  # expired between add and incr: the count restarts
                cache.incr(key)
    except Exception as exc:
        if not is_outage(exc):
            raise


def credential_use(kind: str, ident: object, *, previous: bool = False) -> int:
    """Uses of ``ident`` counted in the current window (or the previous one)."""
    value = shared_cache().get(f"{PREFIX}:{kind}:{ident}:{_bucket(1 if previous else 0)}")
    return value if isinstance(value, int) else 0
