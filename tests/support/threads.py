"""The one thread-race helper: release ``count`` workers together and collect what each returned or raised."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection

#: A racer that does not finish in this long has deadlocked; the test then fails on the missing result.
JOIN_TIMEOUT = 60


def run_in_threads(count: int, target: Callable[[], Any]) -> list[Any]:
    """Run ``target`` in ``count`` threads that start at the same instant (a barrier).

    Returns one item per finished thread: ``target``'s return value, or the exception it raised. Each thread
    closes its own database connection, so the test database can be dropped afterwards.
    """
    barrier = threading.Barrier(count)
    results: list[Any] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            barrier.wait()
            outcome: Any = target()
        except Exception as exc:  # reported to the test as a result
            outcome = exc
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    return results
