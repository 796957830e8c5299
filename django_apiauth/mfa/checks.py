"""System checks for the ``MFA_*`` settings (ids ``apiauth.E040``-``E049``).

Wrong *types* are already reported by ``apiauth.E003``; these checks look at the values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core import checks

from django_apiauth import conf

CheckResult = list[checks.CheckMessage]


def _int_value(name: str) -> int | None:
    value = conf.user_settings().get(name, conf.SPECS[name].default)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def check_mfa_limits(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """E040: an ``mfa_token`` that allows no attempt locks every MFA user out; E041: a negative back-off."""
    errors: CheckResult = []
    attempts = _int_value("MFA_TOKEN_MAX_ATTEMPTS")
    if attempts is not None and attempts < 1:
        errors.append(checks.Error("APIAUTH['MFA_TOKEN_MAX_ATTEMPTS'] must be at least 1.", id="apiauth.E040"))
    factor = _int_value("MFA_THROTTLE_FACTOR")
    if factor is not None and factor < 0:
        errors.append(
            checks.Error(
                "APIAUTH['MFA_THROTTLE_FACTOR'] must not be negative.",
                hint="Use 0 to disable the back-off after wrong codes.",
                id="apiauth.E041",
            )
        )
    return errors


MFA_CHECKS = [check_mfa_limits]
