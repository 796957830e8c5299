"""System checks for the scope registry (ids ``apiauth.E080``-``E089`` and ``apiauth.W080``-``W089``).

* ``E080`` a ``SCOPES`` entry whose name or shape is malformed.
* ``E081`` a ``SCOPES`` grant rule that is not usable (unknown word, bad ``perm:``, a callable that does not
  import).
* ``E082`` a scope whose rule could be read two ways: an ``API_KEY_SCOPES`` value that is both a permission
  and an importable callable, or a name defined in ``SCOPES`` and ``API_KEY_SCOPES`` with different rules.
* ``E083`` a view in the URLconf whose ``required_scopes`` is not a list of registered scope names.
* ``W080`` ``API_KEY_SCOPES`` is deprecated (still honoured for one release, translated into the registry).
* ``W081`` ``LOGIN_SCOPES`` names a scope the registry does not define, so it is never granted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.urls import URLResolver, get_resolver

from django_apiauth import conf
from django_apiauth.scopes.registry import SCOPE_NAME_PATTERN, known_scopes, translate_legacy_rule
from django_apiauth.scopes.rules import PERM_PREFIX, rule_problem

CheckResult = list[checks.CheckMessage]
RULES_HINT = (
    'A rule is "anyone", "staff", "superuser", "perm:<app_label>.<codename>", "group:<name>" or the import '
    "string of a callable (user) -> bool."
)


def _value(name: str) -> Any:
    return conf.user_settings().get(name, conf.SPECS[name].default)


def check_scope_registry(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """E080 malformed entries, E081 unusable rules."""
    registry = _value("SCOPES")
    errors: CheckResult = []
    for name, entry in registry.items() if isinstance(registry, dict) else ():
        errors.extend(_check_entry(name, entry))
    return errors


def _check_entry(name: object, entry: object) -> CheckResult:
    if not isinstance(name, str) or SCOPE_NAME_PATTERN.fullmatch(name) is None:
        message = f"APIAUTH['SCOPES'] name {name!r} is not a scope name."
        hint = "Scope names are 1-64 of A-Z a-z 0-9 _ . : - starting with a letter or digit."
        return [checks.Error(message, hint=hint, id="apiauth.E080")]
    if not isinstance(entry, Mapping) or not isinstance(entry.get("description", ""), str) or "grant" not in entry:
        message = f"APIAUTH['SCOPES'][{name!r}] must be a dict with a 'grant' rule and a 'description' string."
        return [checks.Error(message, id="apiauth.E080")]
    problem = rule_problem(entry["grant"])
    if problem is not None:
        message = f"APIAUTH['SCOPES'][{name!r}] grant rule {entry['grant']!r} is not usable: {problem}."
        return [checks.Error(message, hint=RULES_HINT, id="apiauth.E081")]
    return []


def check_legacy_scopes(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """W080 the deprecated setting is in use, E082 values that could be read two ways."""
    legacy = _value("API_KEY_SCOPES")
    if not isinstance(legacy, dict) or not legacy:
        return []
    current = _value("SCOPES")
    current = current if isinstance(current, dict) else {}
    translated = {name: translate_legacy_rule(value) for name, value in legacy.items()}
    suggestion = {name: {"description": "", "grant": rule} for name, rule in translated.items() if rule}
    errors: CheckResult = [
        checks.Warning(
            "APIAUTH['API_KEY_SCOPES'] is deprecated and will be removed in the next release.",
            hint=f"Move it to APIAUTH['SCOPES'], e.g. {suggestion!r}.",
            id="apiauth.W080",
        )
    ]
    for name, value in legacy.items():
        errors.extend(_ambiguity(name, value, translated[name], current.get(name)))
    return errors


def _ambiguity(name: str, value: Any, rule: str | None, defined: Any) -> CheckResult:
    reading: str | None = None
    if rule is not None and rule.startswith(PERM_PREFIX) and rule_problem(value) is None:
        reading = f"{value!r} is both the permission {rule!r} and an importable callable"
    elif isinstance(defined, Mapping) and rule is not None and defined.get("grant") != rule:
        reading = f"SCOPES grants it by {defined.get('grant')!r} but API_KEY_SCOPES by {rule!r}"
    if reading is None:
        return []
    message = f"Scope {name!r} could be read two ways: {reading}."
    hint = "Define the scope once, in APIAUTH['SCOPES'], with an explicit rule (perm:... for a permission)."
    return [checks.Error(message, hint=hint, id="apiauth.E082")]


def check_login_scopes(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """W081: a default login scope that is not registered would silently never be granted."""
    wanted = _value("LOGIN_SCOPES")
    known = known_scopes()
    unknown = [name for name in wanted if name not in known] if isinstance(wanted, (list, tuple)) else []
    if not unknown:
        return []
    message = f"APIAUTH['LOGIN_SCOPES'] names scopes the registry does not define: {unknown!r}."
    hint = "Add them to APIAUTH['SCOPES'] with a grant rule; until then no login is granted them."
    return [checks.Warning(message, hint=hint, id="apiauth.W081")]


def check_required_scopes(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """E083: walk the URLconf and compare each view's ``required_scopes`` with the registry."""
    known = known_scopes()
    errors: CheckResult = []
    seen: set[type] = set()
    for view_class in _view_classes(get_resolver().url_patterns):
        if view_class in seen:
            continue
        seen.add(view_class)
        problem = _required_scopes_problem(getattr(view_class, "required_scopes", None), known)
        if problem:
            name = f"{view_class.__module__}.{view_class.__qualname__}"
            errors.append(checks.Error(f"{name}.required_scopes {problem}.", obj=view_class, id="apiauth.E083"))
    return errors


def _required_scopes_problem(required: object, known: frozenset[str]) -> str:
    if required is None:
        return ""
    if not isinstance(required, (list, tuple, set, frozenset)) or not all(isinstance(s, str) for s in required):
        return "must be a list of scope names (a bare string is a list of letters)"
    unknown = sorted(name for name in required if name not in known)
    return f"names scopes the registry does not define: {unknown!r}" if unknown else ""


def _view_classes(patterns: Sequence[Any]) -> Iterator[type]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _view_classes(pattern.url_patterns)
        else:  # a URLconf holds resolvers and patterns only
            view_class = getattr(pattern.callback, "cls", None) or getattr(pattern.callback, "view_class", None)
            if isinstance(view_class, type):
                yield view_class


SCOPE_CHECKS = [check_scope_registry, check_legacy_scopes, check_login_scopes]
URL_CHECKS = [check_required_scopes]
