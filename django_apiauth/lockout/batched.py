"""Refused API keys counted in this process and pushed to the network's shared counter in batches.

A refused API key is answered from per-process memory (its lookup id's tag, the remembered rows); one call to
the shared counters per refusal made refusing cost more than accepting. Guessing a 256-bit secret is not
feasible, so this counter bounds the work a flood causes and the noise it makes, not a guess: it need not be
exact to the attempt. Password logins and MFA codes never come here: their counters reserve a slot before
the hash is computed, exactly, in one atomic call each.

Per network (``lockout.service`` names it), this process keeps:

* refusals not pushed yet, pushed as one call adding them all when they reach :func:`batch_size`, when the
  oldest is :data:`PUSH_INTERVAL` old at the next refusal, before the database is asked about a key
  (``check_allowed``), when the entry is evicted and at process exit;
* the wait the last push answered: while it lasts, but for at most :data:`WAIT_MEMORY` seconds (so an
  operator's unlock reaches every process within it), refusals from that network are 429s with no call at all.
  A network over its threshold is pushed refusal by refusal, as before batching, so its waits keep doubling.

Precision, with N processes and batch size B: the shared counter lags by at most N * (B - 1) refusals, and a
network makes at most ``LOCKOUT_IP_FAILURES + N * (B - 1)`` refused API keys before every process answers it
429. B is a tenth of the threshold, between 1 and :data:`MAX_BATCH`: 10 for the default 100 (at most 136
refusals with 4 workers), 1 (exact) for a threshold below 20.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django_apiauth.conf import ApiAuthSettings
from django_apiauth.localcache import register
from django_apiauth.settings_spec import user_settings

#: Largest batch, whatever the threshold: a process never holds more of one network's refusals than this (and
#: never for more than ``PUSH_INTERVAL`` while they keep coming).
MAX_BATCH = 1_000
#: Seconds after which a network's pending refusals are pushed with its next refusal, however few.
PUSH_INTERVAL = 1.0
#: Seconds a wait answered by the shared counter is believed here before it is asked again.
WAIT_MEMORY = 1.0
#: Networks this process keeps counts for; making room pushes the oldest entry's count first.
MAX_NETWORKS = 10_000
#: The setting's declaration (its value is read on each call), looked up once: refusals read it.
_LOCKOUT_IP_FAILURES = ApiAuthSettings.LOCKOUT_IP_FAILURES


def batch_size(values: dict[str, Any] | None = None) -> int:
    """A tenth of ``LOCKOUT_IP_FAILURES``, between 1 and ``MAX_BATCH``; ``values`` is the ``APIAUTH`` dict when
    the caller has read it already (``settings_spec.user_settings``)."""
    threshold = _LOCKOUT_IP_FAILURES.value_in(user_settings() if values is None else values)
    return max(1, min(MAX_BATCH, threshold // 10))


@dataclass(slots=True)
class NetworkCount:
    """One network's refusals not pushed yet, and the last wait the shared counter answered for it: when it
    ends (``wait_ends_at``) and until when this process answers it alone (``believed_until``)."""

    pending: int = 0
    first_pending_at: float = 0.0
    wait_ends_at: float = 0.0
    believed_until: float = 0.0
    over_threshold: bool = False

    def remaining_wait(self, now: float) -> int:
        """Milliseconds of a wait this process still believes in; 0 when it must push or ask again."""
        return _ms(self.wait_ends_at - now) if self.believed_until > now else 0


@dataclass(frozen=True, slots=True)
class Step:
    """What the caller does for one refusal: answer 429 (``wait_ms`` > 0), push ``push`` refusals, or nothing."""

    wait_ms: int = 0
    push: int = 0


#: The step of almost every refusal (counted, nothing to do), built once: refusals are what a flood sends.
NOTHING = Step()


class RefusalCounts:
    """The bounded per-process map of networks' pending refusals and remembered waits."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._data: OrderedDict[str, NetworkCount] = OrderedDict()
        self._lock = threading.Lock()
        self.clock = clock

    def refused(self, network: str, batch: int) -> tuple[Step, Sequence[tuple[str, int]]]:
        """Count one refusal, pushed once ``batch`` (:func:`batch_size`) are pending; also returns the counts
        of entries evicted to make room (push them)."""
        now = self.clock()
        with self._lock:
            entry, evicted = self._entry(network)
            if entry.believed_until > now:
                return Step(wait_ms=_ms(entry.wait_ends_at - now)), evicted
            if entry.pending == 0:
                entry.first_pending_at = now
            entry.pending += 1
            if not (entry.over_threshold or entry.pending >= batch) and now - entry.first_pending_at < PUSH_INTERVAL:
                return NOTHING, evicted
            return Step(push=self._take(entry)), evicted

    def before_lookup(self, network: str) -> Step:
        """Before a database lookup: the remembered wait, or the pending refusals to push with the check."""
        now = self.clock()
        with self._lock:
            entry = self._data.get(network)
            if entry is None:
                return Step()
            wait_ms = entry.remaining_wait(now)
            return Step(wait_ms=wait_ms) if wait_ms else Step(push=self._take(entry))

    def learned(self, network: str, wait_ms: int, over_threshold: bool) -> None:
        """Remember what the shared counter answered: the network's wait (0 for none) and whether it is over
        its threshold."""
        now = self.clock()
        with self._lock:
            entry = self._data.get(network)
            if entry is None:
                return
            entry.over_threshold = over_threshold
            entry.wait_ends_at = now + wait_ms / 1000
            entry.believed_until = now + min(wait_ms / 1000, WAIT_MEMORY)

    def drain(self) -> list[tuple[str, int]]:
        """Every network's pending refusals, taken out to be pushed."""
        with self._lock:
            return [(network, self._take(entry)) for network, entry in self._data.items() if entry.pending]

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)

    def _entry(self, network: str) -> tuple[NetworkCount, Sequence[tuple[str, int]]]:
        entry = self._data.get(network)
        if entry is not None:
            return entry, ()
        evicted: list[tuple[str, int]] = []
        while len(self._data) >= MAX_NETWORKS:
            old_network, old = self._data.popitem(last=False)
            if old.pending:
                evicted.append((old_network, old.pending))
        entry = self._data[network] = NetworkCount()
        return entry, evicted

    @staticmethod
    def _take(entry: NetworkCount) -> int:
        taken, entry.pending = entry.pending, 0
        return taken


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


refusals = RefusalCounts()
register(
    "lockout.batched_refusals",
    refusals,
    size=f"{MAX_NETWORKS:,} networks; the oldest is pushed to the shared counter to make room",
    staleness="refusals reach the shared counter within a batch (a tenth of `LOCKOUT_IP_FAILURES`, at most "
    f"{MAX_BATCH:,}) or {PUSH_INTERVAL:g} s; a wait it answered is believed for at most {WAIT_MEMORY:g} s",
)
