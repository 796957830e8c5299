"""Lock contention in the database, and a database that cannot be reached, answered as a 503, never as a 500.

SQLite serialises writers: with ``transaction_mode: IMMEDIATE`` and a ``timeout`` (see the README) a
writer waits its turn, and only a wait longer than the timeout fails with ``database is locked``.
PostgreSQL reports a lock or statement timeout, a deadlock or a serialisation failure. In every case the
transaction was rolled back as a whole -- nothing was half-written and nothing is lost -- so the client is
told to retry (``TemporarilyUnavailable``: 503 ``temporarily_unavailable`` with ``Retry-After``).

A PostgreSQL server that refuses or drops the connection (down, restarting, out of connection slots) is an
outage: no statement ran, or the transaction died with the connection and was rolled back, so it is answered
the same way. Any other database error is a bug and propagates.
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
#: PostgreSQL SQLSTATEs of a server that cannot serve the connection: too_many_connections, admin_shutdown,
#: crash_shutdown, cannot_connect_now; and class 08, connection_exception.
POSTGRES_UNREACHABLE_STATES = frozenset({"53300", "57P01", "57P02", "57P03"})
POSTGRES_CONNECTION_CLASS = "08"


def is_contention(exc: OperationalError) -> bool:
    """Whether ``exc`` says "another transaction held what we needed" rather than "something is broken"."""
    cause = exc.__cause__
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if state in POSTGRES_CONTENTION_STATES:
        return True
    return any(message in str(exc).lower() for message in SQLITE_BUSY_MESSAGES)


def is_unreachable(exc: OperationalError) -> bool:
    """Whether ``exc`` says the PostgreSQL server could not be reached or dropped the connection.

    psycopg reports a refused or lost connection as an ``OperationalError`` without a SQLSTATE (the server
    never answered one); every error the server itself sends carries its SQLSTATE."""
    cause = exc.__cause__
    if not type(cause).__module__.startswith(("psycopg", "psycopg2")):
        return False
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return state is None or state in POSTGRES_UNREACHABLE_STATES or state.startswith(POSTGRES_CONNECTION_CLASS)


def is_unavailable(exc: OperationalError) -> bool:
    """Whether ``exc`` is answered 503: lock contention, or a database that cannot be reached."""
    return is_contention(exc) or is_unreachable(exc)


def unavailable_when_busy(service: Callable[P, R]) -> Callable[P, R]:
    """Decorate a service that owns a transaction: lock contention and an unreachable database become
    ``TemporarilyUnavailable``."""

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
    """The 503 that answers ``exc`` if it is lock contention or an unreachable database (logged, naming
    ``where``); any other database error is raised again as it is."""
    if is_contention(exc):
        logger.warning("database busy in %s (%s): answered 503", where, type(exc).__name__)
    elif is_unreachable(exc):
        logger.error("database unreachable in %s (%s): answered 503", where, type(exc).__name__)
    else:
        raise exc
    return TemporarilyUnavailable(retry_after=RETRY_AFTER)
