"""Hold the database's write lock from another connection, as a concurrent writer would, so that this
connection's next write waits in vain for a moment and fails with lock contention."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connection
from django.db.models import Model

#: How long this connection waits for the held lock before giving up (SQLite ``timeout``, PostgreSQL
#: ``lock_timeout``).
WAIT = 0.2


@contextmanager
def write_lock_held_elsewhere(*models: type[Model]) -> Iterator[None]:
    """SQLite: the whole database's write lock (``BEGIN IMMEDIATE``). PostgreSQL: ``EXCLUSIVE`` table locks on
    ``models`` (reads go on, writes and row locks wait). Use with ``django_db(transaction=True)``."""
    if connection.vendor == "sqlite":
        other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        connection.close()
        timeout = connection.settings_dict["OPTIONS"]["timeout"]
        connection.settings_dict["OPTIONS"]["timeout"] = WAIT
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
            connection.close()
            connection.settings_dict["OPTIONS"]["timeout"] = timeout
        return
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"]
    ) as other:
        for model in models:
            other.execute(f"LOCK TABLE {model._meta.db_table} IN EXCLUSIVE MODE")
        with connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = '{int(WAIT * 1000)}ms'")
        try:
            yield
        finally:
            other.rollback()
            connection.close()
