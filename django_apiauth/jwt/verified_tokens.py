"""Per-process memory of tokens whose signature verified, so a client reusing its token skips the verify.

A bearer token is typically sent many times before it expires; its bytes cannot change, so neither can
its signature's validity. What can change is checked on every use by ``verify_access_token``: the key must
still be known (retirement drops it within ``SIGNING_KEY_CACHE_TTL``), and expiry, issuer, audience and
``validate_claims`` run again. Only verified tokens enter, up to ``JWT_VERIFIED_TOKEN_CACHE_SIZE`` (oldest
evicted first), so garbage cannot fill it. Keys are the full token strings: a dict compares them whole.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from django_apiauth.conf import apiauth_settings
from django_apiauth.localcache import LocalCache, local_cache


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
            copied[name] = json_copy(copied[name])
        return copied


def json_copy(value: Any) -> Any:
    """A deep copy of a JSON-decoded value, whose containers can only be exact ``list`` and ``dict``.

    ``copy.deepcopy`` looks up a copier for every value and keeps a memo of shared objects; a decoded JSON
    tree shares nothing and its leaves (``str``, numbers, ``bool``, ``None``) are immutable, so copying its
    containers is enough. Anything else is returned as is: claims come from the JSON decoder only.
    """
    kind = type(value)
    if kind is dict:
        return {name: json_copy(item) for name, item in value.items()}
    if kind is list:
        return [json_copy(item) for item in value]
    return value


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

    ``maxsize`` is ``JWT_VERIFIED_TOKEN_CACHE_SIZE`` when the caller has read it already. Claims that are
    all leaves (the usual token) are recognised in one C-level pass over their types, and containers by
    exact type (what the JSON decoder builds): a Python loop of ``isinstance`` calls, each failed one also
    looking up the value's ``__class__``, was the dearest part of remembering a token.
    """
    copied = dict(claims)
    nested: tuple[str, ...] = ()
    if not _LEAF_TYPES.issuperset(map(type, claims.values())):  # one C-level pass when every claim is a leaf
        nested = tuple([name for name, value in claims.items() if type(value) is list or type(value) is dict])
        for name in nested:
            copied[name] = json_copy(copied[name])
    verified_tokens.set(token, _new_entry(Remembered, (kid, copied, nested)), maxsize=maxsize)


#: The types of JSON leaves: immutable, so a flat copy of claims holding only these is a private copy.
_LEAF_TYPES = frozenset({str, int, float, bool, type(None)})


#: ``Remembered(kid, claims, nested)`` without the Python-level ``__new__`` a ``NamedTuple`` class generates.
_new_entry = tuple.__new__
