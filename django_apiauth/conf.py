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


class ApiAuthSettings:
    """Typed view over ``APIAUTH``; holds no state, so it can never go stale."""

    EVENT_SINKS = _Key[list[Any]](_import_all)
    EVENT_AGGREGATION_WINDOW = _Key[timedelta](as_timedelta)
    EVENT_RETENTION = _Key[timedelta](as_timedelta)
    TRUSTED_PROXIES = _Key[tuple[str, ...]](tuple)
    CACHE_ALIAS = _Key[str]()


apiauth_settings = ApiAuthSettings()


def _format_default(value: Any) -> str:
    if isinstance(value, timedelta):
        seconds = int(value.total_seconds())
        for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
            if seconds and seconds % size == 0:
                return f"timedelta({unit}={seconds // size})"
        return f"timedelta(seconds={seconds})"
    return repr(value)


def settings_reference_markdown() -> str:
    """The settings table for the README, generated from ``SPECS`` (``python -m django_apiauth.conf``)."""
    lines = ["| Key | Default | What it does |", "| --- | --- | --- |"]
    for name, spec in SPECS.items():
        lines.append(f"| `{name}` | `{_format_default(spec.default)}` | {spec.doc} |")
    return "\n".join(lines)


README_START = "<!-- settings-reference:start -->"
README_END = "<!-- settings-reference:end -->"


def rewrite_readme(text: str) -> str:
    """``text`` with the block between the README markers replaced by the current reference."""
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    return f"{head}{README_START}\n{settings_reference_markdown()}\n{README_END}{tail}"


if __name__ == "__main__":  # pragma: no cover - documentation generator: python -m django_apiauth.conf README.md
    import sys
    from pathlib import Path

    if len(sys.argv) > 1:
        path = Path(sys.argv[1])
        path.write_text(rewrite_readme(path.read_text()))
    else:
        print(settings_reference_markdown())
