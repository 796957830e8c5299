"""The ``APIAUTH`` settings namespace.

Every key, its default and its documentation live in ``SPECS`` below and nowhere else. Values are read from
``django.conf.settings`` on every access (no module-level capture), so ``override_settings`` and
``django_apiauth.testing.override_apiauth`` always take effect. Validation is done by system checks
(``checks.py``), never at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, TypeVar, cast, overload

from django.conf import settings as django_settings
from django.utils.module_loading import import_string

from django_apiauth.durations import as_timedelta

T = TypeVar("T")

DURATION = (timedelta, int, float)


@dataclass(frozen=True)
class Spec:
    """One documented key: its default, the types it accepts and what it is for."""

    default: Any
    types: tuple[type, ...]
    doc: str
    item_types: tuple[type, ...] = ()


# fmt: off
SPECS: dict[str, Spec] = {
    # --- audit trail -------------------------------------------------------------------------------------
    "EVENT_SINKS": Spec(
        ["django_apiauth.events.sinks.DatabaseSink"], (list, tuple),
        "Import strings of callables (or classes, instantiated once per call) that receive every recorded "
        "auth event. A failing sink is logged and skipped.", (str,)),
    "EVENT_AGGREGATION_WINDOW": Spec(
        timedelta(seconds=60), DURATION,
        "Identical aggregated events (same type and client IP) inside this window share one database row "
        "whose `count` grows, so a flood of failures cannot flood the table."),
    "EVENT_RETENTION": Spec(
        timedelta(days=90), DURATION,
        "How long `manage.py prune_auth_events` keeps events when `--older-than` is not given."),
    # --- network --------------------------------------------------------------------------------------------
    "TRUSTED_PROXIES": Spec(
        [], (list, tuple),
        "CIDRs of reverse proxies whose `X-Forwarded-For` is believed. From any other peer the header is "
        "ignored and `REMOTE_ADDR` is the client IP.", (str,)),
    "CACHE_ALIAS": Spec(
        "default", (str,),
        "Django cache alias for shared counters (event aggregation, throttles, revocation lists). Use a "
        "shared cache (Redis) when several processes serve the API."),
    # --- API keys (issue 5) ----------------------------------------------------------------------------
    "API_KEY_PREFIX": Spec(
        "apiauth", (str,),
        "First part of every API key (`<prefix>_<lookup id>_<secret><checksum>`), so leaked keys are "
        "recognisable by secret scanners. Letters and digits only; changing it invalidates existing keys."),
    "API_KEY_HEADER": Spec(
        "X-API-Key", (str,),
        "Request header carrying a key. `Authorization: Api-Key <key>` is always accepted as well."),
    "API_KEY_QUERY_PARAM": Spec(
        None, (str, type(None)),
        "Name of a query parameter that may carry a key (e.g. `api_key`). Off by default because URLs end up "
        "in logs and browser history; enabling it raises warning `apiauth.W021` and every rejection through it "
        "is flagged in its event."),
    "API_KEY_PEPPER": Spec(
        None, (str, type(None)),
        "Server-side secret (at least 32 characters) keying the HMAC-SHA256 of every API-key secret, so a "
        "database dump alone cannot verify guesses. Unset: derived from `SECRET_KEY` with warning "
        "`apiauth.W020`. Changing it invalidates existing keys unless the old value is listed in "
        "`API_KEY_PEPPER_FALLBACKS`."),
    "API_KEY_PEPPER_FALLBACKS": Spec(
        [], (list, tuple),
        "Previous peppers still accepted while keys are verified (like `SECRET_KEY_FALLBACKS`); a key verified "
        "with one is re-hashed with the current pepper once.", (str,)),
    "API_KEY_DEFAULT_LIFETIME": Spec(
        timedelta(days=90), (timedelta, int, float, type(None)),
        "Lifetime of a new key when its creator does not choose one; `None` means keys never expire."),
    "API_KEY_MAX_LIFETIME": Spec(
        None, (timedelta, int, float, type(None)),
        "Longest lifetime a creator may choose; `None` means no limit (and keys that never expire are allowed)."),
    "API_KEY_ROTATION_OVERLAP": Spec(
        timedelta(hours=24), DURATION,
        "After a rotation the old secret keeps working this long, so clients can roll without downtime."),
    "API_KEY_LAST_USED_INTERVAL": Spec(
        timedelta(seconds=60), DURATION,
        "`last_used_at` of a key is written at most once per this interval, never once per request."),
    "API_KEY_CACHE_TTL": Spec(
        1.0, (int, float),
        "Seconds (0 to 1) a process may reuse a key row it verified instead of querying the database. A revoked "
        "key is refused by every process within this bound; 0 disables the cache."),
    "API_KEY_SCOPES": Spec(
        {}, (dict,),
        "The scopes keys may carry, mapped to who may grant them: `None` (any active user), `\"is_staff\"`, "
        "`\"is_superuser\"` or a permission `\"app_label.codename\"` (superusers hold every scope)."),
    "API_KEY_SCOPE_POLICY": Spec(
        "django_apiauth.api_keys.scopes.scopes_user_may_grant", (str,),
        "Import string of a callable `(user) -> iterable of scopes` deciding which scopes a user may put on a "
        "key through the self-service endpoints. The default reads `API_KEY_SCOPES`."),
    "API_KEY_MAX_PER_USER": Spec(
        100, (int,),
        "Most usable (not revoked, not expired) keys one user may hold; creating one more answers 400."),
}
# fmt: on

REMOVED_KEYS: dict[str, str] = {
    # "OLD_KEY": "what replaces it",
}


def user_settings() -> dict[str, Any]:
    """The project's raw ``APIAUTH`` dict (empty when unset or not a dict; checks report the latter)."""
    value = getattr(django_settings, "APIAUTH", None)
    return value if isinstance(value, dict) else {}


def get(name: str) -> Any:
    """Current value of ``name``: the project's value if given, else the documented default."""
    spec = SPECS[name]
    return user_settings().get(name, spec.default)


class _Key(Generic[T]):
    """Descriptor reading one key at access time; ``convert`` normalises accepted shapes."""

    def __init__(self, convert: Callable[[Any], T] | None = None) -> None:
        self._convert = convert
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> _Key[T]: ...
    @overload
    def __get__(self, obj: object, objtype: type | None = None) -> T: ...
    def __get__(self, obj: object | None, objtype: type | None = None) -> T | _Key[T]:
        if obj is None:
            return self
        value = get(self.name)
        return self._convert(value) if self._convert else cast(T, value)


def _import_all(value: Any) -> list[Any]:
    return [import_string(path) for path in value]


def _optional_timedelta(value: Any) -> timedelta | None:
    return None if value is None else as_timedelta(value)


class ApiAuthSettings:
    """Typed view over ``APIAUTH``; holds no state, so it can never go stale."""

    EVENT_SINKS = _Key[list[Any]](_import_all)
    EVENT_AGGREGATION_WINDOW = _Key[timedelta](as_timedelta)
    EVENT_RETENTION = _Key[timedelta](as_timedelta)
    TRUSTED_PROXIES = _Key[tuple[str, ...]](tuple)
    CACHE_ALIAS = _Key[str]()
    # API keys (issue 5)
    API_KEY_PREFIX = _Key[str]()
    API_KEY_HEADER = _Key[str]()
    API_KEY_QUERY_PARAM = _Key[str | None]()
    API_KEY_PEPPER = _Key[str | None]()
    API_KEY_PEPPER_FALLBACKS = _Key[tuple[str, ...]](tuple)
    API_KEY_DEFAULT_LIFETIME = _Key[timedelta | None](_optional_timedelta)
    API_KEY_MAX_LIFETIME = _Key[timedelta | None](_optional_timedelta)
    API_KEY_ROTATION_OVERLAP = _Key[timedelta](as_timedelta)
    API_KEY_LAST_USED_INTERVAL = _Key[timedelta](as_timedelta)
    API_KEY_CACHE_TTL = _Key[float](float)
    API_KEY_SCOPES = _Key[dict[str, str | None]]()
    API_KEY_SCOPE_POLICY = _Key[Callable[..., Any]](import_string)
    API_KEY_MAX_PER_USER = _Key[int]()


apiauth_settings = ApiAuthSettings()


def settings_reference_markdown() -> str:
    """The settings table for the README, generated from ``SPECS`` (``python -m django_apiauth.conf``)."""
    lines = ["| Key | Default | What it does |", "| --- | --- | --- |"]
    for name, spec in SPECS.items():
        lines.append(f"| `{name}` | `{spec.default!r}` | {spec.doc} |")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - documentation generator
    print(settings_reference_markdown())
