"""Per-process memory of tokens whose signature verified, so a client reusing its token skips the verify.

A bearer token is typically sent many times before it expires; its bytes cannot change, so neither can
its signature's validity. What can change is checked on every use by ``verify_access_token``: the key must
still be known (retirement drops it within ``SIGNING_KEY_CACHE_TTL``), and expiry, issuer, audience and
``validate_claims`` run again. Only verified tokens enter, up to ``JWT_VERIFIED_TOKEN_CACHE_SIZE`` (oldest
evicted first), so garbage cannot fill it. Keys are the full token strings: a dict compares them whole.
"""

from __future__ import annotations

import copy
from typing import Any, NamedTuple

from django_apiauth.conf import apiauth_settings
from django_apiauth.localcache import LocalCache, local_cache

_CONTAINERS = (list, dict)


class Remembered(NamedTuple):
    """A verified token's ``kid`` and a private copy of its claims; ``nested`` names the claims holding a
    list or an object, the only values a caller could mutate in place."""

    kid: str
    claims: dict[str, Any]
    nested: tuple[str, ...]

    def claims_copy(self) -> dict[str, Any]:
        """A copy a caller may mutate without touching this entry: a flat copy, then the nested values deep."""
        copied = dict(self.claims)
        for name in self.nested:
            copied[name] = copy.deepcopy(copied[name])
        return copied


#: token -> its ``Remembered`` entry, for tokens whose signature verified.
verified_tokens: LocalCache[Remembered] = local_cache(
    "jwt.verified_tokens",
    maxsize=lambda: apiauth_settings.JWT_VERIFIED_TOKEN_CACHE_SIZE,
    size="`JWT_VERIFIED_TOKEN_CACHE_SIZE` tokens (10,000)",
    staleness="none needed: a token's signature cannot change; its key, times, issuer, audience and "
    "revocation are checked on every use",
)


def remember(token: str, kid: str, claims: dict[str, Any], maxsize: int | None = None) -> None:
    """Store a private copy of ``claims`` of a fully verified ``token``; the caller keeps ``claims``.

    ``maxsize`` is ``JWT_VERIFIED_TOKEN_CACHE_SIZE`` when the caller has read it already.
    """
    copied = dict(claims)
    nested = tuple([name for name, value in copied.items() if isinstance(value, _CONTAINERS)])
    for name in nested:
        copied[name] = copy.deepcopy(copied[name])
    verified_tokens.set(token, _new_entry(Remembered, (kid, copied, nested)), maxsize=maxsize)


#: ``Remembered(kid, claims, nested)`` without the Python-level ``__new__`` a ``NamedTuple`` class generates.
_new_entry = tuple.__new__
