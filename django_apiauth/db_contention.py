"""Lock contention in the database answered as a 503, never as a 500.

SQLite serialises writers: with ``transaction_mode: IMMEDIATE`` and a ``timeout`` (see the README) a
writer waits its turn, and only a wait longer than the timeout fails with ``database is locked``.
PostgreSQL reports a lock or statement timeout, a deadlock or a serialisation failure. In every case the
transaction was rolled back as a whole -- nothing was half-written and nothing is lost -- so the client is
told to retry (``TemporarilyUnavailable``: 503 ``temporarily_unavailable`` with ``Retry-After``). Any
other database error is a bug or an outage of another kind and propagates.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import OperationalError

from django_apiauth.exceptions import TemporarilyUnavailable

P = ParamSpec("P")
R = TypeVar("R")
logger = logging.getLogger("django_apiauth.database")

#: SQLite's messages for a lock it waited for in vain.
SQLITE_BUSY_MESSAGES = ("database is locked", "database table is locked")
#: PostgreSQL SQLSTATEs: serialization_failure, deadlock_detected, lock_not_available, query_canceled.
POSTGRES_CONTENTION_STATES = frozenset({"40001", "40P01", "55P03", "57014"})
RETRY_AFTER = 1


def is_contention(exc: OperationalError) -> bool:
    """Whether ``exc`` says "another transaction held what we needed" rather than "something is broken"."""
    cause = exc.__cause__
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if state in POSTGRES_CONTENTION_STATES:
        return True
    return any(message in str(exc).lower() for message in SQLITE_BUSY_MESSAGES)


def unavailable_when_busy(service: Callable[P, R]) -> Callable[P, R]:
    """Decorate a service that owns a transaction: lock contention becomes ``TemporarilyUnavailable``."""

    @functools.wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        # This frame holds the service's arguments (passwords, refresh tokens): error reports (Django's
        # technical 500, Sentry) skip frames marked so; the service's own frame keeps its sensitive_variables.
        __traceback_hide__ = True
        try:
            return service(*args, **kwargs)
        except OperationalError as exc:
            raise busy_refusal(exc, service.__qualname__) from exc

    return run


def busy_refusal(exc: OperationalError, where: str) -> TemporarilyUnavailable:
    """The 503 that answers ``exc`` if it is lock contention (logged once, naming ``where``); any other
    database error is raised again as it is."""
    if not is_contention(exc):
        raise exc
    logger.warning("database busy in %s (%s): answered 503", where, type(exc).__name__)
    return TemporarilyUnavailable(retry_after=RETRY_AFTER)
