"""Human-friendly durations (``30d``, ``12h``) for settings and management commands."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
#: ASCII only: ``\d`` would also match other scripts' digits (which ``int()`` reads) and ``\s`` other spaces.
_PATTERN = re.compile(r"^\s*(\d{1,9})\s*([smhdw])\s*$", re.ASCII)
#: Longer than any lifetime or retention, and short enough that ``now`` plus or minus it is still a datetime
#: (nine digits of weeks would not even fit a ``timedelta``).
MAX_DURATION = timedelta(days=365_000)


def parse_duration(text: str) -> timedelta:
    """Parse ``<int><unit>`` with unit in s/m/h/d/w, at most ``MAX_DURATION``.

    Raises ``ValueError`` with a readable message for anything else, so commands can print it as is.
    """
    match = _PATTERN.match(text or "")
    if match is None:
        raise ValueError(f"invalid duration {text!r}: use a whole number and a unit s, m, h, d or w (e.g. 30d)")
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError(f"invalid duration {text!r}: at most {MAX_DURATION.days} days")
    return timedelta(seconds=seconds)


def as_timedelta(value: timedelta | int | float) -> timedelta:
    """Settings accept a ``timedelta`` or a number of seconds; code always works with ``timedelta``."""
    if isinstance(value, timedelta):
        return value
    return timedelta(seconds=value)
