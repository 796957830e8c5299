"""The one place that talks to the ``CACHE_ALIAS`` cache when it may be down, and what happens then.

Every consumer of the shared cache names itself (``REVOKED_SESSIONS``, ``THROTTLES``, ``LOCKOUT``,
``EVENT_AGGREGATION``) and runs its cache operation through :func:`guarded`. A connection error of redis-py,
django-redis, Django's ``RedisCache`` or memcached is an *outage*: it is logged once per
``CACHE_OUTAGE_LOG_INTERVAL`` per consumer and process (not once per request), then
``APIAUTH["CACHE_OUTAGE_POLICY"][consumer]`` decides:

* ``"open"``: the caller gets the fallback value it supplied and carries on without the cache (the
  revoked-session check asks the database, a throttle admits the request);
* ``"closed"``: :class:`~django_apiauth.exceptions.TemporarilyUnavailable` (503 JSON with ``Retry-After``).

Event aggregation has no policy: it always falls back to counting in the process. Any other exception is a
bug and propagates. Service resumes by itself: every request tries the cache again, and the cache clients
give up within their socket timeouts (keep them short, see the README), so no request hangs on a dead server.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache

from django_apiauth.conf import apiauth_settings
from django_apiauth.exceptions import TemporarilyUnavailable

T = TypeVar("T")
logger = logging.getLogger("django_apiauth.shared_cache")
DEFAULT_POLICY = {"REVOKED_SESSIONS": "open", "THROTTLES": "open", "LOCKOUT": "closed"}
CONSUMERS = tuple(DEFAULT_POLICY)
POLICIES = ("open", "closed")
#: Consumers that always carry on without the cache: losing them costs precision, never safety.
#: ``CREDENTIAL_REFUSALS`` are the per-network counters of refused API keys, refresh tokens and client secrets:
#: secrets of 128 bits or more, decided by the database, that nobody guesses with or without the counter, so
#: a client holding one goes on through an outage (``LOCKOUT`` governs password and MFA-code checks only).
ALWAYS_OPEN = ("EVENT_AGGREGATION", "CREDENTIAL_REFUSALS")
#: ``Retry-After`` of a fail-closed answer: the client may try again soon, the outage may already be over.
OUTAGE_RETRY_AFTER = 5

_last_logged: dict[str, float] = {}
_log_lock = threading.Lock()


def shared_cache() -> BaseCache:
    """The cache named by ``APIAUTH["CACHE_ALIAS"]`` (read at call time)."""
    return caches[apiauth_settings.CACHE_ALIAS]


def policy(consumer: str) -> str:
    """``"open"`` or ``"closed"`` for ``consumer``: the project's value, else the documented default."""
    if consumer in ALWAYS_OPEN:
        return "open"
    configured = apiauth_settings.CACHE_OUTAGE_POLICY
    value = configured.get(consumer, DEFAULT_POLICY[consumer]) if isinstance(configured, dict) else None
    return value if value in POLICIES else DEFAULT_POLICY[consumer]


def outage_errors() -> tuple[type[BaseException], ...]:
    """Exception classes meaning "the cache server cannot be reached", for the clients that are installed.

    ``OSError`` covers the socket errors of every client (refused, reset, timed out). django-redis raises
    redis-py's own errors, or wraps them in ``ConnectionInterrupted`` when configured to.
    """
    errors: list[type[BaseException]] = [OSError]
    try:
        from redis import exceptions as redis_errors

        # A server that is loading its data, is a read-only replica or is full under ``noeviction`` answers
        # every write with an error: for its consumers that is an outage like a dead socket.
        errors += [
            redis_errors.ConnectionError,
            redis_errors.TimeoutError,
            redis_errors.BusyLoadingError,
            redis_errors.ReadOnlyError,
            redis_errors.OutOfMemoryError,
        ]
    except ImportError:  # pragma: no cover - redis-py is a dev dependency; projects may not have it
        pass
    try:
        from django_redis.exceptions import ConnectionInterrupted

        errors.append(ConnectionInterrupted)
    except ImportError:  # pragma: no cover - django-redis is a dev dependency; projects may not have it
        pass
    return tuple(errors)


#: Optional clients we do not import: their outage errors are recognised by class name.
_OUTAGE_NAMES = frozenset({"MemcacheUnexpectedCloseError", "MemcacheServerError"})


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` says the cache server is unreachable (rather than that our code is wrong)."""
    return isinstance(exc, outage_errors()) or any(cls.__name__ in _OUTAGE_NAMES for cls in type(exc).__mro__)


def report_outage(consumer: str, exc: BaseException) -> None:
    """Log the outage at most once per ``CACHE_OUTAGE_LOG_INTERVAL`` for ``consumer`` in this process."""
    interval = apiauth_settings.CACHE_OUTAGE_LOG_INTERVAL.total_seconds()
    now = time.monotonic()
    with _log_lock:
        last = _last_logged.get(consumer)
        if last is not None and now - last < interval:
            return
        _last_logged[consumer] = now
    logger.error(
        "shared cache %r unreachable (%s); %s fails %s",
        apiauth_settings.CACHE_ALIAS,
        type(exc).__name__,
        consumer,
        policy(consumer),
    )


def guarded(consumer: str, operation: Callable[[], T], *, fallback: T) -> T:
    """``operation()``; on a cache outage, ``fallback`` (policy ``open``) or ``TemporarilyUnavailable``."""
    try:
        return operation()
    except Exception as exc:
        if not is_outage(exc):
            raise
        report_outage(consumer, exc)
        if policy(consumer) == "closed":
            raise TemporarilyUnavailable(retry_after=OUTAGE_RETRY_AFTER) from exc
        return fallback


def reset_outage_log() -> None:
    """Forget when outages were last logged (tests)."""
    with _log_lock:
        _last_logged.clear()


def push_tails_at_exit(push: Callable[[float], int], seconds: float, what: str, unit: str, log: logging.Logger) -> None:
    """Run ``push(deadline)`` (it returns how many ``unit`` it could not push in time) for at most ``seconds``.

    Counters kept per process (event windows, API-key refusals) push their tails to the shared cache at
    interpreter exit, a worker's graceful shutdown, so that the shared counts stay exact; a failure there is
    logged, never raised, because nothing can handle it at exit.
    """
    try:
        left = push(time.monotonic() + seconds)
    except Exception:
        log.exception("could not push pending %s at exit", what)
        return
    if left:
        log.warning("%d %s' pending %s were not pushed at exit", left, unit, what)
