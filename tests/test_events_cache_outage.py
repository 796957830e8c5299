"""Event aggregation while the shared cache is down: counted per process, never lost, never a 500."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from django_apiauth.models.events import AuthEvent, EventType
from tests.support.redis_server import RedisServer, redis_server
from tests.support.refresh_tokens import login

pytestmark = pytest.mark.django_db
__all__ = ["redis_server"]


@pytest.fixture
def shared(redis_server: RedisServer, settings: Any, apiauth: Any) -> RedisServer:
    settings.CACHES = {**settings.CACHES, "shared": redis_server.cache_settings()}
    # Failed logins are what this floods with: the brute-force counters must not refuse them first.
    apiauth(CACHE_ALIAS="shared", CACHE_OUTAGE_POLICY={"LOCKOUT": "open"}, LOCKOUT_ENABLED=False)
    return redis_server


def test_a_flood_is_folded_in_the_process_while_the_cache_is_down(
    shared: RedisServer, user: User, caplog: pytest.LogCaptureFixture
) -> None:
    shared.stop()
    with caplog.at_level(logging.ERROR, logger="django_apiauth.shared_cache"):
        statuses = {login(APIClient(), password="wrong").status_code for _ in range(8)}

    assert statuses == {401}
    failures = AuthEvent.objects.filter(type=EventType.LOGIN_FAILED)
    assert [row.count for row in failures] == [8]  # flushed at powers of two
    lines = [r.getMessage() for r in caplog.records if "EVENT_AGGREGATION" in r.getMessage()]
    assert len(lines) == 1
    assert "EVENT_AGGREGATION fails open" in lines[0]


def test_aggregation_returns_to_the_shared_cache_when_it_answers_again(shared: RedisServer, user: User) -> None:
    shared.stop()
    login(APIClient(), password="wrong")
    shared.start()

    for _ in range(3):
        assert login(APIClient(), password="wrong").status_code == 401

    assert shared.client().dbsize() > 0  # counting happens in Redis again
    assert AuthEvent.objects.filter(type=EventType.LOGIN_FAILED).count() == 2  # one per counter, nothing lost
