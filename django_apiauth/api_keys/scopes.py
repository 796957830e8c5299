"""Which scopes a key may carry, and who may put them there.

The rule: **nobody puts a scope on a key that they do not hold themselves.** A user holds the scopes that
``APIAUTH["API_KEY_SCOPE_POLICY"]`` returns for them; the default policy is the scope registry
(``APIAUTH["SCOPES"]``, see ``django_apiauth.scopes``): every scope whose grant rule the user meets.
Inactive users hold nothing. When the request creating a key was itself authenticated by a scoped credential
(for instance a JWT carrying a ``scope`` claim), the key is further limited to that credential's scopes.

Unlike login, where an ungranted scope is silently left out, creating a key with an unknown or ungranted
scope is an error: the creator names the scopes explicitly and must learn that one was refused.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from django_apiauth.api_keys.exceptions import ScopeNotGrantable
from django_apiauth.conf import apiauth_settings
from django_apiauth.scopes.registry import SCOPE_NAME_PATTERN, allowed_scopes, known_scopes

MAX_SCOPES_PER_KEY = 32


def scopes_user_may_grant(user: Any) -> frozenset[str]:
    """The default ``API_KEY_SCOPE_POLICY``: every registered scope ``user`` may be granted."""
    return allowed_scopes(user)


def grantable_scopes(user: Any, credential_scopes: Collection[str] = ()) -> frozenset[str]:
    """What ``user`` may grant now; a non-empty ``credential_scopes`` (the caller's token) narrows it."""
    granted = frozenset(apiauth_settings.API_KEY_SCOPE_POLICY(user)) & known_scopes()
    return granted & frozenset(credential_scopes) if credential_scopes else granted


def normalise_scopes(scopes: Iterable[str], allowed: Collection[str] | None = None) -> list[str]:
    """Sorted, de-duplicated scopes, all registered (and all in ``allowed`` when given).

    Raises :class:`ScopeNotGrantable` naming the first offending scope (scope names are not secret).
    """
    items = list(scopes)
    if not all(isinstance(scope, str) for scope in items):
        raise ScopeNotGrantable("Scopes are strings.")
    unique = sorted(set(items))
    if len(unique) > MAX_SCOPES_PER_KEY:
        raise ScopeNotGrantable(f"A key carries at most {MAX_SCOPES_PER_KEY} scopes.")
    known = known_scopes()
    for scope in unique:
        if SCOPE_NAME_PATTERN.fullmatch(scope) is None or scope not in known:
            raise ScopeNotGrantable(f"Unknown scope {scope[:64]!r}.")
        if allowed is not None and scope not in allowed:
            raise ScopeNotGrantable(f"You may not grant scope {scope!r}.")
    return unique
