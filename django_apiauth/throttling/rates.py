"""Parsing rate strings such as ``100/min``, ``5/10m``, ``1000/day`` or ``10/s``.

A rate is a whole number of requests per window; the window is an optional whole multiplier and a unit.
Parsing is cached by the string itself, so changing ``APIAUTH["THROTTLE_RATES"]`` needs no invalidation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

UNITS: dict[str, int] = {
    "s": 1, "sec": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
}  # fmt: skip
_PATTERN = re.compile(r"(\d{1,9})/(\d{0,6})([a-z]{1,7})", re.ASCII)  # ASCII digits only, not every script's
#: A longer window would keep counters in the cache for more than a week: certainly a typo.
MAX_WINDOW_SECONDS = 7 * 86400
#: A sliding log stores one entry per admitted request; beyond this a window costs too much memory per key.
MAX_LIMIT = 100_000


@dataclass(frozen=True)
class Rate:
    """``limit`` requests in any ``window`` seconds."""

    limit: int
    window: int

    def __str__(self) -> str:
        return f"{self.limit}/{self.window}s"


class InvalidRate(ValueError):
    """The text is not a rate this module accepts; the message says why (system checks print it)."""


@lru_cache(maxsize=256)
def parse_rate(text: str) -> Rate:
    """``Rate`` for ``text``; raises :class:`InvalidRate` for anything else (checked by ``apiauth.E040``)."""
    match = _PATTERN.fullmatch(text.strip().lower()) if isinstance(text, str) else None
    if match is None or match.group(3) not in UNITS:
        raise InvalidRate(f"{text!r} is not a rate: use <count>/<unit> or <count>/<n><unit>, e.g. 100/min, 5/10m")
    limit, multiplier = int(match.group(1)), int(match.group(2) or 1)
    window = multiplier * UNITS[match.group(3)]
    if limit < 1 or limit > MAX_LIMIT:
        raise InvalidRate(f"{text!r}: the count must be between 1 and {MAX_LIMIT}")
    if window < 1 or window > MAX_WINDOW_SECONDS:
        raise InvalidRate(f"{text!r}: the window must be between 1 second and 7 days")
    return Rate(limit, window)
