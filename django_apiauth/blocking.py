"""Marking the points of the verification core that block (database, shared cache, event sinks).

The async path first runs the core on the event loop with blocking forbidden: everything served from the
per-process caches completes there with no thread switch. The first blocking point reached raises
:class:`BlockingNeeded`, and the async path reruns the whole verification in a worker thread. Nothing before
a blocking point has side effects beyond filling per-process caches, so the rerun is safe.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_forbidden: ContextVar[bool] = ContextVar("apiauth_blocking_forbidden", default=False)


class BlockingNeeded(BaseException):
    """Raised at a blocking point while blocking is forbidden.

    A ``BaseException`` so that no ``except Exception`` on the way (event sinks, key parsing) can swallow it.
    """


def blocking_point() -> None:
    """Call right before blocking I/O; raises :class:`BlockingNeeded` inside :func:`without_blocking`."""
    if _forbidden.get():
        raise BlockingNeeded()


@contextmanager
def without_blocking() -> Iterator[None]:
    token = _forbidden.set(True)
    try:
        yield
    finally:
        _forbidden.reset(token)
