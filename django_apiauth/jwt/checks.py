"""System checks for JWT access tokens and signing keys (ids ``apiauth.E010``, ``E012``, ``E017``, ``W010``-``W012``).

Values of the wrong type are skipped here: ``apiauth.E003`` already reports them. Single-key constraints
(E011, E013-E016) are declared on the keys in ``conf`` and checked generically.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from django.apps import AppConfig
from django.core import checks

from django_apiauth import conf

CheckResult = list[checks.CheckMessage]

MAX_USER_CACHE_SECONDS = 1.0
MAX_QUIET_LIFETIME = timedelta(hours=1)


def _setting(key: str, types: tuple[type, ...]) -> Any:
    """The effective value, or ``None`` when it has the wrong type (E003 reports that)."""
    value = conf.get(key)
    if isinstance(value, bool) and bool not in types:
        return None
    return value if isinstance(value, types) else None


def _seconds(value: timedelta | float) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def check_key_encryption_keys(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """A bad encryption key must fail ``manage.py check``, not the first login; an absent one is a warning."""
    from django_apiauth.crypto.encryption import is_valid_fernet_key

    keys = _setting("KEY_ENCRYPTION_KEYS", (list, tuple))
    if keys is None:
        return []
    if not keys:
        return [
            checks.Warning(
                "APIAUTH['KEY_ENCRYPTION_KEYS'] is not set: private signing keys are encrypted with a key "
                "derived from SECRET_KEY.",
                hint="Generate one with `python -m django_apiauth.generate_secrets --only encryption-key` and set "
                "it from the environment (outside version control).",
                id="apiauth.W010",
            )
        ]
    return [
        checks.Error(
            f"APIAUTH['KEY_ENCRYPTION_KEYS'][{index}] is not a Fernet key.",
            hint="Each entry must be 32 url-safe base64-encoded bytes, as made by Fernet.generate_key().",
            id="apiauth.E010",
        )
        for index, key in enumerate(keys)
        if not is_valid_fernet_key(key)
    ]


def check_jwt_algorithm(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """E012: symmetric signing is an explicit opt-in (E011, an unknown algorithm, is the generic check's)."""
    if _setting("JWT_ALGORITHM", (str,)) == "HS256" and _setting("JWT_ALLOW_HS256", (bool,)) is not True:
        return [
            checks.Error(
                "APIAUTH['JWT_ALGORITHM'] is HS256 but APIAUTH['JWT_ALLOW_HS256'] is not True.",
                hint="HS256 tokens can be verified only by holders of the secret; opt in explicitly.",
                id="apiauth.E012",
            )
        ]
    return []


def check_jwt_staleness(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    warnings: CheckResult = []
    ttl = _setting("JWT_USER_CACHE_TTL", conf.DURATION)
    if ttl is not None and _seconds(ttl) > MAX_USER_CACHE_SECONDS:
        warnings.append(
            checks.Warning(
                f"APIAUTH['JWT_USER_CACHE_TTL'] is {_seconds(ttl):g} s: a deactivated user keeps API access "
                "for up to that long.",
                hint="Keep it at 1 second or less.",
                id="apiauth.W011",
            )
        )
    lifetime = _setting("ACCESS_TOKEN_LIFETIME", conf.DURATION)
    if lifetime is not None and _seconds(lifetime) > MAX_QUIET_LIFETIME.total_seconds():
        warnings.append(
            checks.Warning(
                "APIAUTH['ACCESS_TOKEN_LIFETIME'] is longer than one hour: a stolen access token stays usable "
                "that long and retiring keys wait that long.",
                hint="Use short access tokens (minutes) and refresh tokens.",
                id="apiauth.W012",
            )
        )
    return warnings


def check_signing_keys_readable(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """E017 (deploy): stored signing keys the configured encryption keys cannot decrypt.

    A deploy check because it reads the database: it catches a lost or replaced ``KEY_ENCRYPTION_KEYS``
    entry before the first login does.
    """
    from django_apiauth.signing_keys.readability import unreadable_signing_keys

    return [
        checks.Error(
            f"Signing key {kid!r} ({state}) cannot be decrypted with APIAUTH['KEY_ENCRYPTION_KEYS'].",
            hint="Put back the encryption key it was stored with (the first entry encrypts, every entry "
            "decrypts), then run `manage.py rotate_keys --reencrypt` before dropping the old one.",
            id="apiauth.E017",
        )
        for kid, state in unreadable_signing_keys()
    ]


#: Run by ``check --deploy`` only: they query the database.
JWT_DEPLOY_CHECKS: list[Callable[..., CheckResult]] = [check_signing_keys_readable]

JWT_CHECKS: list[Callable[..., CheckResult]] = [
    check_key_encryption_keys,
    check_jwt_algorithm,
    check_jwt_staleness,
]
