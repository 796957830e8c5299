"""One throttle check next to DRF's ``SimpleRateThrottle`` on the same Redis, in the same run.

Targets: our check costs at most half of DRF's, in one round trip, with zero over-admission. Each scenario is
timed in ``ROUNDS`` interleaved rounds and its quietest round kept (other processes on a shared machine only
ever add time), as wall time and as this thread's CPU time (which the machine's load does not inflate). The
Redis server's own time per command comes from ``INFO commandstats`` over a separate pass, so the cost of a
check splits into client-side Python, server-side command time and what is left: the round trip itself.
Uses ``REDIS_URL`` when set (other clients of a shared server can then add to the server-side figures),
otherwise a throw-away ``redis-server`` on a free port (skipped with a note when none is installed). DRF's
over-admission under 8 processes on one key at 100/min is printed beside ours.
"""

from __future__ import annotations

import gc
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.test.utils import override_settings
from rest_framework.request import Request

from bench.drf_throttle import SimpleRateLimiter
from bench.harness import NoAuthView, factory
from django_apiauth.testing import override_apiauth
from django_apiauth.throttling.drf import IPRateThrottle
from django_apiauth.throttling.limiter import limiter_for
from django_apiauth.throttling.rates import parse_rate

HUGE = "100000/min"  # timing runs must not be refused
ROUNDS = 7
KEYS = 64
BACKENDS = {
    "django-redis": "django_redis.cache.RedisCache",
    "Django RedisCache": "django.core.cache.backends.redis.RedisCache",
}


@contextmanager
def redis_url() -> Iterator[tuple[str | None, bool]]:
    """``(url, whether this run owns the server)``."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"], False
        return
    from tests.support.redis_server import RedisServer

    with tempfile.TemporaryDirectory() as directory:
        server = RedisServer(Path(directory))
        try:
            server.start()
        except Exception:  # no redis-server binary
            yield None, False
            return
        try:
            yield server.url, True
        finally:
            server.stop()


@dataclass
class Cost:
    """Per-call cost of one scenario: the quietest round's wall and CPU medians, and the rounds' spread."""

    name: str
    wall_us: float
    cpu_us: float
    spread_us: float
    round_trips: float = 0.0
    server_us: float = 0.0
    commands: str = ""


def _batches(call: Callable[[], Any], batch: int = 300, batches: int = 7) -> tuple[float, float]:
    """Median wall and thread-CPU microseconds per call over ``batches`` batches (after a warm-up)."""
    for _ in range(50):
        call()
    walls: list[float] = []
    cpus: list[float] = []
    gc.collect()
    for _ in range(batches):
        wall, cpu = time.perf_counter(), time.thread_time()
        for _ in range(batch):
            call()
        cpus.append((time.thread_time() - cpu) / batch * 1e6)
        walls.append((time.perf_counter() - wall) / batch * 1e6)
    return statistics.median(walls), statistics.median(cpus)


def interleaved(scenarios: dict[str, Callable[[], Any]], reset: Callable[[], None]) -> dict[str, Cost]:
    """Every scenario once per round, ``ROUNDS`` rounds; each keeps its quietest round. ``reset`` runs before
    each round so that no key's history grows across rounds (DRF pickles the whole history on each call)."""
    rounds: dict[str, list[tuple[float, float]]] = {name: [] for name in scenarios}
    for _ in range(ROUNDS):
        reset()
        for name, call in scenarios.items():
            rounds[name].append(_batches(call))
    costs = {}
    for name, samples in rounds.items():
        walls = [wall for wall, _ in samples]
        costs[name] = Cost(name, min(walls), min(cpu for _, cpu in samples), (max(walls) - min(walls)) / 2)
    return costs


def round_trips_per_call(call: Callable[[], Any], n: int = 200) -> float:
    """Requests sent to Redis per call, counted at redis-py's socket write."""
    from redis.connection import AbstractConnection

    sent = 0
    original: Any = AbstractConnection.send_packed_command

    def counting(self: Any, command: Any, check_health: bool = True) -> None:
        nonlocal sent
        sent += 1
        original(self, command, check_health)

    AbstractConnection.send_packed_command = counting  # type: ignore[method-assign]
    try:
        for _ in range(n):
            call()
    finally:
        AbstractConnection.send_packed_command = original  # type: ignore[method-assign]
    return sent / n


def server_time_per_call(client: Any, call: Callable[[], Any], n: int = 2000) -> tuple[float, str]:
    """Microseconds Redis spent executing the commands of one call (``INFO commandstats``), and which."""
    before = client.info("commandstats")
    for _ in range(n):
        call()
    after = client.info("commandstats")
    spent, names = 0.0, []
    for name, stats in after.items():
        calls = stats["calls"] - before.get(name, {}).get("calls", 0)
        if calls >= n and name.removeprefix("cmdstat_") in ("evalsha", "eval", "get", "set"):
            spent += stats["usec"] - before.get(name, {}).get("usec", 0)
            names.append(name.removeprefix("cmdstat_").upper())
    return spent / n, "+".join(sorted(names))


def cycling(prefix: str) -> Iterator[str]:
    """``KEYS`` keys in turn, so no key's history grows large."""
    n = 0
    while True:
        n += 1
        yield f"{prefix}:{n % KEYS}"


def requests() -> Iterator[Request]:
    """DRF requests from ``KEYS`` client addresses in turn, unauthenticated."""
    pool = [Request(factory.get("/bench/", REMOTE_ADDR=f"10.0.{i // 250}.{i % 250 + 1}")) for i in range(KEYS)]
    n = 0
    while True:
        n += 1
        yield pool[n % KEYS]


class OurView(NoAuthView):
    throttle_classes = [IPRateThrottle]


def drf_anon_throttle(cache: Any) -> type:
    """DRF captures its cache and its rates at import time: the throttle gets the benchmark's Redis and the
    same rate as ours, so it really counts (without a rate DRF's throttle admits without a lookup)."""
    from rest_framework.throttling import AnonRateThrottle

    return type("AnonOnRedis", (AnonRateThrottle,), {"cache": cache, "rate": HUGE})


def limiter_scenarios(cache: Any, label: str) -> dict[str, Callable[[], Any]]:
    ours, theirs, rate = limiter_for(cache), SimpleRateLimiter(cache), parse_rate(HUGE)
    slug = label.replace(" ", "-")
    our_keys, their_keys = cycling(f"ours-{slug}"), cycling(f"theirs-{slug}")
    return {
        f"DRF SimpleRateThrottle.allow_request ({label})": lambda: theirs.hit([next(their_keys)], [rate]),
        f"our limiter check ({label})": lambda: ours.hit([next(our_keys)], [rate]),
    }


def throttle_scenarios(cache: Any) -> dict[str, Callable[[], Any]]:
    drf_throttle, ours, theirs = drf_anon_throttle(cache), requests(), requests()
    drf_view_class: Any = type("DRFView", (NoAuthView,), {"throttle_classes": [drf_throttle]})
    drf_view = drf_view_class.as_view()
    our_view = OurView.as_view()

    def view_call(view: Any) -> Callable[[], None]:
        addresses = cycling("10.1.0")

        def call() -> None:
            response = view(factory.get("/bench/", REMOTE_ADDR=next(addresses).replace(":", ".")))
            response.render()
            if response.status_code != 200:
                raise RuntimeError(f"status {response.status_code}")

        return call

    return {
        "DRF AnonRateThrottle().allow_request(request)": lambda: drf_throttle().allow_request(next(theirs), None),
        "IPRateThrottle().allow_request(request)": lambda: IPRateThrottle().allow_request(next(ours), None),
        "view + DRF AnonRateThrottle": view_call(drf_view),
        "view + IPRateThrottle": view_call(our_view),
        "view, no throttle (baseline)": view_call(NoAuthView.as_view()),
    }


def run() -> None:
    with redis_url() as (url, private):
        if url is None:
            print("\n### Throttling: skipped (no REDIS_URL and no redis-server installed)\n")
            return
        caches = {
            label: {"BACKEND": backend, "LOCATION": url, "KEY_PREFIX": f"bench-{os.getpid()}"}
            for label, backend in BACKENDS.items()
        }
        caches["default"] = caches["django-redis"]
        drf = {"DEFAULT_THROTTLE_RATES": {"anon": HUGE}}
        with (
            override_settings(CACHES=caches, REST_FRAMEWORK=drf),
            override_apiauth(THROTTLE_RATES={"ip": HUGE}),
        ):
            _run(caches["default"], private)


def _run(config: dict[str, Any], private: bool) -> None:
    from django.core.cache import caches

    from django_apiauth.throttling.redis_backend import redis_client_of
    from tests.test_throttling_limiter import run_processes

    scenarios = {
        **limiter_scenarios(caches["django-redis"], "django-redis"),
        **limiter_scenarios(caches["Django RedisCache"], "Django RedisCache"),
        **throttle_scenarios(caches["default"]),
    }
    client = redis_client_of(caches["default"])
    costs = interleaved(scenarios, reset=caches["default"].clear)
    for name, call in scenarios.items():
        caches["default"].clear()
        costs[name].round_trips = round_trips_per_call(call)
        costs[name].server_us, costs[name].commands = server_time_per_call(client, call)
    _print_costs(costs, private)
    _print_exactness(config, run_processes)


def _print_costs(costs: dict[str, Cost], private: bool) -> None:
    server = "this run's own redis-server" if private else "the shared server at REDIS_URL"
    print(f"\n### Throttling: one check on the same Redis ({server}; quietest of {ROUNDS} interleaved rounds)\n")
    print("| scenario | wall (µs) | ± | client CPU (µs) | server (µs) | commands | round trips | x DRF (wall) |")
    print("| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |")
    rows = list(costs.values())
    for i, cost in enumerate(rows):
        peer = rows[i - 1] if i % 2 else cost  # each of our rows follows the DRF row it is compared with
        ratio = f"{cost.wall_us / peer.wall_us:.2f}" if peer is not cost else ""
        print(
            f"| {cost.name} | {cost.wall_us:.1f} | {cost.spread_us:.1f} | {cost.cpu_us:.1f} | "
            f"{cost.server_us:.1f} | {cost.commands} | {cost.round_trips:.1f} | {ratio} |"
        )


def _print_exactness(config: dict[str, Any], run_processes: Any) -> None:
    rows = []
    for name in ("ours", "drf"):
        key = f"exact-{name}-{os.getpid()}"
        admitted = run_processes(config, name, key)
        rows.append((name, admitted))
    print("\n### Throttling: 8 processes x 200 requests on one key at 100/min (same Redis)\n")
    print("| limiter | admitted | over-admission |")
    print("| --- | ---: | ---: |")
    for name, admitted in rows:
        label = "django-apiauth (Lua)" if name == "ours" else "DRF SimpleRateThrottle"
        print(f"| {label} | {admitted} | {admitted / 100:.2f} x limit |")
