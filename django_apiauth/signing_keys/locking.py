"""Serialising lifecycle changes per algorithm, so concurrent rotations cannot interleave.

On PostgreSQL a transaction-scoped advisory lock per algorithm serialises even the bootstrap of an empty
table (no row to lock yet), and each statement after it sees the winner's committed rows. Elsewhere the
existing ``next``/``active`` rows are locked with ``SELECT ... FOR UPDATE`` (SQLite serialises writers
anyway). In every case the partial unique indexes stay the last line of defence and callers retry on an
``IntegrityError``.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, transaction

from django_apiauth.models.signing_keys import SigningKey, SigningKeyState

T = TypeVar("T")
_LOCK_NAMESPACE = 0x61706961  # "apia": keeps our advisory locks apart from other applications'
ATTEMPTS = 3


def lock_algorithm(algorithm: str) -> None:
    """Hold the per-algorithm lock until the surrounding transaction ends. Call inside ``atomic()``."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            key = zlib.crc32(algorithm.encode("ascii")) & 0x7FFFFFFF
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, key])
        return
    states = (SigningKeyState.NEXT, SigningKeyState.ACTIVE)
    list(SigningKey.objects.select_for_update().filter(algorithm=algorithm, state__in=states).values_list("pk"))


def atomic_with_retry(work: Callable[[], T]) -> T:
    """Run ``work`` in a transaction, retrying when a uniqueness race was lost (never on PostgreSQL)."""
    for attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                return work()
        except IntegrityError:
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
