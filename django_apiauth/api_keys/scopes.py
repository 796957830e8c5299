"""Which scopes exist and who may grant them.

The rule: **nobody puts a scope on a key that they do not hold themselves.** A user "holds" a scope when the
policy callable ``APIAUTH["API_KEY_SCOPE_POLICY"]`` returns it for them; the default policy reads
``APIAUTH["API_KEY_SCOPES"]``, which maps each scope to a requirement:

* ``None`` - every active user;
* ``"is_staff"`` / ``"is_superuser"`` - staff (or superusers) / superusers only;
* ``"app_label.codename"`` - users with that Django permission (``user.has_perm``; superusers have all).

Inactive users hold nothing. When the request creating a key was itself authenticated by a scoped credential
(for instance a JWT carrying a ``scope`` claim), the key is further limited to that credential's scopes.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import Any

from django_apiauth.api_keys.exceptions import ScopeNotGrantable
from django_apiauth.conf import apiauth_settings

SCOPE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}")
PERMISSION_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z0-9_]+")
USER_FLAGS = ("is_staff", "is_superuser")
MAX_SCOPES_PER_KEY = 32


def is_valid_requirement(requirement: object) -> bool:
    if requirement is None or requirement in USER_FLAGS:
        return True
    return isinstance(requirement, str) and PERMISSION_PATTERN.fullmatch(requirement) is not None


def known_scopes() -> frozenset[str]:
    return frozenset(apiauth_settings.API_KEY_SCOPES)


def holds(user: Any, requirement: str | None) -> bool:
    """Whether ``user`` meets one ``API_KEY_SCOPES`` requirement."""
    if not getattr(user, "is_active", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    if requirement is None:
        return True
    if requirement == "is_staff":
        return bool(getattr(user, "is_staff", False))
    if requirement == "is_superuser":
        return False
    return bool(user.has_perm(requirement))


def scopes_user_may_grant(user: Any) -> frozenset[str]:
    """The default ``API_KEY_SCOPE_POLICY``: every configured scope whose requirement ``user`` meets."""
    return frozenset(scope for scope, req in apiauth_settings.API_KEY_SCOPES.items() if holds(user, req))


def grantable_scopes(user: Any, credential_scopes: Collection[str] = ()) -> frozenset[str]:
    """What ``user`` may grant now; a non-empty ``credential_scopes`` (the caller's token) narrows it."""
    granted = frozenset(apiauth_settings.API_KEY_SCOPE_POLICY(user)) & known_scopes()
    return granted & frozenset(credential_scopes) if credential_scopes else granted


def normalise_scopes(scopes: Iterable[str], allowed: Collection[str] | None = None) -> list[str]:
    """Sorted, de-duplicated scopes, all known (and all in ``allowed`` when given).

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
        if SCOPE_PATTERN.fullmatch(scope) is None or scope not in known:
            raise ScopeNotGrantable(f"Unknown scope {scope[:64]!r}.")
        if allowed is not None and scope not in allowed:
            raise ScopeNotGrantable(f"You may not grant scope {scope!r}.")
    return unique
