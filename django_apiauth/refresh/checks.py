"""System checks for the login and refresh-token settings (ids ``apiauth.E033``, ``E035``, ``E036``, ``W030``-``W035``).

Single-key constraints (E030-E032, E034, E035's name pattern) are declared on the keys in ``conf``.

Values of the wrong type are skipped here: ``apiauth.E003`` already reports them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.apps import AppConfig
from django.conf import settings as django_settings
from django.core import checks

from django_apiauth import conf
from django_apiauth.durations import as_timedelta

CheckResult = list[checks.CheckMessage]
MAX_SENSIBLE_GRACE = timedelta(seconds=60)
_LOCAL_CACHES = ("django.core.cache.backends.locmem.LocMemCache",)
_DUMMY_CACHES = ("django.core.cache.backends.dummy.DummyCache",)


def _value(key: str) -> Any:
    return conf.get(key)


def _duration(key: str) -> timedelta | None:
    value = _value(key)
    if isinstance(value, bool) or not isinstance(value, (timedelta, int, float)):
        return None
    return as_timedelta(value)


def check_transport_and_cookie(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """W031 a SameSite weaker than Strict on a used cookie, E035 a ``__Host-`` name off ``Path=/``.

    Unknown transports (E030), SameSite values (E031) and malformed names (E035) are the generic check's.
    """
    transport, samesite = _value("REFRESH_TOKEN_TRANSPORT"), _value("REFRESH_COOKIE_SAMESITE")
    errors: CheckResult = []
    if transport in ("cookie", "both") and samesite in ("Lax", "None"):
        errors.append(
            checks.Warning(
                "The refresh-token cookie is not SameSite=Strict: cross-site requests may carry it.",
                hint="Keep APIAUTH['REFRESH_COOKIE_SAMESITE'] = 'Strict' unless you know why not.",
                id="apiauth.W031",
            )
        )
    name, paths = _value("REFRESH_COOKIE_NAME"), _value("REFRESH_COOKIE_PATHS")
    if isinstance(name, str) and name.startswith("__Host-") and list(paths) != ["/"]:
        errors.append(
            checks.Error(
                "A __Host- cookie must have Path=/, which defeats limiting it to the refresh endpoints.",
                hint="Use another REFRESH_COOKIE_NAME prefix (e.g. __Secure-).",
                id="apiauth.E035",
            )
        )
    return errors


def check_lifetimes(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """W032 a grace long enough to help a thief, W033 idle longer than absolute (E032 is generic)."""
    errors: CheckResult = []
    grace = _duration("REFRESH_REUSE_GRACE")
    if grace is not None and grace > MAX_SENSIBLE_GRACE:
        errors.append(
            checks.Warning(
                f"APIAUTH['REFRESH_REUSE_GRACE'] is longer than {MAX_SENSIBLE_GRACE.seconds} seconds.",
                hint="Within the grace a stolen predecessor token can be replayed without revoking the family.",
                id="apiauth.W032",
            )
        )
    idle, absolute = _duration("REFRESH_TOKEN_IDLE_LIFETIME"), _duration("REFRESH_TOKEN_ABSOLUTE_LIFETIME")
    if idle is not None and absolute is not None and idle > absolute:
        errors.append(
            checks.Warning(
                "APIAUTH['REFRESH_TOKEN_IDLE_LIFETIME'] is longer than REFRESH_TOKEN_ABSOLUTE_LIFETIME.",
                hint="Tokens never live longer than their family; the idle lifetime has no effect.",
                id="apiauth.W033",
            )
        )
    return errors


def check_csrf_defence(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """E033 an allowed origin that is not ``scheme://host[:port]`` (E034, the header name, is generic)."""
    errors: CheckResult = []
    origins = _value("REFRESH_COOKIE_ALLOWED_ORIGINS")
    for origin in origins if isinstance(origins, (list, tuple)) else []:
        if not _is_origin(origin):
            errors.append(
                checks.Error(
                    f"APIAUTH['REFRESH_COOKIE_ALLOWED_ORIGINS'] entry {origin!r} is not an origin.",
                    hint="Use scheme://host[:port] with no path, e.g. https://app.example.com.",
                    id="apiauth.E033",
                )
            )
    return errors


def _is_origin(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and parts.path in ("", "/")
        and not (parts.query or parts.fragment or parts.username)
    )


def check_revocation_cache(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """E036 a cache that stores nothing, W030 a per-process cache outside DEBUG."""
    if _value("CHECK_REVOKED_SESSIONS") is not True:
        return []
    alias = _value("CACHE_ALIAS")
    backend = str(django_settings.CACHES.get(alias, {}).get("BACKEND", "")) if isinstance(alias, str) else ""
    if backend in _DUMMY_CACHES:
        return [
            checks.Error(
                f"CHECK_REVOKED_SESSIONS needs a real cache, but cache {alias!r} is a DummyCache.",
                hint="Point APIAUTH['CACHE_ALIAS'] at Redis, or set CHECK_REVOKED_SESSIONS to False.",
                id="apiauth.E036",
            )
        ]
    if backend in _LOCAL_CACHES and not django_settings.DEBUG:
        return [
            checks.Warning(
                f"Cache {alias!r} is per process: a session revoked in one process is not seen by the others.",
                hint="Use a shared cache (Redis) for APIAUTH['CACHE_ALIAS'] when several processes serve the API.",
                id="apiauth.W030",
            )
        ]
    return []


#: A local-memory cache smaller than this culls entries in ordinary use (Django's default is 300).
SMALL_LOCAL_CACHE = 100_000


def check_revocation_cache_eviction(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """W034 (deploy): session state should live in a cache that keeps it. An evicting one loses entries under
    memory pressure; no revocation is forgotten (a missing entry is looked up in the database), but every
    evicted entry costs that query on the request hot path."""
    if _value("CHECK_REVOKED_SESSIONS") is not True:
        return []
    alias = _value("CACHE_ALIAS")
    config = django_settings.CACHES.get(alias, {}) if isinstance(alias, str) else {}
    reason = _eviction_reason(str(alias), config)
    if reason is None:
        return []
    return [
        checks.Warning(
            f"Cache {alias!r} holding session revocations evicts entries under memory pressure ({reason}).",
            hint="Each evicted entry costs a database query per session check; give session state a cache that "
            "never evicts: Redis with maxmemory-policy noeviction.",
            id="apiauth.W034",
        )
    ]


def _eviction_reason(alias: str, config: dict[str, Any]) -> str | None:
    backend = str(config.get("BACKEND", ""))
    if backend in _LOCAL_CACHES:
        max_entries = (config.get("OPTIONS") or {}).get("MAX_ENTRIES", 300)
        if isinstance(max_entries, int) and max_entries < SMALL_LOCAL_CACHE:
            return f"a local-memory cache of at most {max_entries} entries"
        return None
    if "redis" not in backend.lower():
        return None
    policy = redis_eviction_policy(alias)
    return None if policy in (None, "noeviction") else f"Redis maxmemory-policy {policy}"


def redis_eviction_policy(alias: str) -> str | None:
    """The server's ``maxmemory-policy``, or ``None`` when it cannot be asked (down, ``CONFIG`` disabled)."""
    return _redis_config(alias, "maxmemory-policy")


def _redis_config(alias: str, name: str) -> str | None:
    """One ``CONFIG GET`` value of the Redis behind cache ``alias``; ``None`` when it cannot be asked."""
    from django.core.cache import caches

    cache: Any = caches[alias]
    try:
        if hasattr(cache, "client") and hasattr(cache.client, "get_client"):  # django-redis
            client = cache.client.get_client(write=True)
        else:  # Django's own RedisCache
            client = cache._cache.get_client(None, write=True)
        return str(client.config_get(name)[name])
    except Exception:  # a check must report, never crash; managed Redis often refuses CONFIG
        return None


def check_revocation_cache_persistence(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """W035 (deploy): the Redis holding session state restarts from a snapshot older than its last writes.

    A session's ``live`` entry is written at login and overwritten with ``revoked`` at logout. A Redis that
    saves RDB snapshots and no append-only file restarts from its last snapshot, which brings back the
    ``live`` entries of sessions revoked after it: their access tokens are accepted again until they expire.
    An append-only file replays the revocations too (all but about the last second's, with the default
    ``appendfsync everysec``), and a Redis that keeps nothing restarts empty, which only costs queries.
    """
    if _value("CHECK_REVOKED_SESSIONS") is not True:
        return []
    alias = _value("CACHE_ALIAS")
    config = django_settings.CACHES.get(alias, {}) if isinstance(alias, str) else {}
    if "redis" not in str(config.get("BACKEND", "")).lower():
        return []
    save, appendonly = _redis_config(str(alias), "save"), _redis_config(str(alias), "appendonly")
    if not save or appendonly != "no":  # keeps nothing, keeps every write, or cannot be asked
        return []
    return [
        checks.Warning(
            f"The Redis of cache {alias!r} saves snapshots ({save!r}) without an append-only file: a restart "
            "restores sessions revoked after the last snapshot as live, until their access tokens expire.",
            hint='Run the Redis holding session state with save "" (it may restart empty: a missing entry '
            "is read from the database), or with appendonly yes; or empty it before the API starts.",
            id="apiauth.W035",
        )
    ]


REFRESH_CHECKS: list[Callable[..., CheckResult]] = [
    check_transport_and_cookie,
    check_lifetimes,
    check_csrf_defence,
    check_revocation_cache,
]
