"""The audit trail: one log line, one signal and every sink per event; floods aggregated; failures contained."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser, User
from django.test import RequestFactory
from django.urls import path
from django.utils import timezone
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIClient

from django_apiauth.events import AuthEventRecord, EventType, record_event
from django_apiauth.events.scrub import REDACTED, scrub_details
from django_apiauth.models import AuthEvent
from django_apiauth.signals import auth_event_recorded
from tests.support.users import login_name

pytestmark = pytest.mark.django_db
rf = RequestFactory()
received: list[AuthEventRecord] = []


def collecting_sink(record: AuthEventRecord) -> None:
    received.append(record)


def failing_sink(record: AuthEventRecord) -> None:
    raise RuntimeError("sink is down")


class ClassSink:
    def __call__(self, record: AuthEventRecord) -> None:
        received.append(record)


@pytest.fixture(autouse=True)
def _reset_received() -> Iterator[None]:
    received.clear()
    yield
    received.clear()


def _request(ip: str = "198.51.100.4", ua: str = "pytest-agent") -> Any:
    return rf.get("/", REMOTE_ADDR=ip, HTTP_USER_AGENT=ua)


def test_record_event_writes_a_row_with_request_context(user: User) -> None:
    request = _request()
    request.user = user
    record = record_event(EventType.LOGIN_SUCCEEDED, request=request, details={"method": "password"})
    assert record is not None
    row = AuthEvent.objects.get()
    assert (row.type, row.user, row.client_ip, row.user_agent, row.count) == (
        "login_succeeded",
        user,
        "198.51.100.4",
        "pytest-agent",
        1,
    )
    assert row.details == {"method": "password"}
    assert "login_succeeded" in str(row)


def test_log_line_is_one_json_object(caplog: pytest.LogCaptureFixture, user: User) -> None:
    with caplog.at_level(logging.INFO, logger="django_apiauth.events"):
        record_event(EventType.LOGIN_FAILED, request=_request(), user=user, details={"reason": "bad_password"})
    lines = [r for r in caplog.records if r.name == "django_apiauth.events"]
    assert len(lines) == 1
    data = json.loads(lines[0].getMessage())
    assert data["type"] == "login_failed"
    assert data["user_id"] == (user.pk if isinstance(user.pk, int) else str(user.pk))
    assert data["username"] == login_name("alice")
    assert data["client_ip"] == "198.51.100.4"
    assert data["details"] == {"reason": "bad_password"}


def test_signal_is_sent_with_the_record() -> None:
    seen: list[AuthEventRecord] = []

    def receiver(sender: object, event: AuthEventRecord, **kwargs: object) -> None:
        seen.append(event)

    auth_event_recorded.connect(receiver)
    try:
        record_event(EventType.LOGOUT)
    finally:
        auth_event_recorded.disconnect(receiver)
    assert [e.type for e in seen] == ["logout"]


def test_failing_signal_receiver_is_swallowed(caplog: pytest.LogCaptureFixture) -> None:
    def broken(sender: object, **kwargs: object) -> None:
        raise ValueError("boom")

    auth_event_recorded.connect(broken)
    try:
        assert record_event(EventType.LOGOUT) is not None
    finally:
        auth_event_recorded.disconnect(broken)
    assert AuthEvent.objects.count() == 1
    assert "receiver" in caplog.text


def test_configured_sinks_receive_events(apiauth: Callable[..., None]) -> None:
    apiauth(EVENT_SINKS=["tests.test_events.collecting_sink", "tests.test_events.ClassSink"])
    record_event(EventType.TOKEN_ISSUED)
    assert [r.type for r in received] == ["token_issued", "token_issued"]
    assert AuthEvent.objects.count() == 0  # the database sink was replaced


def test_failing_sink_does_not_stop_other_sinks(apiauth: Callable[..., None], caplog: pytest.LogCaptureFixture) -> None:
    apiauth(EVENT_SINKS=["tests.test_events.failing_sink", "django_apiauth.events.sinks.DatabaseSink"])
    assert record_event(EventType.TOKEN_ISSUED) is not None
    assert AuthEvent.objects.count() == 1
    assert "sink" in caplog.text
    assert "sink is down" in caplog.text


def test_unimportable_sinks_are_logged_not_raised(
    apiauth: Callable[..., None], caplog: pytest.LogCaptureFixture
) -> None:
    apiauth(EVENT_SINKS=["no.such.Sink"])
    assert record_event(EventType.TOKEN_ISSUED) is not None
    assert "EVENT_SINKS" in caplog.text


@api_view(["POST"])
@permission_classes([AllowAny])
def recording_view(request: Any) -> Response:
    record_event(EventType.LOGIN_FAILED, request=request, aggregate=True)
    record_event(EventType.LOGIN_SUCCEEDED, request=request)
    return Response({"recorded": True})


urlpatterns = [path("record/", recording_view)]


def test_failing_sink_does_not_break_the_request(apiauth: Callable[..., None], settings: Any) -> None:
    """Acceptance: a request that records events still succeeds when every sink raises."""
    settings.ROOT_URLCONF = "tests.test_events"
    apiauth(EVENT_SINKS=["tests.test_events.failing_sink"])
    response = APIClient().post("/record/", {}, format="json")
    assert response.status_code == 200
    assert response.json() == {"recorded": True}


def test_unbuildable_event_returns_none(caplog: pytest.LogCaptureFixture) -> None:
    class Weird:
        is_authenticated = True
        pk = 1

        def get_username(self) -> str:
            raise RuntimeError("no name")

    assert record_event(EventType.LOGOUT, user=Weird()) is None
    assert AuthEvent.objects.count() == 0


def test_anonymous_and_missing_users_are_recorded_without_user() -> None:
    request = _request()
    request.user = AnonymousUser()
    record_event(EventType.LOGIN_FAILED, request=request)
    assert AuthEvent.objects.get().user is None


def test_user_agent_is_truncated() -> None:
    record_event(EventType.LOGIN_FAILED, request=_request(ua="x" * 5000))
    assert len(AuthEvent.objects.get().user_agent) == 256


def test_secrets_never_reach_details(caplog: pytest.LogCaptureFixture) -> None:
    details = {"password": "hunter2", "refresh_token": "rt-secret", "nested": {"api_key": "k"}, "kid": "abc"}
    with caplog.at_level(logging.INFO, logger="django_apiauth.events"):
        record_event(EventType.LOGIN_FAILED, details=details)
    stored = AuthEvent.objects.get().details
    assert stored == {"password": REDACTED, "refresh_token": REDACTED, "nested": {"api_key": REDACTED}, "kid": "abc"}
    for secret in ("hunter2", "rt-secret"):
        assert secret not in caplog.text


def test_scrub_handles_nesting_lists_and_odd_values() -> None:
    deep: dict[str, Any] = {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}
    clean = scrub_details({**deep, "items": [1, "s" * 600, {"token": "x"}], "obj": object(), "n": None})
    assert clean["items"][1] == "s" * 512
    assert clean["items"][2] == {"token": REDACTED}
    assert clean["a"]["b"]["c"]["d"]["e"] == REDACTED
    assert clean["obj"].startswith("<object")
    assert clean["n"] is None
    assert scrub_details({"x": [[[[[[1]]]]]]})["x"][0][0][0][0] == REDACTED


def test_flood_of_identical_failures_is_one_row() -> None:
    """Acceptance: 10,000 identical failures from one IP make one row whose count becomes exact."""
    # At the start of a window, so that 61 s later is the very next window (not the one after it).
    start = timezone.now().replace(second=0, microsecond=0)
    request = _request(ip="203.0.113.50")
    with time_machine.travel(start, tick=False):
        for _ in range(10_000):
            record_event(EventType.API_KEY_REJECTED, request=request, aggregate=True)
        assert AuthEvent.objects.count() == 1
        assert AuthEvent.objects.get().count >= 8192
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        record_event(EventType.API_KEY_REJECTED, request=request, aggregate=True)
    first, second = AuthEvent.objects.order_by("created_at")
    assert first.count == 10_000
    assert second.count == 1


def test_aggregation_keeps_types_and_ips_apart() -> None:
    with time_machine.travel(timezone.now().replace(microsecond=0), tick=False):
        for ip in ("203.0.113.1", "203.0.113.2"):
            for event_type in (EventType.LOGIN_FAILED, EventType.API_KEY_REJECTED):
                for _ in range(3):
                    record_event(event_type, request=_request(ip=ip), aggregate=True)
    assert AuthEvent.objects.count() == 4
    assert {e.count for e in AuthEvent.objects.all()} == {2}  # flushed at the power of two; 3rd pending


def test_aggregation_survives_a_lost_counter(monkeypatch: pytest.MonkeyPatch) -> None:
    """If the cache loses the counter between add and incr, counting restarts instead of failing."""
    from django.core.cache import cache

    original_incr = cache.incr
    calls = {"n": 0}

    def flaky_incr(key: str, delta: int = 1, version: int | None = None) -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ValueError("Key not found")
        return original_incr(key, delta, version)

    monkeypatch.setattr(cache, "incr", flaky_incr)
    record_event(EventType.LOGIN_FAILED, request=_request(), aggregate=True)
    assert AuthEvent.objects.get().count == 1


def test_non_aggregated_events_are_one_row_each() -> None:
    for _ in range(3):
        record_event(EventType.TOKEN_ISSUED, request=_request())
    assert AuthEvent.objects.count() == 3


def test_unloggable_details_do_not_break_recording(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import django_apiauth.events.record as record_module

    def broken_dumps(*args: object, **kwargs: object) -> str:
        raise TypeError("not serialisable")

    monkeypatch.setattr(record_module, "json", type("BrokenJson", (), {"dumps": staticmethod(broken_dumps)}))
    caplog.set_level(logging.INFO, logger="django_apiauth.events")
    assert record_event(EventType.LOGOUT) is not None
    assert AuthEvent.objects.count() == 1
    assert "could not log" in caplog.text


def test_flush_without_a_known_row_is_skipped() -> None:
    """Another process may count before the first one stored the row id; the flush then waits."""
    from django.core.cache import cache

    from django_apiauth.events.sinks import _key

    with time_machine.travel(timezone.now().replace(microsecond=0), tick=False):
        first = record_event(EventType.LOGIN_FAILED, request=_request(), aggregate=True)
        assert first is not None
        bucket = int(first.timestamp.timestamp()) // 60
        assert cache.get(_key(first, bucket, "id")) is not None
        cache.delete(_key(first, bucket, "id"))
        record_event(EventType.LOGIN_FAILED, request=_request(), aggregate=True)
    assert AuthEvent.objects.get().count == 1


def test_log_line_is_not_built_when_its_level_is_off(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import django_apiauth.events.record as record_module

    def broken_dumps(*args: object, **kwargs: object) -> str:
        raise AssertionError("the log line was built")

    monkeypatch.setattr(record_module, "json", type("BrokenJson", (), {"dumps": staticmethod(broken_dumps)}))
    caplog.set_level(logging.WARNING, logger="django_apiauth.events")
    assert record_event(EventType.LOGOUT) is not None
    assert "could not log" not in caplog.text
    assert AuthEvent.objects.count() == 1


def test_a_flood_builds_one_record_per_window(monkeypatch: pytest.MonkeyPatch, apiauth: Callable[..., None]) -> None:
    """Counted events are not built: no scrubbing, no sink import, no signal, no log line beyond the first."""
    import django_apiauth.events.record as record_module

    calls = {"scrub": 0, "import": 0}
    real_scrub, real_import = record_module.scrub_details, record_module.import_string

    def scrub(details: Any) -> Any:
        calls["scrub"] += 1
        return real_scrub(details)

    def import_string(path: str) -> Any:
        calls["import"] += 1
        return real_import(path)

    monkeypatch.setattr(record_module, "scrub_details", scrub)
    monkeypatch.setattr(record_module, "import_string", import_string)
    apiauth(EVENT_SINKS=["django_apiauth.events.sinks.DatabaseSink", "tests.test_events.collecting_sink"])
    signalled: list[AuthEventRecord] = []

    def receiver(sender: Any, event: AuthEventRecord, **kwargs: Any) -> None:
        signalled.append(event)

    auth_event_recorded.connect(receiver)
    try:
        with time_machine.travel(timezone.now().replace(second=0, microsecond=0), tick=False):
            for _ in range(1000):
                record_event(EventType.TOKEN_REJECTED, request=_request(), details={"reason": "x"}, aggregate=True)
    finally:
        auth_event_recorded.disconnect(receiver)
    assert calls == {"scrub": 1, "import": 2}
    assert (len(signalled), len(received)) == (1, 1)
    assert AuthEvent.objects.get().count == 512  # the last power of two; the tail follows with a later window


def test_counts_are_exact_when_the_next_event_skips_windows() -> None:
    """A window's tail reaches its row even when the next event comes windows later (or is of another type)."""
    start = timezone.now().replace(second=0, microsecond=0)
    with time_machine.travel(start, tick=False):
        for _ in range(1233):
            record_event(EventType.API_KEY_REJECTED, request=_request(ip="203.0.113.9"), aggregate=True)
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        record_event(EventType.API_KEY_REJECTED, request=_request(ip="203.0.113.9"), aggregate=True)
    with time_machine.travel(start + timedelta(minutes=3), tick=False):
        record_event(EventType.LOGIN_FAILED, request=_request(ip="198.51.100.200"), aggregate=True)
    flood = AuthEvent.objects.get(type=EventType.API_KEY_REJECTED)
    assert flood.count == 1234
    assert flood.last_seen_at == start + timedelta(seconds=30)


def test_counts_are_exact_under_a_concurrent_flood() -> None:
    """Four threads, 10,000 events in one window: one row, and its count exact once the window is over."""
    import threading

    start = timezone.now().replace(second=0, microsecond=0)
    request = _request(ip="203.0.113.77")
    with time_machine.travel(start, tick=False):
        record_event(EventType.API_KEY_REJECTED, request=request, aggregate=True)

        def flood() -> None:
            from django.db import connection

            try:
                for _ in range(2500):
                    record_event(EventType.API_KEY_REJECTED, request=request, aggregate=True)
            finally:
                connection.close()

        threads = [threading.Thread(target=flood) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    with time_machine.travel(start + timedelta(seconds=60), tick=False):
        record_event(EventType.API_KEY_REJECTED, request=request, aggregate=True)
    first, second = AuthEvent.objects.filter(type=EventType.API_KEY_REJECTED).order_by("created_at")
    assert (first.count, second.count) == (10_001, 1)


def test_flush_pushes_every_pending_count() -> None:
    from django_apiauth.events import aggregation

    with time_machine.travel(timezone.now().replace(second=0, microsecond=0), tick=False):
        for _ in range(5):
            record_event(EventType.LOGIN_FAILED, request=_request(), aggregate=True)
        assert AuthEvent.objects.get().count == 4
        aggregation.flush()
    assert AuthEvent.objects.get().count == 5
    assert len(aggregation.pending) == 0


def test_making_room_pushes_the_oldest_window_first(monkeypatch: pytest.MonkeyPatch) -> None:
    from django_apiauth.events import aggregation

    monkeypatch.setattr(aggregation, "MAX_PENDING", 2)
    with time_machine.travel(timezone.now().replace(second=0, microsecond=0), tick=False):
        for ip in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
            for _ in range(3):
                record_event(EventType.LOGIN_FAILED, request=_request(ip=ip), aggregate=True)
    counts = {e.client_ip: e.count for e in AuthEvent.objects.all()}
    assert counts == {"203.0.113.1": 3, "203.0.113.2": 2, "203.0.113.3": 2}
    assert len(aggregation.pending) == 2
