"""Per-process memory of tokens whose signature verified, so a client reusing its token skips the verify.

A bearer token is typically sent many times before it expires; its bytes cannot change, so neither can
its signature's validity. What can change is checked on every use by ``verify_access_token``: the key must
still be known (retirement drops it within ``SIGNING_KEY_CACHE_TTL``), and expiry, issuer, audience and
``validate_claims`` run again. Only verified tokens enter, up to ``JWT_VERIFIED_TOKEN_CACHE_SIZE`` (oldest
evicted first), so garbage cannot fill it. Keys are the full token strings: a dict compares them whole.
"""

from __future__ import annotations

import copy
from typing import Any

from django_apiauth.conf import apiauth_settings
from django_apiauth.localcache import LocalCache, local_cache


def copy_claims(claims: dict[str, Any]) -> dict[str, Any]:
    """A copy a caller may mutate without touching the cached entry (nested values copied too)."""
    return {
        name: value if isinstance(value, (str, int, float)) else copy.deepcopy(value) for name, value in claims.items()
    }


#: token -> (kid, claims) of tokens whose signature verified; callers copy the claims before handing them out.
verified_tokens: LocalCache[tuple[str, dict[str, Any]]] = local_cache(
    "jwt.verified_tokens",
    maxsize=lambda: apiauth_settings.JWT_VERIFIED_TOKEN_CACHE_SIZE,
    size="`JWT_VERIFIED_TOKEN_CACHE_SIZE` tokens (10,000)",
    staleness="none needed: a token's signature cannot change; its key, times, issuer, audience and "
    "revocation are checked on every use",
)
