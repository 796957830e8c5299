"""Recording an auth event: one JSON log line, one public signal, then every configured sink.

Recording must never break or slow the request it describes, so every step is guarded and failures are
logged (without the event's payload beyond its type) and swallowed. Aggregated events (failures, rejections:
what an attacker can make happen at will) are recorded once per window and process and otherwise only
counted (``events.aggregation``): a flood costs a dictionary update per event, not a record, a log line and a
round trip to the shared cache.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone
from django.utils.module_loading import import_string

from django_apiauth.blocking import blocking_point
from django_apiauth.client_ip import get_client_ip
from django_apiauth.conf import ApiAuthSettings
from django_apiauth.events import aggregation
from django_apiauth.events.scrub import scrub_details
from django_apiauth.localcache import register_memo
from django_apiauth.models.events import USER_AGENT_MAX_LENGTH, EventType
from django_apiauth.signals import auth_event_recorded

logger = logging.getLogger("django_apiauth.events")
internal_logger = logging.getLogger("django_apiauth")


@dataclass(frozen=True)
class AuthEventRecord:
    """What sinks receive: plain data, already scrubbed of secrets."""

    type: str
    timestamp: datetime
    #: The user's primary key, of whatever type the user model has (int, UUID, str); ``None`` if anonymous.
    user_id: Any = None
    username: str | None = None
    client_ip: str | None = None
    user_agent: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)
    aggregate: bool = False

    def as_log_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["timestamp"] = self.timestamp.isoformat()
        if self.user_id is not None and not isinstance(self.user_id, int):
            data["user_id"] = str(self.user_id)  # a UUID (or other) primary key, as JSON can carry it
        data["details"] = dict(self.details)
        return data


def build_record(
    event_type: EventType | str,
    *,
    request: HttpRequest | None = None,
    user: Any = None,
    details: Mapping[str, Any] | None = None,
    aggregate: bool = False,
) -> AuthEventRecord:
    """Collect who/where from the request and user without touching the database."""
    if user is None and request is not None:
        user = getattr(request, "user", None)
    authenticated = bool(user is not None and getattr(user, "is_authenticated", False))
    # Only a saved row of the user model is referenced: a ``TokenUser`` built from claims may name a user the
    # database does not hold, and the foreign key would then fail the request's transaction.
    user_id = user.pk if authenticated and isinstance(user, Model) else None
    return AuthEventRecord(
        type=str(event_type),
        timestamp=timezone.now(),
        user_id=user_id,
        username=user.get_username() if authenticated and hasattr(user, "get_username") else None,
        client_ip=get_client_ip(request) if request is not None else None,
        user_agent=user_agent_of(request),
        details=scrub_details(details or {}),
        aggregate=aggregate,
    )


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def user_agent_of(request: HttpRequest | None) -> str:
    """The ``User-Agent`` as stored (events, sessions): cut, without control characters or lone surrogates.

    The header is the client's to choose; PostgreSQL refuses a NUL in text, so storing it raw made a login
    answer 500 and an event be lost.
    """
    if request is None:
        return ""
    raw = str(request.META.get("HTTP_USER_AGENT", ""))
    clean = _CONTROL_CHARACTERS.sub("", raw).encode("utf-8", "ignore").decode("utf-8")
    return clean[:USER_AGENT_MAX_LENGTH]


def record_event(
    event_type: EventType | str,
    *,
    request: HttpRequest | None = None,
    user: Any = None,
    details: Mapping[str, Any] | None = None,
    aggregate: bool = False,
) -> AuthEventRecord | None:
    """Record one event; returns the record, or ``None`` if it could not even be built.

    ``aggregate=True`` marks flood-prone events (failures, rejections): identical ones (same type and client
    IP, an IPv6 /64 counting as one IP) inside ``EVENT_AGGREGATION_WINDOW`` become one row whose ``count``
    is exact once the window is over. Only the first of them a process sees in a window is logged, signalled
    and sent to the sinks; the others are counted (the record returned is then that first one).
    """
    blocking_point()  # sinks write to the database
    if aggregate:
        counted = _count_aggregated(str(event_type), request)
        if counted is not None:
            return counted
    try:
        record = build_record(event_type, request=request, user=user, details=details, aggregate=aggregate)
    except Exception:
        internal_logger.exception("could not build auth event of type %s", event_type)
        return None
    _log(record)
    _signal(record)
    _dispatch(record)
    if aggregate:
        _start_window(record, request)
    return record


def count_aggregated(
    event_type: str, request: HttpRequest | None, *, source: str | None = None, window: int | None = None
) -> bool:
    """Count one more aggregated event into its window when this process already recorded the window's first;
    ``False`` when it must be recorded in full (:func:`record_event` with ``aggregate=True``).

    For callers whose refusals are floods: the record, its details and the user are built only when this
    answers ``False``, which counted nothing, so recording the event next counts it exactly once. ``source``
    (``aggregation.flood_source_of``) and ``window`` (``aggregation.window_seconds``) spare the settings reads
    when the caller has them already.
    """
    blocking_point()  # reaching a power of two pushes the count to the shared cache and the row
    return _count_aggregated(event_type, request, source, window) is not None


def _aggregation_key(
    event_type: str, request: HttpRequest | None, now: float, source: str | None = None, window: int | None = None
) -> aggregation.AggregationKey:
    seconds = aggregation.window_seconds() if window is None else window
    return event_type, aggregation.flood_source_of(request) if source is None else source, int(now) // seconds


def _start_window(record: AuthEventRecord, request: HttpRequest | None) -> None:
    try:
        aggregation.pending.start(_aggregation_key(record.type, request, record.timestamp.timestamp()), record)
    except Exception:
        internal_logger.exception("could not count auth event of type %s", record.type)


def _count_aggregated(
    event_type: str, request: HttpRequest | None, source: str | None = None, window: int | None = None
) -> AuthEventRecord | None:
    """The window's first record when this event was only counted into it; ``None`` when it must be recorded."""
    try:
        now = time.time()
        key = _aggregation_key(event_type, request, now, source, window)
        aggregation.pending.close_windows_before(key[2])
        first: AuthEventRecord | None = aggregation.pending.count(key, now)
    except Exception:
        internal_logger.exception("could not count auth event of type %s", event_type)
        return None
    return first


def push_count(record: AuthEventRecord, delta: int, last_seen: float) -> None:
    """Add ``delta`` more events, the last at ``last_seen`` (epoch seconds), to the aggregated row of
    ``record``'s window, in every sink that counts."""
    last_seen_at = datetime.fromtimestamp(last_seen, tz=record.timestamp.tzinfo)
    for sink in _sinks_or_none():
        add_count = getattr(sink() if isinstance(sink, type) else sink, "add_count", None)
        if add_count is None:
            continue
        try:
            add_count(record, delta, last_seen_at)
        except Exception:
            internal_logger.exception("auth event sink %r failed to count events of type %s", sink, record.type)


def _log(record: AuthEventRecord) -> None:
    if not logger.isEnabledFor(logging.INFO):
        return
    try:
        logger.info(json.dumps(record.as_log_dict(), default=str, sort_keys=True))
    except Exception:
        internal_logger.exception("could not log auth event of type %s", record.type)


def _signal(record: AuthEventRecord) -> None:
    for receiver, result in auth_event_recorded.send_robust(sender=AuthEventRecord, event=record):
        if isinstance(result, Exception):
            internal_logger.error("auth event receiver %r failed: %s", receiver, type(result).__name__)


@lru_cache(maxsize=8)
def _imported(paths: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(import_string(path) for path in paths)


register_memo("events.sinks", _imported, size="8 sink lists")


def configured_sinks() -> tuple[Any, ...]:
    """The ``EVENT_SINKS`` callables, imported once per distinct setting value (the setting is read each call)."""
    return _imported(tuple(ApiAuthSettings.EVENT_SINKS.raw()))


def _sinks_or_none() -> tuple[Any, ...]:
    try:
        return configured_sinks()
    except Exception:
        internal_logger.exception("could not load APIAUTH['EVENT_SINKS']")
        return ()


def _dispatch(record: AuthEventRecord) -> None:
    for sink in _sinks_or_none():
        try:
            (sink() if isinstance(sink, type) else sink)(record)
        except Exception:
            internal_logger.exception("auth event sink %r failed for an event of type %s", sink, record.type)
