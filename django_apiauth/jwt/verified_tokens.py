"""Per-process memory of tokens whose signature verified, so a client reusing its token skips the verify.

A bearer token is typically sent many times before it expires; its bytes cannot change, so neither can
its signature's validity. What can change is checked on every use by ``verify_access_token``: the key must
still be known (retirement drops it within ``SIGNING_KEY_CACHE_TTL``), and expiry, issuer, audience and
``validate_claims`` run again. Only verified tokens enter, up to ``JWT_VERIFIED_TOKEN_CACHE_SIZE`` (oldest
evicted first), so garbage cannot fill it. Keys are the full token strings: a dict compares them whole.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

_IMMUTABLE = (str, int, float)


def copy_claims(claims: dict[str, Any]) -> dict[str, Any]:
    """A copy a caller may mutate without touching the cached entry (nested values copied too)."""
    return {
        name: value if isinstance(value, (str, int, float)) else copy.deepcopy(value) for name, value in claims.items()
    }


class VerifiedTokenCache:
    def __init__(self) -> None:
        self._entries: dict[str, tuple[str, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> tuple[str, dict[str, Any]] | None:
        """``(kid, claims)`` remembered for ``token``; callers must copy the claims before handing them out."""
        return self._entries.get(token)

    def put(self, token: str, kid: str, claims: dict[str, Any], maxsize: int) -> None:
        """Remember a copy of ``claims``; ``maxsize`` 0 (caching off) stores nothing."""
        if maxsize <= 0:
            return
        claims = copy_claims(claims)
        with self._lock:
            while len(self._entries) >= maxsize:
                del self._entries[next(iter(self._entries))]
            self._entries[token] = (kid, claims)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


#: The process-wide memory used by ``verify_access_token``.
verified_tokens = VerifiedTokenCache()
