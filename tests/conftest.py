"""Shared fixtures: users, API clients, single-key APIAUTH overrides, service markers."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from django_apiauth.testing import clear_caches


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``postgres``/``redis`` run only against the real services, with a visible skip reason."""
    has_pg = os.environ.get("DATABASE_URL", "").startswith(("postgres", "pgsql"))
    has_redis = bool(os.environ.get("REDIS_URL"))
    for item in items:
        if "postgres" in item.keywords and not has_pg:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://..."))
        if "redis" in item.keywords and not has_redis:
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL=redis://..."))


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """Counters in the shared cache must not leak between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def apiauth(settings: Any) -> Callable[..., None]:
    """Override single APIAUTH keys for the rest of the test: ``apiauth(TRUSTED_PROXIES=[...])``.

    Built on pytest-django's ``settings`` fixture so that it unwinds in order with other setting changes
    made through that fixture (mixing independent overrides can restore them out of order).
    """

    def set_keys(**keys: Any) -> None:
        current = getattr(settings, "APIAUTH", {})
        settings.APIAUTH = {**(current if isinstance(current, dict) else {}), **keys}

    return set_keys


@pytest.fixture
def password() -> str:
    return "correct horse battery staple"


@pytest.fixture
def user(make_user: Callable[..., Any]) -> Any:
    """``alice``, of whatever user model is configured (``alice@example.com`` where the login is an email)."""
    return make_user("alice")


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _fresh_local_caches() -> Iterator[None]:
    """Per-process caches must not carry keys, users or sessions across tests' database rollbacks."""
    clear_caches()
    yield
    clear_caches()


# --- API keys -----------------------------------------------------------------------------------------------


@pytest.fixture
def issue_key(user: User) -> Callable[..., Any]:
    """``issue_key(scopes=[...], owner=..., lifetime=...)`` -> ``IssuedKey`` through the real service."""
    from django_apiauth.api_keys.service import create_api_key

    def issue(*, owner: User | None = None, name: str = "test key", **kwargs: Any) -> Any:
        return create_api_key(owner=owner or user, name=name, **kwargs)

    return issue


# --- rate limits and lockout --------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """Per-process sliding windows, the outage-log clock, revocations waiting for an unreachable cache and
    event counts kept while it was down must not carry over between tests."""
    from django_apiauth.events.sinks import local_counts
    from django_apiauth.monitoring.detectors import known_devices, recent_key_networks
    from django_apiauth.refresh import revocation_list
    from django_apiauth.shared_cache import reset_outage_log
    from django_apiauth.throttling.local_backend import local_windows

    clears = (
        local_windows.clear,
        reset_outage_log,
        known_devices.clear,
        recent_key_networks.clear,
        revocation_list._pending.clear,
        local_counts.clear,
    )
    for clear in clears:
        clear()
    yield
    for clear in clears:
        clear()


@pytest.fixture
def local_clock_cache(apiauth: Callable[..., None]) -> Iterator[None]:
    """Counters in a local-memory cache, so ``time-machine`` moves their clock (Redis uses its own)."""
    from django.core.cache import caches

    apiauth(CACHE_ALIAS="local")
    caches["local"].clear()
    yield
    caches["local"].clear()


# --- users of whatever model is configured ------------------------------------------------------------------
@pytest.fixture
def make_user(db: None, password: str) -> Callable[..., Any]:
    """``make_user(username="bob", password=..., **extra)``: a user of the configured model.

    ``username`` fills ``USERNAME_FIELD``; for an email field a bare name becomes ``<name>@example.com``.
    """
    from tests.support.users import create_user

    def make(username: str = "alice", password: str = password, **extra: Any) -> Any:
        return create_user(username, password, **extra)

    return make


@pytest.fixture
def staff_user(make_user: Callable[..., Any]) -> Any:
    return make_user("sam", is_staff=True)


# --- MFA -----------------------------------------------------------------------------------------------------
@pytest.fixture
def clock() -> Iterator[Any]:
    """Time frozen at the start of a TOTP time step; ``clock.shift(seconds)`` moves it."""
    import time_machine

    from tests.support.mfa import T0

    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def free_port() -> Callable[[], int]:
    """``free_port()``: a local port nobody listens on right now."""
    from tests.support.redis_server import free_port

    return free_port
