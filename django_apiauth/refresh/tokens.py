"""Opaque refresh tokens: 256 random bits, stored only as a SHA-256 digest."""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import TypeGuard

TOKEN_BYTES = 32  # 256 bits
# token_urlsafe(32) is 43 characters of the URL-safe base64 alphabet, without padding.
_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")


def new_token() -> str:
    """A fresh token from the OS CSPRNG."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    """The value stored and looked up; a fast hash suffices because the input has 256 bits of entropy."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def is_well_formed(token: object) -> TypeGuard[str]:
    """Whether ``token`` could be one of ours; anything else is refused without touching the database."""
    return isinstance(token, str) and _TOKEN_PATTERN.fullmatch(token) is not None
