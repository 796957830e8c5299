"""Whether the session (``sid``) of an access token is still live: the shared cache first, the database always.

The shared cache holds one entry per session, ``live`` or ``revoked``. A login writes ``live``; every
revocation writes ``revoked`` (at once, and again when its transaction commits). The check reads that entry,
and a *missing* entry is never taken as an answer: it is looked up in the database (the authority) and
written back. So no eviction -- a full local-memory cache, a Redis under ``maxmemory`` pressure, another
account's flood of logins -- can turn a revoked session back into a live one; it only costs a query.

Repopulating after a miss reads the database twice around the write of ``live``: a revocation committed
before the second read is seen by it, one committed after it overwrites ``live`` on commit. So a stale
``live`` entry cannot outlast the request that wrote it.

A process remembers a session it found live for ``REVOKED_SESSIONS_LOCAL_TTL`` (0.5 s), so a busy API reads the
shared cache once per session and interval, not once per request; that is also how late a revocation made by
another process is seen. When the cache is unreachable the ``REVOKED_SESSIONS`` outage policy applies:
``open`` asks the database instead (no revoked token is accepted, at one query per session and interval),
``closed`` answers 503. Revocations that could not be written during an outage are kept by the process and
written on its next successful cache access.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from django_apiauth.blocking import blocking_point
from django_apiauth.conf import apiauth_settings
from django_apiauth.localcache import LocalCache, local_cache
from django_apiauth.models.refresh import RefreshTokenFamily
from django_apiauth.shared_cache import guarded, shared_cache

CONSUMER = "REVOKED_SESSIONS"
LIVE = "live"
REVOKED = "revoked"
_KEY = "apiauth:session:{}"
_OUTAGE = "outage"
#: sid -> True for sessions this process recently found live (bounded staleness, see module docstring).
known_live: LocalCache[bool] = local_cache(
    "refresh.known_live_sessions",
    maxsize=50_000,
    size="50,000 sessions",
    staleness="`REVOKED_SESSIONS_LOCAL_TTL` (0.5 s); a revocation in this process drops its entry at once",
)
#: Revocations whose cache write failed (sid -> entry lifetime in seconds), written once the cache answers.
_pending: dict[str, int] = {}
_pending_lock = threading.Lock()
#: A process cut off from its cache for long keeps at most this many unwritten revocations (newest win).
MAX_PENDING = 100_000


def token_lifetime() -> timedelta:
    """How long an access token can still be presented after it was issued: its lifetime plus leeway."""
    return apiauth_settings.ACCESS_TOKEN_LIFETIME + apiauth_settings.JWT_LEEWAY


def revoked_entry_ttl() -> int:
    """Seconds a ``revoked`` entry must last: no access token of the session is issued after its revocation,
    so every one has expired ``token_lifetime()`` later. (Losing the entry earlier only costs a query.)"""
    return max(1, int(token_lifetime().total_seconds()) + 1)


def live_entry_ttl(absolute_expires_at: datetime) -> int:
    """Seconds a ``live`` entry may last: access tokens of the session are issued until its absolute expiry."""
    return max(1, int((absolute_expires_at + token_lifetime() - timezone.now()).total_seconds()) + 1)


def mark_live(sid: str, absolute_expires_at: datetime) -> None:
    """A new session: its first requests need no database query. A failed write only costs that query."""
    ttl = live_entry_ttl(absolute_expires_at)
    guarded(CONSUMER, lambda: shared_cache().set(_KEY.format(sid), LIVE, ttl), fallback=None)


def remember_revoked(sids: Iterable[str]) -> None:
    """Write ``revoked`` for ``sids`` now and again when the surrounding transaction commits.

    The first write makes the revocation visible at once (and to tests that never commit); the one on
    commit overwrites a ``live`` entry that a concurrent miss may have written from the pre-commit state.
    If the transaction rolls back, the stray entry only refuses tokens until the next miss asks the database.
    """
    sids = list(sids)
    for sid in sids:
        known_live.discard(sid)  # this process sees its own revocations at once
    _write_revoked(sids)
    transaction.on_commit(lambda: _write_revoked(sids), robust=True)


def _write_revoked(sids: list[str]) -> None:
    ttl = revoked_entry_ttl()
    entries = {_KEY.format(sid): REVOKED for sid in sids}
    if entries and not guarded(CONSUMER, lambda: _set_many(entries, ttl), fallback=False):
        with _pending_lock:
            _pending.update(dict.fromkeys(sids, ttl))
            while len(_pending) > MAX_PENDING:
                del _pending[next(iter(_pending))]


def _set_many(entries: dict[str, str], ttl: int) -> bool:
    shared_cache().set_many(entries, ttl)
    return True


def _flush_pending() -> None:
    with _pending_lock:
        sids = list(_pending)
        _pending.clear()
    _write_revoked(sids)


def is_session_revoked(sid: str) -> bool:
    """Whether the session ``sid`` was revoked (or never existed): one cache read, the database on a miss."""
    blocking_point()
    if sid in _pending:  # revoked by this process while the cache was unreachable
        _flush_pending()
        return True
    state = guarded(CONSUMER, lambda: shared_cache().get(_KEY.format(sid)), fallback=_OUTAGE)
    if state == _OUTAGE:
        return _revoked_in_database(sid)
    if _pending:
        _flush_pending()
    if state in (LIVE, REVOKED):
        return state == REVOKED
    return _repopulate(sid)


def _repopulate(sid: str) -> bool:
    """A miss: ask the database, write the answer back, and ask again if the answer was ``live``."""
    if _revoked_in_database(sid):
        _write_revoked([sid])
        return True
    key = _KEY.format(sid)
    guarded(CONSUMER, lambda: shared_cache().add(key, LIVE, revoked_entry_ttl()), fallback=None)
    if _revoked_in_database(sid):  # revoked (and committed) between the two reads
        _write_revoked([sid])
        return True
    return False


def _revoked_in_database(sid: str) -> bool:
    """One indexed query. A session we have no row for is treated as revoked (pruned, or never ours)."""
    try:
        public_id = uuid.UUID(sid)
    except ValueError:
        return True
    rows = list(RefreshTokenFamily.objects.filter(public_id=public_id).values_list("revoked_at", flat=True)[:1])
    return not rows or rows[0] is not None
