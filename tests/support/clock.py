"""A clock moved by hand, for the per-process memories whose ``clock`` a test replaces.

time-machine moves ``time.time`` but leaves ``time.monotonic`` alone, which those memories read.
"""

from __future__ import annotations

from typing import Any

import pytest


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def hand_clock(monkeypatch: pytest.MonkeyPatch, *memories: Any) -> FakeClock:
    """One :class:`FakeClock` driving every memory given."""
    fake = FakeClock()
    for memory in memories:
        monkeypatch.setattr(memory, "clock", fake)
    return fake
