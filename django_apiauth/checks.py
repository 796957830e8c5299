"""System checks for the ``APIAUTH`` namespace.

Ids are stable and documented in the README:

* ``apiauth.E001`` ``APIAUTH`` is not a dict.
* ``apiauth.E002`` unknown key (likely a typo).
* ``apiauth.E003`` a value of the wrong type.
* ``apiauth.E004`` a removed key.
* ``apiauth.E005`` an import string that cannot be imported.
* ``apiauth.E006`` an entry of ``TRUSTED_PROXIES`` that is not a CIDR.
* ``apiauth.W008`` a SQLite database with deferred transactions (Django's default): parallel writers are
  refused with 503 instead of waiting their turn.
* ``apiauth.E007`` a value outside its declared constraint (minimum, maximum, choices, pattern): the
  generic constraint check. Keys whose constraint had its own id before keep that id (listed below).

JWT access tokens and signing keys (``django_apiauth.jwt.checks``, ``docs/jwt.md``):

* ``apiauth.E010`` an entry of ``KEY_ENCRYPTION_KEYS`` is not a Fernet key.
* ``apiauth.E011`` ``JWT_ALGORITHM`` is not one of RS256, ES256, EdDSA, HS256.
* ``apiauth.E012`` ``JWT_ALGORITHM`` is HS256 but ``JWT_ALLOW_HS256`` is not True.
* ``apiauth.E013`` ``JWT_MAX_TOKEN_BYTES`` is below 512 (our own tokens would not fit).
* ``apiauth.E014`` ``JWT_LEEWAY`` or ``JWT_USER_CACHE_TTL`` is negative.
* ``apiauth.E015`` ``JWT_ISSUER`` or ``JWT_AUDIENCE`` is empty.
* ``apiauth.E016`` ``JWT_VERIFIED_TOKEN_CACHE_SIZE`` is negative.
* ``apiauth.E017`` (deploy) a stored signing key that ``KEY_ENCRYPTION_KEYS`` cannot decrypt.
* ``apiauth.W010`` ``KEY_ENCRYPTION_KEYS`` is unset: private keys are encrypted with a key derived from
  ``SECRET_KEY`` (whoever has ``SECRET_KEY`` and the database has the signing keys).
* ``apiauth.W011`` ``JWT_USER_CACHE_TTL`` above 1 s: a deactivated user keeps access that long.
* ``apiauth.W012`` ``ACCESS_TOKEN_LIFETIME`` above 1 hour: a stolen token stays usable that long.

Login and refresh tokens (``django_apiauth.refresh.checks``):

* ``apiauth.E030`` ``REFRESH_TOKEN_TRANSPORT`` is not ``body``, ``cookie`` or ``both``.
* ``apiauth.E031`` ``REFRESH_COOKIE_SAMESITE`` is not ``Strict``, ``Lax`` or ``None``.
* ``apiauth.E032`` ``REFRESH_REUSE_GRACE`` is negative.
* ``apiauth.E033`` an entry of ``REFRESH_COOKIE_ALLOWED_ORIGINS`` is not ``scheme://host[:port]``.
* ``apiauth.E034`` ``REFRESH_COOKIE_CSRF_HEADER`` is not a usable header name.
* ``apiauth.E035`` ``REFRESH_COOKIE_NAME`` is not a valid cookie name (or a ``__Host-`` name off ``Path=/``).
* ``apiauth.E036`` ``CHECK_REVOKED_SESSIONS`` with a ``DummyCache``: revocations would never be seen.
* ``apiauth.W030`` ``CHECK_REVOKED_SESSIONS`` with a per-process cache outside ``DEBUG``.
* ``apiauth.W031`` cookie transport with a ``SameSite`` weaker than ``Strict``.
* ``apiauth.W032`` ``REFRESH_REUSE_GRACE`` longer than 60 seconds.
* ``apiauth.W033`` ``REFRESH_TOKEN_IDLE_LIFETIME`` longer than ``REFRESH_TOKEN_ABSOLUTE_LIFETIME``.

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

Rate limits, brute-force counters, cache outages (``django_apiauth/throttling/checks.py``):

* ``apiauth.E060`` a ``THROTTLE_RATES`` entry that is not a rate, or a malformed scope name.
* ``apiauth.E061`` the ``CACHE_ALIAS`` cache is a ``DummyCache``.
* ``apiauth.E062`` lockout thresholds below 1, or ``LOCKOUT_BASE_WAIT`` above ``LOCKOUT_MAX_WAIT``.
* ``apiauth.E063`` ``CACHE_OUTAGE_POLICY`` with an unknown consumer or policy.
* ``apiauth.W039`` rate limits and lockout counters in a per-process cache outside ``DEBUG``.
* ``apiauth.W060`` a shared cache whose ``incr`` may not be atomic (neither Redis nor memcached).
* ``apiauth.E064`` ``MONITOR_STUFFING_ACCOUNTS`` or ``MONITOR_DISTRIBUTED_NETWORKS`` below 2.

HTTP edge (``django_apiauth/http_security/checks.py``, ``docs/http_security.md``):

* ``apiauth.E040`` any origin (``*``, allow-all, a catch-all regex) together with credentials, in
  ``APIAUTH["CORS"]`` or django-cors-headers' ``CORS_*`` settings.
* ``apiauth.E041`` allowed origins set both in ``APIAUTH["CORS"]`` and in django-cors-headers' settings.
* ``apiauth.E042`` a malformed ``APIAUTH["CORS"]`` block.
* ``apiauth.E043`` a malformed ``APIAUTH["SECURITY_HEADERS"]`` block.
* ``apiauth.W040`` (deploy) ``REQUIRE_HTTPS`` off without ``SECURE_PROXY_SSL_HEADER``.
* ``apiauth.W041`` (deploy) cookie refresh-token transport with ``DEBUG`` on: the cookie is not ``Secure``.
* ``apiauth.W034`` (deploy) the cache holding revocations evicts entries under memory pressure (a Redis
  ``maxmemory-policy`` other than ``noeviction``, a local-memory cache with ``MAX_ENTRIES`` below 100000).

Multi-factor authentication (constraints of the ``MFA_*`` keys, reported by the generic check):

* ``apiauth.E050`` ``MFA_TOKEN_MAX_ATTEMPTS`` below 1.
* ``apiauth.E051`` ``MFA_THROTTLE_FACTOR`` negative.

Scopes (``django_apiauth/scopes/checks.py``, ``docs/scopes.md``):

* ``apiauth.E080`` a ``SCOPES`` entry whose name or shape is malformed.
* ``apiauth.E081`` a ``SCOPES`` grant rule that is not usable.
* ``apiauth.E082`` a scope whose rule could be read two ways (``API_KEY_SCOPES`` translation).
* ``apiauth.E083`` a view's ``required_scopes`` is not a list of registered scope names.
* ``apiauth.W080`` ``API_KEY_SCOPES`` is deprecated: move it to ``SCOPES``.
* ``apiauth.W081`` ``LOGIN_SCOPES`` names a scope the registry does not define.

OAuth 2.0 authorization server (``django_apiauth/oauth/checks.py``):

* ``apiauth.W150`` (deploy) the RFC 8414 metadata is served but ``JWT_ISSUER`` is not an https URL.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings as django_settings
from django.core import checks
from django.utils.module_loading import import_string

from django_apiauth import conf
from django_apiauth.api_keys.checks import API_KEY_CHECKS
from django_apiauth.http_security.checks import HTTP_CHECKS, HTTP_DEPLOY_CHECKS
from django_apiauth.jwt.checks import JWT_CHECKS, JWT_DEPLOY_CHECKS
from django_apiauth.refresh.checks import (
    REFRESH_CHECKS,
    check_revocation_cache_eviction,
    check_revocation_cache_persistence,
)
from django_apiauth.scopes.checks import SCOPE_CHECKS, URL_CHECKS
from django_apiauth.throttling.checks import THROTTLE_CHECKS

CheckResult = list[checks.CheckMessage]
IMPORT_STRING_KEYS = ("EVENT_SINKS", "ACCESS_TOKEN_CLAIMS", "MFA_TOTP_ACCOUNT_LABEL")
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


def _check_value(key: str, value: Any, spec: conf.Setting[Any]) -> CheckResult:
    """E003 for a wrong type; otherwise the key's declared constraints, reported under its ``check_id``."""
    if not _type_ok(value, spec.types):
        return [
            checks.Error(
                f"APIAUTH[{key!r}] must be {_type_names(spec.types)}, not {type(value).__name__}.",
                id="apiauth.E003",
            )
        ]
    if spec.item_types and not all(_type_ok(item, spec.item_types) for item in value):
        return [checks.Error(f"APIAUTH[{key!r}] items must be {_type_names(spec.item_types)}.", id="apiauth.E003")]
    problem = spec.violation(value)
    if problem is not None:
        return [checks.Error(f"APIAUTH[{key!r}] {problem}.", hint=_hint(spec), id=spec.check_id)]
    return []


def _hint(spec: conf.Setting[Any]) -> str:
    return f"See {spec.name} in the README's settings reference."


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


#: SQLite transaction modes that take the write lock when the transaction begins.
SQLITE_WRITER_MODES = ("IMMEDIATE", "EXCLUSIVE")


def check_sqlite_transaction_mode(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """Deferred SQLite transactions (Django's default) that read and then write fail at once when another
    writer overlaps, so ordinary parallel requests (two refreshes, two key creations) are answered 503."""
    warnings: CheckResult = []
    for alias, database in django_settings.DATABASES.items():
        if not str(database.get("ENGINE", "")).endswith("sqlite3"):
            continue
        mode = str((database.get("OPTIONS") or {}).get("transaction_mode") or "DEFERRED").upper()
        if mode not in SQLITE_WRITER_MODES:
            warnings.append(
                checks.Warning(
                    f"SQLite database {alias!r} opens deferred transactions: parallel requests that write "
                    "(refresh, login, API-key creation) are refused with 503 instead of waiting their turn.",
                    hint='Set DATABASES[...]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}.',
                    id="apiauth.W008",
                )
            )
    return warnings


ALL_CHECKS: list[Callable[..., CheckResult]] = [
    check_namespace,
    check_import_strings,
    check_cidrs,
    check_sqlite_transaction_mode,
]
ALL_CHECKS += REFRESH_CHECKS
ALL_CHECKS += JWT_CHECKS
ALL_CHECKS += API_KEY_CHECKS
ALL_CHECKS += THROTTLE_CHECKS

ALL_CHECKS += SCOPE_CHECKS
ALL_CHECKS += HTTP_CHECKS
DEPLOY_CHECKS: list[Callable[..., CheckResult]] = [
    *HTTP_DEPLOY_CHECKS,
    check_revocation_cache_eviction,
    check_revocation_cache_persistence,
    *JWT_DEPLOY_CHECKS,
]


def register_all() -> None:
    """Called from ``AppConfig.ready``; registering twice is harmless (Django keeps a set).

    Every check is a security check too, so ``manage.py check --deploy --tag security`` runs them.
    """
    for check in ALL_CHECKS:
        checks.register(check, "apiauth", checks.Tags.security)
    for check in DEPLOY_CHECKS:
        checks.register(check, "apiauth", checks.Tags.security, deploy=True)
    for check in URL_CHECKS:
        checks.register(check, "apiauth", checks.Tags.security, checks.Tags.urls)
    from django_apiauth.oauth import checks as oauth_checks

    oauth_checks.register()
