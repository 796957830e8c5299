"""Database and cache selection from ``DATABASE_URL`` / ``REDIS_URL`` (SQLite and local memory otherwise).

Shared by the example project and the test settings so both pick services the same way.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}
#: SQLite for concurrent requests: a transaction takes the write lock when it begins (a deferred one that
#: reads, then writes fails at once with "database is locked" when another overlaps), and a writer waits up
#: to ``timeout`` seconds for its turn; a longer wait answers 503, never 500.
SQLITE_OPTIONS = {"transaction_mode": "IMMEDIATE", "timeout": 20}


def sqlite_database(name: Path | str) -> dict[str, Any]:
    """``DATABASES["default"]`` for the SQLite file ``name``, with the options above."""
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(name), "OPTIONS": dict(SQLITE_OPTIONS)}


def database_from_env(sqlite_path: Path | str) -> dict[str, Any]:
    """``DATABASES["default"]`` for ``DATABASE_URL`` (PostgreSQL or SQLite URLs), else a SQLite file."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return sqlite_database(sqlite_path)
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return sqlite_database(unquote(parts.path[1:]) or str(sqlite_path))
    if parts.scheme not in POSTGRES_SCHEMES:
        raise ValueError(f"DATABASE_URL scheme {parts.scheme!r} is not supported (use postgres:// or sqlite:///)")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "postgres",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": 0,
    }


def caches_from_env(prefix: str) -> dict[str, Any]:
    """``CACHES`` with Redis (django-redis) for ``REDIS_URL``, else a per-process memory cache."""
    url = os.environ.get("REDIS_URL", "").strip()
    if not url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": prefix}}
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
            # Short socket timeouts: a dead Redis costs a request half a second, then the outage policy
            # (APIAUTH["CACHE_OUTAGE_POLICY"]) decides, instead of every worker hanging on it.
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
