"""Grant rules: who may be granted a scope of the registry.

A rule is one of ``"anyone"``, ``"staff"``, ``"superuser"``, ``"perm:<app_label>.<codename>"``,
``"group:<name>"`` or the import string of a callable ``(user) -> bool``. Inactive users meet no rule.
Superusers meet ``staff`` and every ``perm:`` rule (as Django's ``has_perm`` says), but a ``group:`` rule
only when they are in the group and a callable only when it says so: those rules are about who a user is,
not about how much they may do.

A rule that cannot be evaluated (malformed, not importable, a callable that raises) grants nothing: the
registry fails closed, and system check ``apiauth.E081`` reports the rule before traffic meets it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from django.utils.module_loading import import_string

logger = logging.getLogger("django_apiauth.scopes")

ANYONE = "anyone"
STAFF = "staff"
SUPERUSER = "superuser"
PERM_PREFIX = "perm:"
GROUP_PREFIX = "group:"
NAMED_RULES = (ANYONE, STAFF, SUPERUSER)
PERMISSION_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z0-9_]+")
DOTTED_PATH_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")
GROUP_NAME_MAX_LENGTH = 150  # django.contrib.auth.models.Group.name


def rule_problem(rule: object) -> str | None:
    """Why ``rule`` is not a usable grant rule, or ``None`` when it is (imports a callable path)."""
    if not isinstance(rule, str):
        return "a grant rule is a string"
    if rule in NAMED_RULES:
        return None
    if rule.startswith(PERM_PREFIX):
        ok = PERMISSION_PATTERN.fullmatch(rule.removeprefix(PERM_PREFIX)) is not None
        return None if ok else "a perm: rule names a permission as perm:<app_label>.<codename>"
    if rule.startswith(GROUP_PREFIX):
        name = rule.removeprefix(GROUP_PREFIX)
        ok = 0 < len(name) <= GROUP_NAME_MAX_LENGTH
        return None if ok else f"a group: rule names a group of 1 to {GROUP_NAME_MAX_LENGTH} characters"
    if DOTTED_PATH_PATTERN.fullmatch(rule) is None:
        return 'use "anyone", "staff", "superuser", "perm:<app_label>.<codename>", "group:<name>" or a callable'
    return None if callable(_import_callable(rule)) else f"{rule!r} does not import a callable"


def user_meets(user: Any, rule: str) -> bool:
    """Whether active ``user`` satisfies ``rule``; anything unusable (including a failing callable) is False."""
    if user is None or not getattr(user, "is_active", False) or not getattr(user, "is_authenticated", False):
        return False
    superuser = bool(getattr(user, "is_superuser", False))
    if rule == ANYONE:
        return True
    if rule == STAFF:
        return superuser or bool(getattr(user, "is_staff", False))
    if rule == SUPERUSER:
        return superuser
    if rule.startswith(PERM_PREFIX):
        return bool(user.has_perm(rule.removeprefix(PERM_PREFIX)))
    if rule.startswith(GROUP_PREFIX):
        return _in_group(user, rule.removeprefix(GROUP_PREFIX))
    return _callable_says(user, rule)


def _in_group(user: Any, name: str) -> bool:
    groups = getattr(user, "groups", None)
    return groups is not None and bool(groups.filter(name=name).exists())


def _callable_says(user: Any, rule: str) -> bool:
    predicate = _import_callable(rule)
    if not callable(predicate):
        return False
    try:
        return predicate(user) is True
    except Exception:  # a broken project callable must not turn into a 500 or a grant
        logger.exception("Scope grant rule %s raised; the scope is not granted", rule)
        return False


def _import_callable(path: str) -> Callable[..., Any] | None:
    try:
        found = import_string(path)
    except ImportError:
        return None
    return found if callable(found) else None
