"""Exact sliding windows in this process's memory: for development and single-process servers only.

Counters are not shared between processes, so N workers admit up to N times the limit; system check
``apiauth.W039`` says so whenever the throttle cache is a per-process one outside ``DEBUG``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Sequence

from django_apiauth.throttling.decision import Decision, decide
from django_apiauth.throttling.rates import Rate

#: Keys kept at most; the least recently used are dropped first (a dropped key starts a fresh window).
MAX_KEYS = 100_000


class LocalSlidingWindow:
    """Sliding logs of admission times (``time.time()``, so ``time-machine`` controls it) under one lock."""

    def __init__(self) -> None:
        self._logs: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, keys: Sequence[str], rates: Sequence[Rate]) -> list[Decision]:
        now = time.time() * 1000
        with self._lock:
            logs = [self._log(key, rate, now) for key, rate in zip(keys, rates, strict=True)]
            allowed = all(len(log) < rate.limit for log, rate in zip(logs, rates, strict=True))
            if allowed:
                for log in logs:
                    log.append(now)
            return [
                decide(allowed, rate, len(log), log[0] if log else -1, now)
                for log, rate in zip(logs, rates, strict=True)
            ]

    def _log(self, key: str, rate: Rate, now: float) -> deque[float]:
        log = self._logs.get(key)
        if log is None:
            log = self._logs[key] = deque()
            while len(self._logs) > MAX_KEYS:
                self._logs.popitem(last=False)
        else:
            self._logs.move_to_end(key)
        cutoff = now - rate.window * 1000
        while log and log[0] <= cutoff:
            log.popleft()
        return log

    def clear(self) -> None:
        with self._lock:
            self._logs.clear()


#: The one per-process store (cleared between tests).
local_windows = LocalSlidingWindow()
