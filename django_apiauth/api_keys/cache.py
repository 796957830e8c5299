"""Per-process memory of key rows and of lookup ids that do not exist, both stale by at most
``API_KEY_CACHE_TTL`` (<= 1 s).

Positive entries: a revoked key disappears from every process within the TTL because entries are never
refreshed, only reloaded. A secret that does not match a cached row is re-checked against the database once
(the secret may have been rotated a moment ago elsewhere); the row reloaded for that check is marked
``rechecked``, and further wrong secrets for it are refused by one HMAC against it, without a query, until it
expires. A flood of wrong secrets for one lookup id therefore costs at most one query per TTL.

Negative entries: a lookup id the database did not know is remembered in a separate, bounded memory, so a
repeated unknown key costs no query; a key created in another process becomes usable when the entry expires
(within the TTL). The two memories are separate so that a flood of random ids can only evict other random
ids, never a live key's row. Saving or deleting a key through the ORM drops both entries here at once (see
``receivers.py``); other processes rely on the TTL.
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
    #: Loaded to check a secret that did not match: a wrong secret no longer warrants a query.
    rechecked: bool = False


verified_keys: LocalCache[KeyRow] = local_cache(
    "api_keys.verified_keys",
    maxsize=10_000,
    size="10,000 keys",
    staleness="`API_KEY_CACHE_TTL` (at most 1 s); saving or deleting a key drops it in this process at once",
)

#: Entries of :data:`unknown_lookup_ids`; with the TTL it bounds what a flood of random ids can hold.
UNKNOWN_IDS_SIZE = 20_000
#: Upper bound of one entry (12-character id, expiry tuple, ordered-dict slot and link: ~250 bytes measured,
#: ~300 at the peak of an eviction), so the memory stays under 20,000 x 350 bytes = 7 MB.
UNKNOWN_ID_ENTRY_BYTES = 350
unknown_lookup_ids: LocalCache[bool] = local_cache(
    "api_keys.unknown_lookup_ids",
    maxsize=UNKNOWN_IDS_SIZE,
    size="20,000 lookup ids (at most 7 MB); separate from the rows, so random ids never evict a live key",
    staleness="`API_KEY_CACHE_TTL` (at most 1 s); creating or saving a key drops its id in this process at once",
)


def ttl() -> float:
    return min(max(apiauth_settings.API_KEY_CACHE_TTL, 0.0), MAX_TTL)


def get(lookup_id: str) -> KeyRow | None:
    return verified_keys.get(lookup_id)


def store(row: KeyRow) -> None:
    verified_keys.set(row.lookup_id, row, ttl())


def is_known_unknown(lookup_id: str) -> bool:
    """Whether the database said, less than the TTL ago, that no key has this lookup id."""
    return unknown_lookup_ids.get(lookup_id) is not None


def store_unknown(lookup_id: str) -> None:
    unknown_lookup_ids.set(lookup_id, True, ttl())


def forget(lookup_id: str) -> None:
    verified_keys.discard(lookup_id)
    unknown_lookup_ids.discard(lookup_id)


def clear() -> None:
    verified_keys.clear()
    unknown_lookup_ids.clear()
