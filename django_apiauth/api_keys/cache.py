"""Per-process cache of key rows this process loaded, with staleness bounded by ``API_KEY_CACHE_TTL`` (<= 1 s).

Only *accepting* a key is served from the cache: a secret that does not match a cached row is re-checked
against the database (it may have just been rotated), and a revoked key disappears from every process within
the TTL because entries are never refreshed, only reloaded. Saving or deleting a key through the ORM also drops
it here at once (see ``receivers.py``); other processes rely on the TTL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django_apiauth.conf import apiauth_settings
from django_apiauth.localcache import LocalCache, local_cache
from django_apiauth.scopes.principals import Principal

#: Hard upper bound on staleness, whatever the setting says (system check ``apiauth.E023`` reports it).
MAX_TTL = 1.0


@dataclass(frozen=True)
class AuthenticatedKey(Principal):
    """``request.auth`` for API-key requests: which key it is, never its secret or hash.

    ``service_name`` is set for a service key (no human owner; ``request.user`` stays anonymous) and empty
    for a user's key (``request.user`` is the owner).
    """

    id: int
    name: str
    lookup_id: str
    scopes: frozenset[str]
    expires_at: datetime | None
    service_name: str = ""

    @property
    def service(self) -> str | None:
        return self.service_name or None


@dataclass(slots=True)
class KeyRow:
    """What verifying one key needs, loaded with a single query. ``owner`` is never handed out directly
    (callers get a copy), so nothing a view does to ``request.user`` can leak into the next request."""

    id: int
    lookup_id: str
    secret_hash: str = field(repr=False)  # keyed digests: never in tracebacks or logs either
    previous_secret_hash: str = field(repr=False)
    previous_secret_expires_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    owner: Any
    auth: AuthenticatedKey


verified_keys: LocalCache[KeyRow] = local_cache(
    "api_keys.verified_keys",
    maxsize=10_000,
    size="10,000 keys",
    staleness="`API_KEY_CACHE_TTL` (at most 1 s); saving or deleting a key drops it in this process at once",
)


def ttl() -> float:
    return min(max(apiauth_settings.API_KEY_CACHE_TTL, 0.0), MAX_TTL)


def get(lookup_id: str) -> KeyRow | None:
    return verified_keys.get(lookup_id)


def store(row: KeyRow) -> None:
    verified_keys.set(row.lookup_id, row, ttl())


def forget(lookup_id: str) -> None:
    verified_keys.discard(lookup_id)


def clear() -> None:
    verified_keys.clear()
