"""System checks for the ``API_KEY_*`` settings (ids ``apiauth.E020``-``E029`` and ``apiauth.W020``-``W029``).

Wrong *types* are already reported by ``apiauth.E003``, and single-key constraints (E021-E023, positive
lifetimes of E026, E027) are declared on the keys in ``conf``; these checks look at combinations.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.apps import AppConfig
from django.conf import settings as django_settings
from django.core import checks
from django.utils.module_loading import import_string

from django_apiauth import conf
from django_apiauth.durations import as_timedelta
from django_apiauth.scopes.registry import SCOPE_NAME_PATTERN, translate_legacy_rule

CheckResult = list[checks.CheckMessage]
MIN_PEPPER_LENGTH = 32


def _value(name: str) -> Any:
    return conf.get(name)


def check_api_key_pepper(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """E020 weak pepper, W020 no pepper (derived from ``SECRET_KEY``, so rotating that breaks every key)."""
    pepper = _value("API_KEY_PEPPER")
    if pepper is None:
        return [
            checks.Warning(
                "APIAUTH['API_KEY_PEPPER'] is not set: API-key hashes are keyed with a value derived from SECRET_KEY.",
                hint="Set a random pepper of at least 32 characters (e.g. from the environment); rotating SECRET_KEY "
                "would otherwise invalidate every API key.",
                id="apiauth.W020",
            )
        ]
    if isinstance(pepper, str) and (len(pepper) < MIN_PEPPER_LENGTH or pepper == django_settings.SECRET_KEY):
        return [
            checks.Error(
                "APIAUTH['API_KEY_PEPPER'] is too weak.",
                hint=f"Use at least {MIN_PEPPER_LENGTH} random characters, different from SECRET_KEY "
                "(python -m django_apiauth.generate_secrets --only pepper).",
                id="apiauth.E020",
            )
        ]
    return []


def check_api_key_carriers(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """W021 query parameter enabled (malformed names, E021/E022, and E023 are generic constraint checks)."""
    if not isinstance(_value("API_KEY_QUERY_PARAM"), str):
        return []
    return [
        checks.Warning(
            "API keys are accepted in the query string: URLs end up in server logs, proxies and browser history.",
            hint="Unset APIAUTH['API_KEY_QUERY_PARAM'] unless a client cannot send headers.",
            id="apiauth.W021",
        )
    ]


def check_api_key_scopes(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """E024 a malformed scope or requirement, E025 a scope policy that cannot be imported or called."""
    errors: CheckResult = []
    scopes = _value("API_KEY_SCOPES")
    for scope, requirement in scopes.items() if isinstance(scopes, dict) else ():
        if (
            not isinstance(scope, str)
            or SCOPE_NAME_PATTERN.fullmatch(scope) is None
            or translate_legacy_rule(requirement) is None
        ):
            errors.append(
                checks.Error(
                    f"APIAUTH['API_KEY_SCOPES'] entry {scope!r}: {requirement!r} is not valid.",
                    hint='Scopes are up to 64 of A-Z a-z 0-9 _ . : -; requirements are None, "is_staff", '
                    '"is_superuser" or "app_label.codename".',
                    id="apiauth.E024",
                )
            )
    policy = _value("API_KEY_SCOPE_POLICY")
    if isinstance(policy, str):
        try:
            resolved = import_string(policy)
        except ImportError as exc:
            resolved = exc
        if not callable(resolved):
            errors.append(
                checks.Error(
                    f"APIAUTH['API_KEY_SCOPE_POLICY'] {policy!r} is not an importable callable.", id="apiauth.E025"
                )
            )
    return errors


def check_api_key_limits(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """E026 a default lifetime above the maximum (positive lifetimes and E027 are generic constraints)."""
    default, longest = _duration("API_KEY_DEFAULT_LIFETIME"), _duration("API_KEY_MAX_LIFETIME")
    if longest is not None and longest > timedelta(0) and (default is None or default > longest):
        return [
            checks.Error(
                "APIAUTH['API_KEY_DEFAULT_LIFETIME'] exceeds APIAUTH['API_KEY_MAX_LIFETIME'].",
                hint="New keys would get the maximum instead; make the default at most the maximum.",
                id="apiauth.E026",
            )
        ]
    return []


def _duration(name: str) -> timedelta | None:
    value = _value(name)
    if isinstance(value, (timedelta, int, float)) and not isinstance(value, bool):
        return as_timedelta(value)
    return None


API_KEY_CHECKS = [
    check_api_key_pepper,
    check_api_key_carriers,
    check_api_key_scopes,
    check_api_key_limits,
]
