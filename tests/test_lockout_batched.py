"""Refused API keys are counted per process and pushed to the network's shared counter in batches: a refusal
costs a dictionary update, a blocked network is still refused (from this process's memory of its wait, for
at most a second), and the precision bound stated in ``lockout.batched`` holds."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.http import HttpRequest
from django.test import RequestFactory

from django_apiauth.events import aggregation
from django_apiauth.events.record import record_event
from django_apiauth.exceptions import RateLimited
from django_apiauth.lockout import batched
from django_apiauth.lockout import service as lockout
from django_apiauth.lockout.policy import current_timing
from django_apiauth.models.events import AuthEvent, EventType
from django_apiauth.shared_cache import shared_cache
from tests.support.clock import FakeClock, hand_clock
from tests.support.redis_server import RedisServer, redis_server

pytestmark = pytest.mark.django_db
__all__ = ["redis_server"]
IP = "198.51.100.23"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """This process's memory of refusals on a hand-moved clock (the shared counter keeps its own)."""
    return hand_clock(monkeypatch, batched.refusals)


@pytest.fixture(autouse=True)
def fresh_counters() -> Iterator[None]:
    for network in (IP, "198.51.100.24", "198.51.100.25", "-"):
        lockout.store_for(shared_cache()).delete([f"{lockout.PREFIX}:ip:{network}"])
    batched.refusals.clear()
    yield
    batched.refusals.clear()


def request_from(ip: str = IP) -> HttpRequest:
    return RequestFactory().get("/", REMOTE_ADDR=ip)


def shared_count(ip: str = IP) -> int:
    """The network's counter as the shared cache holds it (a check: adds nothing)."""
    entries = lockout.entries_for("api_key", ip, None)
    verdict = lockout.store_for(shared_cache()).reserve(entries, current_timing(), reserve=False)
    return verdict.counts[0]


def refuse(times: int, ip: str = IP) -> int:
    """``times`` refused API keys from ``ip``; how many were counted before the first 429 (all if none)."""
    for done in range(times):
        try:
            lockout.register_refusal("api_key", request_from(ip))
        except RateLimited:
            return done
    return times


@pytest.mark.parametrize(("threshold", "size"), [(3, 1), (19, 1), (20, 2), (100, 10), (10**9, batched.MAX_BATCH)])
def test_the_batch_is_a_tenth_of_the_threshold(apiauth: Callable[..., None], threshold: int, size: int) -> None:
    apiauth(LOCKOUT_IP_FAILURES=threshold)
    assert batched.batch_size() == size


def test_refusals_reach_the_shared_counter_a_batch_at_a_time(apiauth: Callable[..., None], clock: FakeClock) -> None:
    apiauth(LOCKOUT_IP_FAILURES=100)
    assert refuse(9) == 9
    assert shared_count() == 0  # nine dictionary updates, no call to the counters
    refuse(1)
    assert shared_count() == 10
    refuse(10)
    assert shared_count() == 20


def test_a_few_refusals_are_pushed_with_the_next_one_after_a_second(
    apiauth: Callable[..., None], clock: FakeClock
) -> None:
    apiauth(LOCKOUT_IP_FAILURES=100)
    refuse(3)
    clock.now += batched.PUSH_INTERVAL - 0.001
    refuse(1)
    assert shared_count() == 0
    clock.now += 0.001
    refuse(1)
    assert shared_count() == 5


def test_one_process_blocks_at_the_threshold_exactly(apiauth: Callable[..., None], clock: FakeClock) -> None:
    apiauth(LOCKOUT_IP_FAILURES=100)
    assert refuse(1000) == 100
    assert shared_count() == 100
    with pytest.raises(RateLimited) as refused:
        lockout.register_refusal("api_key", request_from())
    assert refused.value.retry_after == 1
    assert refuse(1, ip="198.51.100.24") == 1  # another network is not affected


def test_the_stated_bound_holds_across_processes(
    apiauth: Callable[..., None], clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """N processes (their per-process memories) taking turns: at most threshold + N * (B - 1) refusals pass
    before every one of them answers 429."""
    apiauth(LOCKOUT_IP_FAILURES=100)
    processes = [batched.RefusalCounts(clock) for _ in range(4)]
    passed, blocked = 0, set()
    for turn in range(10_000):
        index = turn % len(processes)
        monkeypatch.setattr(batched, "refusals", processes[index])
        try:
            lockout.register_refusal("api_key", request_from())
            passed += 1
        except RateLimited:
            blocked.add(index)
        if len(blocked) == len(processes):
            break
    assert len(blocked) == len(processes)
    assert 100 <= passed <= 100 + len(processes) * (batched.batch_size() - 1)


def test_a_blocked_network_is_refused_from_memory_then_asked_again_within_a_second(
    apiauth: Callable[..., None], clock: FakeClock
) -> None:
    apiauth(LOCKOUT_IP_FAILURES=3, LOCKOUT_BASE_WAIT=timedelta(minutes=10))
    assert refuse(10) == 3
    with pytest.raises(RateLimited) as remembered:
        lockout.register_refusal("api_key", request_from())
    assert remembered.value.retry_after == 600  # the whole wait, although it is believed for a second only
    lockout.store_for(shared_cache()).delete([f"{lockout.PREFIX}:ip:{IP}"])  # what an operator's unlock does
    with pytest.raises(RateLimited):
        lockout.register_refusal("api_key", request_from())  # this process has not asked again yet
    clock.now += batched.WAIT_MEMORY
    assert refuse(1) == 1  # asked again: the unlock applies
    assert shared_count() == 1


def test_over_the_threshold_each_refusal_is_pushed_so_waits_keep_doubling(
    apiauth: Callable[..., None], clock: FakeClock
) -> None:
    apiauth(LOCKOUT_IP_FAILURES=20, LOCKOUT_BASE_WAIT=timedelta(milliseconds=1))
    assert refuse(100) == 20
    clock.now += batched.WAIT_MEMORY
    wait_out_on_the_shared_clock()
    refuse(1)
    assert shared_count() == 21  # pushed alone, not held for a batch


def wait_out_on_the_shared_clock(ip: str = IP) -> None:
    """Until the network's wait (a millisecond or two here) is over on the shared counter's own clock.

    On Redis that clock is the server's (``TIME``), which no time library in this process can move, and a
    fast run reaches the next refusal within the millisecond: the wait is watched, for five seconds at most.
    """
    entries = lockout.entries_for("api_key", ip, None)
    store = lockout.store_for(shared_cache())
    deadline = time.monotonic() + 5
    while not store.reserve(entries, current_timing(), reserve=False).allowed:
        assert time.monotonic() < deadline, "the wait did not end"


def test_the_check_before_a_lookup_pushes_pending_refusals_and_answers_from_memory(
    apiauth: Callable[..., None], clock: FakeClock
) -> None:
    apiauth(LOCKOUT_IP_FAILURES=100)
    lockout.check_allowed("api_key", request_from())  # a network this process never refused
    refuse(5)
    lockout.check_allowed("api_key", request_from())
    assert shared_count() == 5
    apiauth(LOCKOUT_IP_FAILURES=6, LOCKOUT_BASE_WAIT=timedelta(minutes=10))
    assert refuse(5) == 1
    with pytest.raises(RateLimited):
        lockout.check_allowed("api_key", request_from())
    clock.now += batched.WAIT_MEMORY
    with pytest.raises(RateLimited):
        lockout.check_allowed("api_key", request_from())  # asked: still waiting


def test_making_room_pushes_the_oldest_networks_count(
    apiauth: Callable[..., None], clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    apiauth(LOCKOUT_IP_FAILURES=100)
    monkeypatch.setattr(batched, "MAX_NETWORKS", 2)
    refuse(4, ip=IP)
    refuse(1, ip="198.51.100.24")
    refuse(1, ip="198.51.100.25")
    assert len(batched.refusals) == 2
    assert shared_count(IP) == 4
    refuse(1, ip=IP)  # evicts 198.51.100.24 with its one pending refusal
    assert shared_count("198.51.100.24") == 1


def test_pending_refusals_are_pushed_at_exit_within_a_deadline(
    apiauth: Callable[..., None], clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    apiauth(LOCKOUT_IP_FAILURES=100)
    refuse(3, ip=IP)
    refuse(2, ip="198.51.100.24")
    lockout._push_at_exit()
    assert (shared_count(IP), shared_count("198.51.100.24")) == (3, 2)
    refuse(1)
    assert lockout.push_pending_refusals(deadline=0.0) == 1  # past the deadline: dropped, and said so
    assert shared_count(IP) == 3
    refuse(1)
    apiauth(LOCKOUT_ENABLED=False)
    assert lockout.push_pending_refusals() == 0
    assert batched.refusals.drain() == []  # dropped, not kept for later
    apiauth(LOCKOUT_ENABLED=True)
    assert shared_count(IP) == 3


def test_exit_says_what_it_could_not_push(
    apiauth: Callable[..., None], clock: FakeClock, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    apiauth(LOCKOUT_IP_FAILURES=100)
    refuse(1)
    monkeypatch.setattr(lockout, "EXIT_PUSH_SECONDS", -1.0)
    with caplog.at_level(logging.WARNING, logger="django_apiauth.lockout"):
        lockout._push_at_exit()
    assert "1 networks' pending API-key refusal counts were not pushed at exit" in caplog.text
    refuse(1)
    monkeypatch.setattr(lockout, "EXIT_PUSH_SECONDS", 2.0)
    apiauth(CACHE_ALIAS="no-such-cache")
    with caplog.at_level(logging.ERROR, logger="django_apiauth.lockout"):
        lockout._push_at_exit()
    assert "could not push pending API-key refusal counts at exit" in caplog.text


def test_disabled_lockout_counts_nothing(apiauth: Callable[..., None], clock: FakeClock) -> None:
    apiauth(LOCKOUT_ENABLED=False, LOCKOUT_IP_FAILURES=1)
    assert refuse(5) == 5
    lockout.check_allowed("api_key", request_from())
    assert len(batched.refusals) == 0


def test_a_push_while_the_cache_is_down_and_the_policy_is_open_counts_nothing(
    apiauth: Callable[..., None], clock: FakeClock, redis_server: RedisServer, settings: Any
) -> None:
    settings.CACHES = {**settings.CACHES, "shared": redis_server.cache_settings()}
    apiauth(LOCKOUT_IP_FAILURES=3, CACHE_OUTAGE_POLICY={"LOCKOUT": "open"}, CACHE_ALIAS="shared")
    redis_server.stop()
    assert refuse(10) == 10
    lockout.check_allowed("api_key", request_from())
    lockout.register_refusal("refresh", request_from())


def test_other_kinds_are_counted_exactly_one_call_each(apiauth: Callable[..., None]) -> None:
    apiauth(LOCKOUT_IP_FAILURES=100)
    for done in range(3):
        lockout.register_refusal("refresh", request_from())
        assert shared_count() == done + 1
    assert len(batched.refusals) == 0
    apiauth(LOCKOUT_IP_FAILURES=3)
    with pytest.raises(RateLimited):
        lockout.register_refusal("refresh", request_from())


def test_making_room_drops_a_network_with_nothing_pending(
    apiauth: Callable[..., None], clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    apiauth(LOCKOUT_IP_FAILURES=20)
    monkeypatch.setattr(batched, "MAX_NETWORKS", 1)
    refuse(2, ip=IP)  # a batch of two: pushed, nothing left pending
    refuse(1, ip="198.51.100.24")
    assert (shared_count(IP), shared_count("198.51.100.24")) == (2, 0)


def test_a_refusal_and_its_event_are_counted_in_one_step(apiauth: Callable[..., None], clock: FakeClock) -> None:
    """``count_refusal`` batches the network's refusals as ``register_refusal`` does and counts the aggregated
    event; only a refusal it did not count into an open window needs its event recorded in full."""
    apiauth(LOCKOUT_IP_FAILURES=100)
    recorded = 0
    for _ in range(25):
        if not lockout.count_refusal("api_key", EventType.API_KEY_REJECTED, request_from()):
            recorded += 1
            record_event(EventType.API_KEY_REJECTED, request=request_from(), aggregate=True)
    assert shared_count() == 20  # two batches pushed, five pending
    aggregation.flush()
    assert recorded == 1
    assert AuthEvent.objects.get(type=EventType.API_KEY_REJECTED).count == 25


def test_one_step_counting_without_lockout_counts_only_the_event(apiauth: Callable[..., None]) -> None:
    apiauth(LOCKOUT_ENABLED=False)
    record_event(EventType.API_KEY_REJECTED, request=request_from(), aggregate=True)
    assert lockout.count_refusal("api_key", EventType.API_KEY_REJECTED, request_from())
    assert len(batched.refusals) == 0
