"""The scope registry: which scopes exist, what they mean, and who may be granted each.

``APIAUTH["SCOPES"]`` maps a scope name to ``{"description": str, "grant": rule}`` (rules: ``scopes.rules``).
One registry serves login, refresh, API keys and OAuth clients, so a scope means the same everywhere.

For one release the deprecated ``APIAUTH["API_KEY_SCOPES"]`` still feeds the registry: each of its entries
that ``SCOPES`` does not define is translated (``None`` -> ``"anyone"``, ``"is_staff"`` -> ``"staff"``,
``"is_superuser"`` -> ``"superuser"``, ``"app_label.codename"`` -> ``"perm:app_label.codename"``). System
check ``apiauth.W080`` asks to move, and ``apiauth.E082`` reports values that could be read two ways.

The registry is read from settings on every call (a dict walk, no query), so overrides take effect at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django_apiauth.conf import apiauth_settings
from django_apiauth.scopes.rules import (
    ANYONE,
    GROUP_PREFIX,
    NAMED_RULES,
    PERM_PREFIX,
    PERMISSION_PATTERN,
    STAFF,
    SUPERUSER,
    rule_problem,
    user_meets,
)

#: Names the registry accepts: a strict subset of RFC 6749 §3.3 scope-tokens, readable in logs and URLs.
SCOPE_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}")
LEGACY_FLAGS = {"is_staff": STAFF, "is_superuser": SUPERUSER}


@dataclass(frozen=True)
class ScopeDefinition:
    """One registered scope."""

    name: str
    description: str
    grant: str


def translate_legacy_rule(value: object) -> str | None:
    """The ``SCOPES`` rule an ``API_KEY_SCOPES`` value stands for; ``None`` when it is not a legacy value."""
    if value is None:
        return ANYONE
    if not isinstance(value, str):
        return None
    if value in LEGACY_FLAGS:
        return LEGACY_FLAGS[value]
    if PERMISSION_PATTERN.fullmatch(value) is not None:
        return PERM_PREFIX + value
    if value in NAMED_RULES or value.startswith((PERM_PREFIX, GROUP_PREFIX)):
        # Already written in the new vocabulary: one reading only, if well formed.
        return value if rule_problem(value) is None else None
    return None


def registry() -> dict[str, ScopeDefinition]:
    """Every usable scope: ``SCOPES`` entries, plus translated ``API_KEY_SCOPES`` entries it lacks.

    Malformed entries are left out here (the registry fails closed); system checks report them.
    """
    found: dict[str, ScopeDefinition] = {}
    legacy = apiauth_settings.API_KEY_SCOPES
    for name, value in legacy.items() if isinstance(legacy, Mapping) else ():
        rule = translate_legacy_rule(value)
        if rule is not None and _is_name(name):
            found[name] = ScopeDefinition(name, "", rule)
    current = apiauth_settings.SCOPES
    for name, entry in current.items() if isinstance(current, Mapping) else ():
        definition = _definition(name, entry)
        if definition is not None:
            found[name] = definition
    return found


def _definition(name: object, entry: object) -> ScopeDefinition | None:
    if not _is_name(name) or not isinstance(entry, Mapping):
        return None
    rule, description = entry.get("grant"), entry.get("description", "")
    if not isinstance(rule, str) or not isinstance(description, str):
        return None
    return ScopeDefinition(str(name), description, rule)


def _is_name(name: object) -> bool:
    return isinstance(name, str) and SCOPE_NAME_PATTERN.fullmatch(name) is not None


def known_scopes() -> frozenset[str]:
    """The names of every registered scope."""
    return frozenset(registry())


def allowed_scopes(user: Any, among: Iterable[str] | None = None) -> frozenset[str]:
    """Every registered scope ``user`` may be granted now (nothing for inactive or anonymous users).

    With ``among``, only those names are considered: rules cost queries (permissions, groups), so a grant
    evaluates just the rules of the scopes asked for, and an empty request costs nothing.
    """
    known = registry()
    names = known if among is None else [name for name in among if name in known]
    return frozenset(name for name in names if user_meets(user, known[name].grant))


def describe(names: Iterable[str]) -> dict[str, str]:
    """``{name: description}`` of the registered scopes among ``names`` (for consent screens, listings)."""
    known = registry()
    return {name: known[name].description for name in names if name in known}
