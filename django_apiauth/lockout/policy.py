"""What a failure counter is and how long it makes a client wait; shared by every storage backend.

A *counter* entry (key, threshold) blocks once it holds ``threshold`` failures: the client waits
``LOCKOUT_BASE_WAIT * 2 ** (failures - threshold)`` (capped at ``LOCKOUT_MAX_WAIT``) after the last one.
The counter is forgotten ``LOCKOUT_WINDOW`` after its last wait ended with no new failure.

A *networks* entry is the account-wide lock: the distinct networks that failed on an account within
``LOCKOUT_ACCOUNT_WINDOW``. Past ``threshold`` of them, every network waits, doubling with each further one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django_apiauth.conf import apiauth_settings


@dataclass(frozen=True)
class Counter:
    key: str
    threshold: int
    reset_on_success: bool = True


@dataclass(frozen=True)
class Networks:
    """``key`` holds the account's failing networks; ``index_key`` the accounts that failed from ``network``
    (so an operator can unlock a network)."""

    key: str
    threshold: int
    network: str
    index_key: str
    account: str


@dataclass(frozen=True)
class Timing:
    base_ms: int
    max_ms: int
    window_ms: int
    account_window_ms: int

    def wait_ms(self, excess: int) -> int:
        """The wait after ``threshold + excess`` failures (``excess >= 0``)."""
        return int(min(self.max_ms, self.base_ms * 2 ** min(excess, 40)))


def current_timing() -> Timing:
    def ms(value: object) -> int:
        return int(value.total_seconds() * 1000)  # type: ignore[attr-defined]

    return Timing(
        ms(apiauth_settings.LOCKOUT_BASE_WAIT),
        ms(apiauth_settings.LOCKOUT_MAX_WAIT),
        ms(apiauth_settings.LOCKOUT_WINDOW),
        ms(apiauth_settings.LOCKOUT_ACCOUNT_WINDOW),
    )


@dataclass(frozen=True)
class Verdict:
    """``allowed`` or not; ``wait_ms`` until it would be; ``counts`` per entry after this call (failures for
    a counter, distinct networks for a networks entry)."""

    allowed: bool
    wait_ms: int
    counts: tuple[int, ...] = field(default=())
