"""``AuthenticationMiddleware`` + ``@require_auth`` next to the DRF classes, sync and async, one run.

Rows, each against the no-auth DRF baseline of the same run: the DRF classes (``JWTAuthentication``,
``APIKeyAuthentication``); a plain Django view with no authentication (the middleware's own baseline); the
same view behind the middleware and ``@require_auth``, under WSGI (sync) and on an event loop (async, with
the view and the middleware's ``process_view`` awaited as Django's ASGI handler does). The async rows run
inside one event loop, so they show what the verification costs there: with warm per-process caches no
thread switch is made. The middleware path is the same verification code as the DRF classes, so the
interesting figure is the difference between "plain view + middleware" and "plain view, no auth".
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Awaitable, Callable

from asgiref.sync import async_to_sync
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from bench.bench_jwt import _best_of_rounds
from bench.harness import Result, baseline, measure, measure_view, print_table, view_with
from django_apiauth.api_keys.service import create_api_key
from django_apiauth.decorators import require_auth
from django_apiauth.drf.api_key_authentication import APIKeyAuthentication
from django_apiauth.drf.jwt_authentication import JWTAuthentication
from django_apiauth.jwt.access import issue_access_token
from django_apiauth.middleware import AuthenticationMiddleware

factory = RequestFactory()
BATCH, BATCHES = 300, 7


def plain(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b'{"ok": true}', content_type="application/json")


async def aplain(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b'{"ok": true}', content_type="application/json")


def _meta(headers: dict[str, str]) -> dict[str, str]:
    return {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}


def sync_path(view: Callable[..., HttpResponse], headers: dict[str, str], *, middleware: bool) -> Callable[[], None]:
    """One request the way Django's WSGI handler runs it: ``process_view`` of the middleware, then the view."""
    instance = AuthenticationMiddleware(lambda request: HttpResponse())
    meta = _meta(headers)

    def call() -> None:
        request = factory.get("/bench/", **meta)
        if middleware:
            instance.process_view(request, view, (), {})
        if view(request).status_code != 200:
            raise RuntimeError("refused")

    return call


def async_path(
    view: Callable[..., Awaitable[HttpResponse]], headers: dict[str, str], *, middleware: bool
) -> Callable[[], Awaitable[None]]:
    async def inner(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    instance = AuthenticationMiddleware(inner)  # async mode: its process_view is a coroutine
    meta = _meta(headers)

    async def call() -> None:
        request = factory.get("/bench/", **meta)
        if middleware:
            await instance.process_view(request, view, (), {})
        if (await view(request)).status_code != 200:
            raise RuntimeError("refused")

    return call


def measure_async(name: str, call: Callable[[], Awaitable[None]]) -> Result:
    """Like ``harness.measure``, every call awaited on one running event loop."""

    async def run() -> list[float]:
        for _ in range(50):
            await call()
        gc.collect()
        samples = []
        for _ in range(BATCHES):
            start = time.perf_counter()
            for _ in range(BATCH):
                await call()
            samples.append((time.perf_counter() - start) / BATCH * 1e6)
        return samples

    # async_to_sync keeps thread-sensitive work (a cache miss) on this thread and its database connection.
    samples = async_to_sync(run)()
    return Result(name, statistics.median(samples), (max(samples) - min(samples)) / 2, "event loop")


def run() -> None:
    user = User.objects.create_user("bench-middleware", password="x")
    bearer = {"Authorization": f"Bearer {issue_access_token(user).token}"}
    key = {"X-API-Key": create_api_key(owner=user, name="bench").plaintext}
    protected, aprotected = require_auth(plain), require_auth(aplain)
    jwt_view, key_view = view_with([JWTAuthentication]), view_with([APIKeyAuthentication])
    scenarios: dict[str, Callable[[], Result]] = {
        "base": baseline,
        "drf_jwt": lambda: measure_view("DRF JWTAuthentication", jwt_view, bearer),
        "drf_key": lambda: measure_view("DRF APIKeyAuthentication", key_view, key),
        "sync_base": lambda: measure("plain view, no auth (sync)", sync_path(plain, {}, middleware=False)),
        "sync_jwt": lambda: measure(
            "plain view + middleware + @require_auth, JWT (sync)", sync_path(protected, bearer, middleware=True)
        ),
        "sync_key": lambda: measure(
            "plain view + middleware + @require_auth, API key (sync)", sync_path(protected, key, middleware=True)
        ),
        "async_base": lambda: measure_async("async view, no auth", async_path(aplain, {}, middleware=False)),
        "async_jwt": lambda: measure_async(
            "async view + middleware + @require_auth, JWT", async_path(aprotected, bearer, middleware=True)
        ),
        "async_key": lambda: measure_async(
            "async view + middleware + @require_auth, API key", async_path(aprotected, key, middleware=True)
        ),
    }
    measured = _best_of_rounds(scenarios)  # interleaved rounds, each scenario's quietest kept
    base = measured.pop("base")
    results = list(measured.values())
    drf_jwt, drf_key, sync_base, sync_jwt, sync_key, async_base, async_jwt, async_key = results
    for row, own in ((drf_jwt, base), (drf_key, base), (sync_jwt, sync_base), (sync_key, sync_base)):
        row.note = f"auth adds {row.median_us - own.median_us:.0f} µs to its no-auth view"
    for row in (async_jwt, async_key):
        row.note = f"event loop; auth adds {row.median_us - async_base.median_us:.0f} µs to its no-auth view"
    print_table("Authentication middleware vs DRF classes (sync and async)", results, base)
