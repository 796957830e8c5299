"""``aauthenticate``: the verification core for async code, on the event loop whenever the caches allow.

Cost: a credential whose key, user, session state and (for API keys) row are in the per-process caches is
verified on the event loop, with no thread switch. Otherwise (a cold cache, a refusal that records an event,
a ``last_used_at`` write) the verification runs once more in a worker thread through ``sync_to_async``, so
the database and the shared cache are only touched off the loop.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.http import HttpRequest

from django_apiauth.authn.core import Identity, authenticate
from django_apiauth.blocking import BlockingNeeded, without_blocking


async def aauthenticate(request: HttpRequest) -> Identity | None:
    """Async :func:`~django_apiauth.authn.core.authenticate`: same answers, same refusals, same events."""
    try:
        with without_blocking():
            return authenticate(request)
    except BlockingNeeded:
        pass
    return await sync_to_async(authenticate)(request)
