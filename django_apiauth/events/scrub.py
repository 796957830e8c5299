"""Keep secrets out of event details even when a caller passes them by mistake."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

REDACTED = "[redacted]"
SECRET_WORDS = frozenset(
    {
        "password",
        "passwd",
        "secret",
        "token",
        "authorization",
        "cookie",
        "otp",
        "code",
        "pepper",
        "hash",
        "jwt",
    }
)
SECRET_NAMES = frozenset({"key", "api_key", "apikey", "private_key", "credentials"})
MAX_DEPTH = 4
MAX_STRING = 512


def _is_secret_key(key: str) -> bool:
    lowered = key.lower()
    words = set(re.split(r"[^a-z0-9]+", lowered))
    return lowered in SECRET_NAMES or not SECRET_WORDS.isdisjoint(words)


def scrub_details(details: Mapping[str, Any], depth: int = 0) -> dict[str, Any]:
    """Copy ``details`` with secret-looking keys redacted and long strings cut.

    Keys are matched by name (whole words) because the value of a secret cannot be recognised; callers
    use names such as ``kid``, ``family_id`` or ``api_key_id`` for the non-secret identifiers they keep.
    """
    clean: dict[str, Any] = {}
    for key, value in details.items():
        name = str(key)
        clean[name] = REDACTED if _is_secret_key(name) else _scrub_value(value, depth)
    return clean


def _scrub_value(value: Any, depth: int) -> Any:
    if isinstance(value, Mapping):
        return scrub_details(value, depth + 1) if depth < MAX_DEPTH else REDACTED
    if isinstance(value, (list, tuple)):
        return [_scrub_value(item, depth + 1) for item in value[:50]] if depth < MAX_DEPTH else REDACTED
    if isinstance(value, str):
        return value[:MAX_STRING]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)[:MAX_STRING]
