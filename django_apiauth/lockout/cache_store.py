"""Failure counters on any other Django cache (local memory, memcached): ``incr``-based, stated precision.

A reservation reads the counter, then takes a slot with an atomic ``incr``. Past the threshold, a slot is
kept only if nobody else took one between the read and the ``incr``; otherwise it is given back. So a
concurrent burst still hashes at most ``threshold`` wrong passwords, the guarantee that matters. What is not
atomic here: the time of the last failure and the set of failing networks of an account are written with
plain ``set``, so under heavy concurrency a wait may start a moment early and the account-wide count of
networks may miss a few (the threshold is then reached a little later). Use Redis for exact counters.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence

from django.core.cache.backends.base import BaseCache

from django_apiauth.lockout.policy import Counter, Networks, Timing, Verdict


class CacheStore:
    def __init__(self, cache: BaseCache) -> None:
        self.cache = cache

    def reserve(
        self, entries: Sequence[Counter | Networks], timing: Timing, *, reserve: bool, amount: int = 1
    ) -> Verdict:
        """As ``RedisStore.reserve``: check the wait, then add ``amount`` failures to every counter."""
        now = int(time.time() * 1000)
        state = [self._read(entry) for entry in entries]
        until = max(
            (self._blocked_until(e, n, last, timing) for e, (n, last) in zip(entries, state, strict=True)), default=0
        )
        if until > now:
            return Verdict(False, until - now, tuple(n for n, _ in state))
        if not reserve:
            return Verdict(True, 0, tuple(n for n, _ in state))
        taken: list[tuple[Counter, int]] = []
        counts: list[int] = []
        for entry, (n, _) in zip(entries, state, strict=True):
            if isinstance(entry, Counter):
                count = self._take(entry, n, now, timing, amount)
                if count is None:
                    self._give_back([c for c, _ in taken], amount)
                    return Verdict(False, timing.wait_ms(0), tuple(n for n, _ in state))
                taken.append((entry, count))
                counts.append(count)
            else:
                counts.append(self._add_network(entry, now, timing))
        return Verdict(True, 0, tuple(counts))

    def _read(self, entry: Counter | Networks) -> tuple[int, int]:
        if isinstance(entry, Counter):
            values = self.cache.get_many([entry.key + ":n", entry.key + ":t"])
            return int(values.get(entry.key + ":n") or 0), int(values.get(entry.key + ":t") or 0)
        values = self.cache.get_many([entry.key, entry.key + ":t"])
        return len(values.get(entry.key) or ()), int(values.get(entry.key + ":t") or 0)

    @staticmethod
    def _blocked_until(entry: Counter | Networks, count: int, last: int, timing: Timing) -> int:
        if isinstance(entry, Counter):
            return last + timing.wait_ms(count - entry.threshold) if count >= entry.threshold else 0
        return last + timing.wait_ms(count - entry.threshold - 1) if count > entry.threshold else 0

    def _take(self, entry: Counter, seen: int, now: int, timing: Timing, amount: int = 1) -> int | None:
        """Take ``amount`` slots; ``None`` when a concurrent attempt took the last free one first."""
        name = entry.key + ":n"
        ttl = (timing.window_ms + timing.max_ms) // 1000 + 1
        if self.cache.add(name, amount, ttl):
            count = amount
        else:
            try:
                count = int(self.cache.incr(name, amount))
            except ValueError:  # pragma: no cover - expired between add and incr: a counter a window old
                self.cache.set(name, amount, ttl)
                count = amount
        if count > entry.threshold and count != seen + amount:
            self._give_back([entry], amount)
            return None
        # Forgotten a window after the wait this failure starts, as on Redis.
        wait = timing.wait_ms(count - entry.threshold) if count >= entry.threshold else 0
        ttl = (timing.window_ms + wait) // 1000 + 1
        self.cache.touch(name, ttl)
        self.cache.set(entry.key + ":t", now, ttl)
        return count

    def _give_back(self, entries: Sequence[Counter], amount: int = 1) -> None:
        for entry in entries:
            # A counter that expired meanwhile has nothing to give back.
            with contextlib.suppress(ValueError):
                self.cache.decr(entry.key + ":n", amount)

    def _add_network(self, entry: Networks, now: int, timing: Timing) -> int:
        ttl = timing.account_window_ms // 1000 + 1
        networks = set(self.cache.get(entry.key) or ()) | {entry.network}
        self.cache.set_many({entry.key: sorted(networks), entry.key + ":t": now}, ttl)
        accounts = set(self.cache.get(entry.index_key) or ()) | {entry.account}
        self.cache.set(entry.index_key, sorted(accounts), ttl)
        return len(networks)

    def release(self, entries: Sequence[Counter | Networks]) -> None:
        for entry in entries:
            if isinstance(entry, Networks):
                self.cache.delete_many([entry.key, entry.key + ":t"])
            elif entry.reset_on_success:
                self.cache.delete_many([entry.key + ":n", entry.key + ":t"])
            elif int(self.cache.get(entry.key + ":n") or 0) > 0:
                self._give_back([entry])

    def members(self, key: str) -> set[str]:
        return set(self.cache.get(key) or ())

    def delete(self, keys: Sequence[str]) -> int:
        names = [name for key in keys for name in (key, key + ":n", key + ":t")]
        found = self.cache.get_many(names)
        self.cache.delete_many(names)
        return len({name.rsplit(":", 1)[0] if name.endswith((":n", ":t")) else name for name in found})
