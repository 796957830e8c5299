"""Per-process counting of aggregated events, so a flood of refusals costs a dictionary update per event.

An aggregated event (a failure or rejection: ``record_event(..., aggregate=True)``) is folded, per type, flood
source (an IP, or an IPv6 /64) and ``EVENT_AGGREGATION_WINDOW`` window, into one ``AuthEvent`` row with a count.
Only the first such event a process sees in a window is built as a record (scrubbed, logged, signalled, sent to
the sinks, which insert or join the row through the shared counter); every further one in that window only adds
one to this process's pending count. Pending counts are pushed to the shared counter, and from there onto the
row, when they reach a power of two (so a flood's row keeps growing while it lasts, with a logarithmic number
of writes) and when the window is over: the first aggregated event of a later window, of any type and source,
pushes every earlier window's tail, however many windows were skipped in between. :func:`flush` pushes
everything at once (tests); at interpreter exit it runs by itself, for at most ``EXIT_FLUSH_SECONDS``.

The pending map is bounded by :data:`MAX_PENDING` entries; making room pushes the oldest entry first, so a
flood from many sources costs more writes but never loses a count.
"""

from __future__ import annotations

import atexit
import logging
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.http import HttpRequest

from django_apiauth.conf import ApiAuthSettings, apiauth_settings
from django_apiauth.localcache import register, register_memo
from django_apiauth.settings_spec import user_settings
from django_apiauth.shared_cache import push_tails_at_exit

#: Windows (type, source, window number) a process may hold counts for before it pushes the oldest early.
MAX_PENDING = 10_000
#: How long a process's exit may spend pushing pending counts.
EXIT_FLUSH_SECONDS = 2.0
logger = logging.getLogger("django_apiauth.events")

AggregationKey = tuple[str, str, int]
#: The setting's declaration (its value is read on each call), looked up once: every counted refusal reads it.
_WINDOW = ApiAuthSettings.EVENT_AGGREGATION_WINDOW


@dataclass(slots=True)
class Pending:
    """One window's events counted here (``count``) and how many of them the shared counter has (``pushed``);
    ``record`` is the window's first record, which names the row."""

    record: Any
    window: int
    last_seen: float
    count: int = 1
    pushed: int = 1


class PendingCounts:
    """The bounded per-process map of pending counts; pushing happens outside its lock."""

    def __init__(self) -> None:
        self._data: OrderedDict[AggregationKey, Pending] = OrderedDict()
        self._lock = threading.Lock()
        self._current_window = -1

    def count(self, key: AggregationKey, now: float) -> Any:
        """Add one to ``key``'s count and return its window's first record; ``None`` when this process has no
        entry for it yet (the event must then be recorded in full)."""
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                return None
            entry.count += 1
            entry.last_seen = now
            delta = 0
            if entry.count & (entry.count - 1) == 0:
                delta, entry.pushed = entry.count - entry.pushed, entry.count
        if delta:
            _push(entry.record, delta, now)
        return entry.record

    def start(self, key: AggregationKey, record: Any) -> None:
        """Open ``key``'s entry once its first event went through the sinks (which counted that one)."""
        evicted: list[Pending] = []
        with self._lock:
            if key in self._data:
                return
            while len(self._data) >= MAX_PENDING:
                evicted.append(self._data.popitem(last=False)[1])
            self._data[key] = Pending(record, key[2], record.timestamp.timestamp())
        for entry in evicted:
            _push_rest(entry)

    def close_windows_before(self, window: int) -> None:
        """Push the tails of windows older than ``window``; one comparison unless the window just changed."""
        if window == self._current_window:
            return
        with self._lock:
            self._current_window = window
            over = [key for key, entry in self._data.items() if entry.window < window]
            ended = [self._data.pop(key) for key in over]
        for entry in ended:
            _push_rest(entry)

    def flush(self, deadline: float = math.inf) -> int:
        """Push every pending count now, until ``time.monotonic()`` passes ``deadline``; returns how many
        windows' counts were left unpushed (and dropped)."""
        with self._lock:
            ended = list(self._data.values())
            self._data.clear()
        for index, entry in enumerate(ended):
            if time.monotonic() > deadline:
                return len(ended) - index
            _push_rest(entry)
        return 0

    def clear(self) -> None:
        """Forget pending counts without pushing them (what ``clear_caches`` does between tests)."""
        with self._lock:
            self._data.clear()
            self._current_window = -1

    def __len__(self) -> int:
        return len(self._data)


def _push_rest(entry: Pending) -> None:
    if entry.count > entry.pushed:
        _push(entry.record, entry.count - entry.pushed, entry.last_seen)


def _push(record: Any, delta: int, last_seen: float) -> None:
    from django_apiauth.events.record import push_count

    push_count(record, delta, last_seen)


def flush() -> None:
    """Push every pending count of this process to the shared counter and the rows (tests, shutdown)."""
    pending.flush()


def _flush_at_exit() -> None:
    """At interpreter exit (a worker's graceful shutdown), push this process's tails so the rows' counts stay
    exact, for at most ``EXIT_FLUSH_SECONDS`` (each window costs a shared-cache call and an UPDATE); a process
    killed without exiting loses its tails, at most what it counted since the last power of two per window."""
    push_tails_at_exit(pending.flush, EXIT_FLUSH_SECONDS, "event counts", "windows", logger)


atexit.register(_flush_at_exit)


pending = PendingCounts()
register(
    "events.pending_counts",
    pending,
    size=f"{MAX_PENDING:,} windows (type, source, window); the oldest is pushed to make room",
    staleness="counts reach the row at each power of two and in full with this process's first aggregated "
    "event of a later `EVENT_AGGREGATION_WINDOW` (or `events.aggregation.flush()`, or at process exit)",
)


@lru_cache(maxsize=4096)
def _flood_source(remote_addr: object, forwarded_for: object, trusted_proxies: tuple[str, ...]) -> str:
    from django_apiauth.client_ip import client_ip_from
    from django_apiauth.events.sinks import flood_source

    return flood_source(client_ip_from(remote_addr, forwarded_for, trusted_proxies))


register_memo("events.flood_sources", _flood_source, size="4,096 (peer, X-Forwarded-For, proxies) triples")


def flood_source_of(request: HttpRequest | None, trusted_proxies: tuple[str, ...] | None = None) -> str:
    """What one flooder controls (``sinks.flood_source`` of the client IP), memoised on the raw headers: parsing
    addresses costs more than the rest of counting a refusal. ``trusted_proxies`` is ``TRUSTED_PROXIES`` when
    the caller has read it already."""
    if request is None:
        return "-"
    meta = request.META
    remote_addr, forwarded_for = meta.get("REMOTE_ADDR"), meta.get("HTTP_X_FORWARDED_FOR", "")
    proxies = apiauth_settings.TRUSTED_PROXIES if trusted_proxies is None else trusted_proxies
    try:
        return _flood_source(remote_addr, forwarded_for, proxies)
    except TypeError:  # an unhashable header value (never from a WSGI server): no memo
        return _flood_source.__wrapped__(remote_addr, forwarded_for, proxies)


def window_seconds(values: dict[str, Any] | None = None) -> int:
    """``EVENT_AGGREGATION_WINDOW`` in whole seconds (at least 1); ``values`` is the ``APIAUTH`` dict when the
    caller has read it already (``settings_spec.user_settings``)."""
    window = _WINDOW.value_in(user_settings() if values is None else values)
    return max(1, int(window.total_seconds()))
