"""System checks for the ``APIAUTH`` namespace.

Ids are stable and documented in the README:

* ``apiauth.E001`` ``APIAUTH`` is not a dict.
* ``apiauth.E002`` unknown key (likely a typo).
* ``apiauth.E003`` a value of the wrong type.
* ``apiauth.E004`` a removed key.
* ``apiauth.E005`` an import string that cannot be imported.
* ``apiauth.E006`` an entry of ``TRUSTED_PROXIES`` that is not a CIDR.
* ``apiauth.E007`` a duration that is zero or negative.

API keys (``django_apiauth/api_keys/checks.py``):

* ``apiauth.E020`` ``API_KEY_PEPPER`` shorter than 32 characters or equal to ``SECRET_KEY``.
* ``apiauth.W020`` ``API_KEY_PEPPER`` unset: the pepper is derived from ``SECRET_KEY``.
* ``apiauth.E021`` ``API_KEY_PREFIX`` is not 1-16 letters and digits starting with a letter.
* ``apiauth.E022`` ``API_KEY_HEADER`` or ``API_KEY_QUERY_PARAM`` is not a usable name.
* ``apiauth.W021`` ``API_KEY_QUERY_PARAM`` is enabled (keys in URLs leak into logs).
* ``apiauth.E023`` ``API_KEY_CACHE_TTL`` outside 0-1 seconds.
* ``apiauth.E024`` an ``API_KEY_SCOPES`` entry with a malformed scope or requirement.
* ``apiauth.E025`` ``API_KEY_SCOPE_POLICY`` is not an importable callable.
* ``apiauth.E026`` API-key lifetimes not positive, or the default above the maximum.
* ``apiauth.E027`` ``API_KEY_MAX_PER_USER`` below 1.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from django.apps import AppConfig
from django.conf import settings as django_settings
from django.core import checks
from django.utils.module_loading import import_string

from django_apiauth import conf
from django_apiauth.api_keys.checks import API_KEY_CHECKS

CheckResult = list[checks.CheckMessage]
IMPORT_STRING_KEYS = ("EVENT_SINKS",)
CIDR_KEYS = ("TRUSTED_PROXIES",)


def _type_ok(value: Any, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool) and bool not in types:
        return False
    return isinstance(value, types)


def _type_names(types: tuple[type, ...]) -> str:
    return " or ".join(t.__name__ for t in types)


def check_namespace(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """Shape of the namespace: a dict, known keys, right types."""
    raw = getattr(django_settings, "APIAUTH", {})
    if not isinstance(raw, dict):
        return [checks.Error("APIAUTH must be a dict.", hint="Set APIAUTH = {...} in settings.", id="apiauth.E001")]
    errors: CheckResult = []
    for key, value in raw.items():
        if key in conf.REMOVED_KEYS:
            errors.append(
                checks.Error(f"APIAUTH[{key!r}] was removed.", hint=conf.REMOVED_KEYS[key], id="apiauth.E004")
            )
        elif key not in conf.SPECS:
            errors.append(
                checks.Error(
                    f"APIAUTH[{key!r}] is not a known setting.",
                    hint="See the settings reference in the README.",
                    id="apiauth.E002",
                )
            )
        else:
            errors.extend(_check_value(key, value, conf.SPECS[key]))
    return errors


def _check_value(key: str, value: Any, spec: conf.Spec) -> CheckResult:
    if not _type_ok(value, spec.types):
        return [
            checks.Error(
                f"APIAUTH[{key!r}] must be {_type_names(spec.types)}, not {type(value).__name__}.",
                id="apiauth.E003",
            )
        ]
    if spec.item_types and not all(_type_ok(item, spec.item_types) for item in value):
        return [checks.Error(f"APIAUTH[{key!r}] items must be {_type_names(spec.item_types)}.", id="apiauth.E003")]
    if spec.types == conf.DURATION and _seconds(value) <= 0:
        return [checks.Error(f"APIAUTH[{key!r}] must be a positive duration.", id="apiauth.E007")]
    return []


def _seconds(value: timedelta | float) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def check_import_strings(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """Import strings are resolved here once so a typo fails ``manage.py check``, not a request."""
    errors: CheckResult = []
    user = conf.user_settings()
    for key in IMPORT_STRING_KEYS:
        value = user.get(key, conf.SPECS[key].default)
        paths = [value] if isinstance(value, str) else value
        if not isinstance(paths, (list, tuple)):
            continue  # reported by E003
        for path in paths:
            try:
                import_string(path)
            except (ImportError, TypeError, ValueError) as exc:
                errors.append(
                    checks.Error(f"APIAUTH[{key!r}] entry {path!r} cannot be imported: {exc}", id="apiauth.E005")
                )
    return errors


def check_cidrs(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """A proxy list with a bad entry would silently trust nothing or everything; say so up front."""
    errors: CheckResult = []
    user = conf.user_settings()
    for key in CIDR_KEYS:
        value = user.get(key, [])
        for entry in value if isinstance(value, (list, tuple)) else []:
            try:
                ipaddress.ip_network(entry, strict=False)
            except (TypeError, ValueError):
                errors.append(
                    checks.Error(
                        f"APIAUTH[{key!r}] entry {entry!r} is not an IP network.",
                        hint="Use CIDR notation such as 10.0.0.0/8 or ::1/128.",
                        id="apiauth.E006",
                    )
                )
    return errors


ALL_CHECKS: list[Callable[..., CheckResult]] = [check_namespace, check_import_strings, check_cidrs]
ALL_CHECKS += API_KEY_CHECKS


def register_all() -> None:
    """Called from ``AppConfig.ready``; registering twice is harmless (Django keeps a set)."""
    for check in ALL_CHECKS:
        checks.register(check, "apiauth")
