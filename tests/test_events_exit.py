"""A process's pending event counts reach the rows when it exits (a worker's graceful shutdown), within a
bounded time, and what could not be pushed is said."""

from __future__ import annotations

import logging

import pytest
import time_machine
from django.test import RequestFactory
from django.utils import timezone

from django_apiauth.events import aggregation
from django_apiauth.events.record import record_event
from django_apiauth.models.events import AuthEvent, EventType

pytestmark = pytest.mark.django_db


def flood(times: int, ip: str = "203.0.113.9") -> None:
    request = RequestFactory().get("/", REMOTE_ADDR=ip)
    for _ in range(times):
        record_event(EventType.API_KEY_REJECTED, request=request, aggregate=True)


def test_exit_pushes_the_tails_so_the_counts_are_exact() -> None:
    with time_machine.travel(timezone.now().replace(second=0, microsecond=0), tick=False):
        flood(100)
        assert AuthEvent.objects.get().count == 64  # pushed at each power of two
        aggregation._flush_at_exit()
    assert AuthEvent.objects.get().count == 100
    assert len(aggregation.pending) == 0


def test_exit_stops_at_its_deadline_and_says_what_it_dropped(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(aggregation, "EXIT_FLUSH_SECONDS", -1.0)
    with time_machine.travel(timezone.now().replace(second=0, microsecond=0), tick=False):
        flood(3, ip="203.0.113.9")
        flood(3, ip="203.0.113.10")
        with caplog.at_level(logging.WARNING, logger="django_apiauth.events"):
            aggregation._flush_at_exit()
    assert "2 windows' pending event counts were not pushed at exit" in caplog.text
    assert sorted(AuthEvent.objects.values_list("count", flat=True)) == [2, 2]


def test_a_failing_exit_push_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    with time_machine.travel(timezone.now().replace(second=0, microsecond=0), tick=False):
        flood(3)

    def unreachable(*args: object) -> None:
        raise ConnectionError("the database went away during shutdown")

    monkeypatch.setattr(aggregation, "_push", unreachable)
    with caplog.at_level(logging.ERROR, logger="django_apiauth.events"):
        aggregation._flush_at_exit()
    assert "could not push pending event counts at exit" in caplog.text
