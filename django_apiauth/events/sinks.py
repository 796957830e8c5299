"""Where recorded events go. The database sink is the default; any callable taking a record is a sink."""

from __future__ import annotations

import ipaddress
from datetime import datetime, timezone

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.db.models.functions import Greatest

from django_apiauth.client_ip import parse_ip
from django_apiauth.conf import apiauth_settings
from django_apiauth.events.record import AuthEventRecord
from django_apiauth.localcache import register
from django_apiauth.models.events import AuthEvent
from django_apiauth.shared_cache import guarded, shared_cache

#: Where a process counts aggregated events while the shared cache is unreachable: each process then folds
#: its own floods (a row per process and window instead of one), and no event is lost.
#: A ``LocMemCache`` rather than a ``LocalCache``: aggregation needs the cache API (``add``, ``incr``).
local_counts = LocMemCache("apiauth-event-aggregation-fallback", {"OPTIONS": {"MAX_ENTRIES": 10_000}})
register(
    "events.outage_counts",
    local_counts,
    size="10,000 counters",
    staleness="two aggregation windows and an hour; used only while the shared cache is unreachable, never for "
    "a decision",
)

#: Extra lifetime of a window's shared counter and row id (see ``_ttl``).
LATE_TAIL_SECONDS = 3600


class DatabaseSink:
    """Stores events as ``AuthEvent`` rows, folding floods of aggregated events into one counted row.

    Aggregation counts in the shared cache (atomic ``incr``): the first event of a window inserts the row.
    Each process sends its first event of a window through :meth:`__call__` and then only adds counts
    (:meth:`add_count`, from ``events.aggregation``) when its own count reaches a power of two and when the
    window is over; the row's count is raised to the shared total each time. 10,000 identical failures make
    one row and ~14 writes, and the final count is exact.
    """

    def __call__(self, record: AuthEventRecord) -> None:
        if record.aggregate:
            self._aggregate(record)
        else:
            self._insert(record)

    @staticmethod
    def _insert(record: AuthEventRecord, count: int = 1, last_seen_at: datetime | None = None) -> AuthEvent:
        # A savepoint: a failed insert must not poison the caller's transaction on PostgreSQL.
        with transaction.atomic():
            return AuthEvent.objects.create(
                type=record.type,
                created_at=record.timestamp,
                last_seen_at=last_seen_at or record.timestamp,
                count=count,
                user_id=record.user_id,
                client_ip=record.client_ip,
                user_agent=record.user_agent,
                details=dict(record.details),
            )

    def add_count(self, record: AuthEventRecord, delta: int, last_seen_at: datetime) -> None:
        """``delta`` more events in the window of ``record`` (its first), the last at ``last_seen_at``: add
        them up and raise the row's count to the total."""
        if not guarded(
            "EVENT_AGGREGATION", lambda: self._add(record, delta, last_seen_at, shared_cache()), fallback=False
        ):
            self._add(record, delta, last_seen_at, local_counts)

    def _add(self, record: AuthEventRecord, delta: int, last_seen_at: datetime, cache: BaseCache) -> bool:
        window = _window()
        bucket = int(record.timestamp.timestamp()) // window
        ttl = _ttl(window)
        total = _increment(cache, _key(record, bucket, "n"), ttl, delta)
        if total == delta and cache.get(_key(record, bucket, "id")) is None:
            # This cache never saw the window (it was unreachable, or lost its keys): the counts start a row.
            row = self._insert(record, count=delta, last_seen_at=last_seen_at)
            cache.set(_key(record, bucket, "id"), row.pk, ttl)
            return True
        _flush(cache, record, bucket, window, total, last_seen_at)
        return True

    def _aggregate(self, record: AuthEventRecord) -> None:
        if not guarded("EVENT_AGGREGATION", lambda: self._count(record, shared_cache()), fallback=False):
            self._count(record, local_counts)

    def _count(self, record: AuthEventRecord, cache: BaseCache) -> bool:
        window = _window()
        bucket = int(record.timestamp.timestamp()) // window
        ttl = _ttl(window)
        count = _increment(cache, _key(record, bucket, "n"), ttl)
        if count == 1:
            row = self._insert(record)
            cache.set(_key(record, bucket, "id"), row.pk, ttl)
            _flush(cache, record, bucket - 1, window, cache.get(_key(record, bucket - 1, "n")))
        elif count & (count - 1) == 0:
            _flush(cache, record, bucket, window, count)
        return True


def _window() -> int:
    return max(1, int(apiauth_settings.EVENT_AGGREGATION_WINDOW.total_seconds()))


def _ttl(window: int) -> int:
    """How long a window's counter and row id stay in the shared cache: long enough for a process to push the
    window's tail with its first aggregated event of a later window, after up to an hour of quiet."""
    return window * 2 + LATE_TAIL_SECONDS


def _flush(
    cache: BaseCache,
    record: AuthEventRecord,
    bucket: int,
    window: int,
    count: object,
    last_seen_at: datetime | None = None,
) -> None:
    """Raise the row's count to ``count``; ``Greatest`` keeps out-of-order flushes from lowering it."""
    if not isinstance(count, int) or count < 2:
        return
    row_id = cache.get(_key(record, bucket, "id"))
    if row_id is None:
        return
    bucket_end = datetime.fromtimestamp((bucket + 1) * window, tz=timezone.utc)
    AuthEvent.objects.filter(pk=row_id).update(
        count=Greatest("count", count), last_seen_at=min(last_seen_at or record.timestamp, bucket_end)
    )


def _key(record: AuthEventRecord, bucket: int, part: str) -> str:
    return f"apiauth:event-agg:{record.type}:{flood_source(record.client_ip)}:{bucket}:{part}"


def flood_source(client_ip: str | None) -> str:
    """What one flooder controls: an IPv4 address, but a whole IPv6 /64 (one subscriber's allocation).

    Keyed by address, an attacker cycling through the 2**64 addresses of their /64 made one row per request.
    """
    address = parse_ip(client_ip)
    if address is None:
        return client_ip or "-"
    if address.version == 6:
        return str(ipaddress.ip_network((int(address) >> 64 << 64, 64)))
    return str(address)


def _increment(cache: BaseCache, key: str, ttl: int, delta: int = 1) -> int:
    """Atomic counter in the shared cache; a key that expired between ``add`` and ``incr`` restarts at ``delta``."""
    cache.add(key, 0, ttl)
    try:
        return int(cache.incr(key, delta))
    except ValueError:
        cache.set(key, delta, ttl)
        return delta
