"""The Redis limiter on a redis-server of the test's own: expired entries leave the head of each list (and only
they), refusals leave nothing behind, and the per-thread connection survives a restart, a fork and a server
that forgot the script."""

from __future__ import annotations

import os
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import redis
from django.core.cache import caches

from django_apiauth.testing import clear_caches
from django_apiauth.throttling.limiter import limiter_for
from django_apiauth.throttling.rates import parse_rate
from django_apiauth.throttling.redis_backend import SLIDING_WINDOW_LUA, RedisSlidingWindow
from django_apiauth.throttling.redis_script import ClientScript, OwnConnectionsScript, pack, script_on
from tests.support.redis_server import RedisServer, redis_server

__all__ = ["redis_server"]

TEN_PER_MINUTE = parse_rate("10/min")


@pytest.fixture(params=["django_redis", "django"])
def own(request: pytest.FixtureRequest, redis_server: RedisServer, settings: Any) -> Iterator[Any]:
    """The test's own server behind django-redis or Django's ``RedisCache``, as alias ``own``."""
    settings.CACHES = {**settings.CACHES, "own": redis_server.cache_settings(request.param)}
    yield caches["own"]
    caches["own"].close()


def limiter_of(cache: Any) -> RedisSlidingWindow:
    limiter = limiter_for(cache)
    assert isinstance(limiter, RedisSlidingWindow)
    return limiter


def seed(server: RedisServer, cache: Any, key: str, ages_ms: list[int]) -> int:
    """Put admissions made ``ages_ms`` ago (by the server's clock) in ``key``'s list; the server's now in ms."""
    client = server.client()
    seconds, micros = client.time()
    now = seconds * 1000 + micros // 1000
    client.rpush(cache.make_key(key), *[now - age for age in ages_ms])
    return int(now)


def entries(server: RedisServer, cache: Any, key: str) -> list[int]:
    return [int(v) for v in server.client().lrange(cache.make_key(key), 0, -1)]


def test_expired_entries_leave_the_head_and_the_oldest_left_sets_the_reset(own: Any, redis_server: RedisServer) -> None:
    now = seed(redis_server, own, "k", [70_000, 65_000, 61_000, 30_000, 10_000])
    decision = limiter_of(own).hit(["k"], [TEN_PER_MINUTE])[0]
    assert (decision.allowed, decision.remaining) == (True, 7)  # two left in the window, plus this one
    assert 25 <= decision.reset_after <= 30  # the entry made 30 s ago leaves the window in 30 s (Redis's clock)
    left = entries(redis_server, own, "k")
    assert left[:2] == [now - 30_000, now - 10_000]
    assert len(left) == 3


def test_a_long_run_of_expired_entries_is_dropped_in_growing_chunks(own: Any, redis_server: RedisServer) -> None:
    seed(redis_server, own, "k", [70_000 + i for i in range(40, 0, -1)] + [5_000])
    decision = limiter_of(own).hit(["k"], [TEN_PER_MINUTE])[0]
    assert decision.remaining == 8
    assert len(entries(redis_server, own, "k")) == 2


@pytest.mark.parametrize("ages", [[90_000], [90_000, 80_000], [90_000, 80_000, 70_000]])
def test_a_list_with_nothing_left_in_the_window_starts_afresh(
    own: Any, redis_server: RedisServer, ages: list[int]
) -> None:
    seed(redis_server, own, "k", ages)
    decision = limiter_of(own).hit(["k"], [TEN_PER_MINUTE])[0]
    assert (decision.remaining, decision.reset_after) == (9, 60)
    assert len(entries(redis_server, own, "k")) == 1
    assert 0 < redis_server.client().pttl(own.make_key("k")) <= 60_000  # an idle key expires with its window


def test_an_entry_behind_a_newer_one_stays_counted(own: Any, redis_server: RedisServer) -> None:
    """Were Redis's clock stepped back, an older time could follow a newer one: it is kept (refusing early)
    rather than the newer one dropped (admitting too many)."""
    seed(redis_server, own, "k", [1_000, 70_000])
    decision = limiter_of(own).hit(["k"], [TEN_PER_MINUTE])[0]
    assert decision.remaining == 7
    assert len(entries(redis_server, own, "k")) == 3


def test_a_refused_check_leaves_no_entry_in_any_key(own: Any, redis_server: RedisServer) -> None:
    seed(redis_server, own, "tight", [2_000, 1_000])
    limiter = limiter_of(own)
    refused = limiter.hit(["tight", "fresh"], [parse_rate("2/min"), TEN_PER_MINUTE])
    assert [d.allowed for d in refused] == [False, False]
    assert [(d.remaining, d.reset_after > 0) for d in refused] == [(0, True), (10, False)]
    assert 53 <= refused[0].reset_after <= 58  # the entry made 2 s ago leaves in 58 s
    assert len(entries(redis_server, own, "tight")) == 2
    assert not redis_server.client().exists(own.make_key("fresh"))


def test_the_limiter_survives_a_server_restart_and_sends_the_forgotten_script(
    own: Any, redis_server: RedisServer
) -> None:
    limiter = limiter_of(own)
    assert limiter.hit(["k"], [TEN_PER_MINUTE])[0].remaining == 9
    redis_server.stop()
    redis_server.start()  # an empty server: the idle connection is stale and the script is unknown
    assert limiter.hit(["k"], [TEN_PER_MINUTE])[0].remaining == 9
    assert limiter.hit(["k"], [TEN_PER_MINUTE])[0].remaining == 8


def test_a_dead_server_is_an_error_for_the_outage_policy(own: Any, redis_server: RedisServer) -> None:
    limiter = limiter_of(own)
    limiter.hit(["k"], [TEN_PER_MINUTE])
    redis_server.stop()
    with pytest.raises(redis.ConnectionError):
        limiter.hit(["k"], [TEN_PER_MINUTE])  # the answered connection is tried again once, in vain
    with pytest.raises(redis.ConnectionError):
        limiter.hit(["k"], [TEN_PER_MINUTE])  # a connection that never answered is not retried
    redis_server.start()
    assert limiter.hit(["k"], [TEN_PER_MINUTE])[0].remaining == 9


def test_a_connection_made_by_another_process_is_not_used(own: Any, redis_server: RedisServer) -> None:
    limiter = limiter_of(own)
    limiter.hit(["k"], [TEN_PER_MINUTE])
    script = limiter._script
    assert isinstance(script, OwnConnectionsScript)
    [(inherited, _)] = script._idle
    inherited.pid = os.getpid() + 1  # what a forked child sees: its parent's connection, sharing the socket
    assert limiter.hit(["k"], [TEN_PER_MINUTE])[0].remaining == 8
    assert [connection for connection, _ in script._idle] != [inherited]
    assert not inherited.is_connected


def test_each_cache_object_keeps_its_limiter_until_caches_are_cleared(own: Any) -> None:
    first = limiter_of(own)
    assert limiter_for(own) is first
    first.hit(["k"], [TEN_PER_MINUTE])
    script = first._script
    assert isinstance(script, OwnConnectionsScript)
    [(connection, answered)] = script._idle
    assert answered
    assert connection.is_connected
    clear_caches()
    assert not connection.is_connected
    assert limiter_for(own) is not first


def test_clients_without_a_pool_run_the_script_through_their_own_commands(redis_server: RedisServer) -> None:
    assert isinstance(script_on(SimpleNamespace(), SLIDING_WINDOW_LUA), ClientScript)
    script = ClientScript(redis_server.client(), SLIDING_WINDOW_LUA)
    first = script(["k"], [10, 60_000]).split()  # NOSCRIPT on a new server: sent with EVAL
    second = script(["k"], [10, 60_000]).split()  # then by its SHA
    assert (first[0], first[2], second[0], second[2]) == (b"1", b"1", b"1", b"2")
    script.close()  # the client's pool owns the connection
    assert script(["k"], [10, 60_000]).split()[2] == b"3"


def test_commands_are_packed_in_the_redis_protocol() -> None:
    assert pack(b"EVALSHA", b"ab", ["k:é"], [5, 60_000]) == (
        b"*6\r\n$7\r\nEVALSHA\r\n$2\r\nab\r\n$1\r\n1\r\n$4\r\nk:\xc3\xa9\r\n$1\r\n5\r\n$5\r\n60000\r\n"
    )
