"""HMAC-SHA256 for secrets at rest and the constant-time comparison that goes with it."""

from __future__ import annotations

import hashlib
import hmac


def hmac_sha256_hex(key: bytes, message: str) -> str:
    """Hex HMAC-SHA256 of ``message`` under ``key``: without ``key`` a stored digest cannot check a guess."""
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    """Compare secrets (or digests of them) without leaking the length of the common prefix through timing."""
    return hmac.compare_digest(a.encode(), b.encode())
