"""What one rate-limit check decided, computed the same way for every backend."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django_apiauth.throttling.rates import Rate


@dataclass(frozen=True)
class Decision:
    """The outcome of one check of one key against one rate.

    ``remaining`` counts the requests still allowed in the current window (after this one, if admitted);
    ``reset_after`` is the whole number of seconds until the oldest counted request leaves the window and a
    unit comes back (0 when nothing is counted). A refused check's ``retry_after`` is that wait, at least 1.
    """

    allowed: bool
    limit: int
    window: int
    remaining: int
    reset_after: int

    @property
    def retry_after(self) -> int:
        return max(1, self.reset_after)


def decide(allowed: bool, rate: Rate, count: int, oldest_ms: float, now_ms: float) -> Decision:
    """Build a ``Decision`` from a backend's raw answer: ``count`` requests in the window after the check,
    the oldest of them at ``oldest_ms`` (negative when none), the backend's clock at ``now_ms``."""
    remaining = max(0, rate.limit - count)
    if count > 0 and oldest_ms >= 0:
        reset_ms = max(0.0, oldest_ms + rate.window * 1000 - now_ms)
        reset_after = math.ceil(reset_ms / 1000)
    else:
        reset_after = 0
    return Decision(allowed, rate.limit, rate.window, remaining, reset_after)
