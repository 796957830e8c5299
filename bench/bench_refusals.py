"""What refusing a credential costs next to accepting one, per scheme, in the same run.

For JWT (RS256, ``StatelessJWTAuthentication``) and API keys (``APIKeyAuthentication``): the valid paths, every
refused one and the missing credential, each as a whole DRF request next to the no-auth baseline, with the
database queries and shared-cache round trips one request costs once warm (counted over 200 requests after
the timing). The JWT rows are a table of their own, next to the bare RSA-2048 verify and the raw verify inside a
request, measured in interleaved rounds of per-thread CPU time (each row's quietest round kept). The API-key rows
and a baseline of their own are measured in interleaved rounds of CPU time too, each one's quietest kept, so a
refusal and a valid key meet the same load. Then floods of 10,000 distinct wrong API keys and the queries they
caused after a warm-up, key lookups and aggregated-event writes apart. The
brute-force counters stay on (with a threshold no flood reaches here), so a refusal's cost includes counting it.

Targets: a refused JWT (garbage, unknown ``kid``, bad signature) costs at most a first-seen valid one; a refused
API key (bad checksum, unknown lookup id, wrong secret) at most a valid key with a warm cache; no query after
warm-up; on Redis, a refusal at most one round trip more than a valid request; a first-seen RS256 token at
most 2.5x the bare RSA verify (target 2x).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.permissions import AllowAny

from bench.bench_jwt import _best_of_rounds
from bench.harness import NoAuthView, Result, factory, measure, view_with
from django_apiauth.api_keys import cache as key_cache
from django_apiauth.api_keys.format import LEGACY_LOOKUP_ID_LENGTH, SECRET_LENGTH, ParsedKey, generate_key
from django_apiauth.api_keys.service import create_api_key
from django_apiauth.crypto.base62 import random_string
from django_apiauth.drf.api_key_authentication import APIKeyAuthentication
from django_apiauth.drf.jwt_authentication import StatelessJWTAuthentication
from django_apiauth.jwt.access import issue_access_token, verify_access_token
from django_apiauth.shared_cache import shared_cache
from django_apiauth.signing_keys.rotation import ensure_active_key
from django_apiauth.testing import override_apiauth

FLOOD = 10_000
REFUSED_JWT = ("JWT garbage", "JWT unknown kid", "JWT bad signature")
REFUSED_KEY = (
    "API key malformed (bad checksum)",
    "API key unknown lookup id",
    "API key unknown 12-character lookup id",
    "API key wrong secret",
)
WARM_UP = 100
COUNTED = 200
#: What one JWT row needs measured: a function timing one round, and one counting queries and round trips.
Scenario = tuple[Callable[[], Result], Callable[[], tuple[float, float]]]
JWT_BATCH = 100
#: Distinct tokens for the first-seen and bad-signature rows: 7 rounds of a warm-up and 3 batches, then the
#: counted requests, so that no token is ever sent twice.
JWT_POOL = 7 * (50 + 3 * JWT_BATCH) + COUNTED + 50
#: Counters on, threshold out of reach: refusals pay for being counted, and the flood is never cut short.
SETTINGS: dict[str, Any] = {"LOCKOUT_IP_FAILURES": 10**9, "API_KEY_PEPPER": "p" * 40}


@contextmanager
def counting_round_trips() -> Iterator[list[int]]:
    """Round trips to the shared cache: requests written to Redis's socket, or calls on a local cache."""
    sent = [0]
    cache = shared_cache()
    if "redis" in type(cache).__module__:
        from redis.connection import AbstractConnection

        original = AbstractConnection.send_packed_command

        def counting(self: Any, command: Any, check_health: bool = True) -> None:
            sent[0] += 1
            original(self, command, check_health)

        AbstractConnection.send_packed_command = counting  # type: ignore[method-assign]
        try:
            yield sent
        finally:
            AbstractConnection.send_packed_command = original  # type: ignore[method-assign]
        return
    names = ("get", "set", "add", "incr", "decr", "get_many", "set_many", "delete", "delete_many", "touch")
    originals = {name: getattr(cache, name) for name in names}
    depth = [0]

    def wrap(function: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            if depth[0] == 0:
                sent[0] += 1
            depth[0] += 1
            try:
                return function(*args, **kwargs)
            finally:
                depth[0] -= 1

        return counted

    for name, function in originals.items():
        setattr(cache, name, wrap(function))
    try:
        yield sent
    finally:
        for name in names:
            delattr(cache, name)


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    """Every statement sent to the database, however many (Django's own query log keeps the last 9,000)."""
    sent: list[str] = []

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield sent


def costs(call: Callable[[], Any], n: int = COUNTED) -> tuple[float, float]:
    """Queries and shared-cache round trips per call, over ``n`` calls."""
    with CaptureQueriesContext(connection) as queries, counting_round_trips() as trips:
        for _ in range(n):
            call()
    return len(queries.captured_queries) / n, trips[0] / n


def request_call(name: str, view: Callable[..., Any], headers: dict[str, str], status: int) -> Callable[[], None]:
    """One whole request through ``view``; a status other than ``status`` stops the run (nothing wrong is timed)."""
    request_headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}

    def call() -> None:
        response = view(factory.get("/bench/", **request_headers))
        response.render()
        if response.status_code != status:
            raise RuntimeError(f"{name}: status {response.status_code}, expected {status}")

    return call


def scenario(name: str, view: Callable[..., Any], headers: dict[str, str], status: int, **apiauth: Any) -> Result:
    call = request_call(name, view, headers, status)
    with override_apiauth(**SETTINGS, **apiauth):
        result = measure(name, call, batch=200, batches=5)
        queries, trips = costs(call)
    result.note = f"{queries:.2f} | {trips:.2f}"
    return result


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    flipped = "A" if signature[10] != "A" else "B"
    return f"{header}.{payload}.{signature[:10]}{flipped}{signature[11:]}"


def _unknown_kid(token: str) -> str:
    header = {"alg": "RS256", "kid": "no-such-kid", "typ": "at+jwt"}
    encoded = base64.urlsafe_b64encode(json.dumps(header, separators=(",", ":")).encode()).rstrip(b"=").decode()
    return encoded + token[token.index(".") :]


def _cycling(headers: list[str | None]) -> Callable[[], Any]:
    """A request whose ``Authorization`` header is the next of ``headers`` on each call (``None``: no header).

    One request object is reused with only its header changed: requests built in advance for thousands of
    distinct tokens would be cold in the CPU caches, a cost no real request pays and the baseline does not.
    """
    request = factory.get("/bench/")
    position = [-1]

    def next_request() -> Any:
        position[0] = (position[0] + 1) % len(headers)
        header = headers[position[0]]
        if header is None:
            request.META.pop("HTTP_AUTHORIZATION", None)
        else:
            request.META["HTTP_AUTHORIZATION"] = header
        return request

    return next_request


def _jwt_scenario(name: str, view: Callable[..., Any], next_request: Callable[[], Any], status: int) -> Scenario:
    def call() -> None:
        response = view(next_request())
        response.render()
        if response.status_code != status:
            raise RuntimeError(f"{name}: status {response.status_code}, expected {status}")

    def run_once() -> Result:
        with override_apiauth(**SETTINGS):
            return measure(name, call, batch=JWT_BATCH, batches=3, timer=time.thread_time)

    def counted() -> tuple[float, float]:
        with override_apiauth(**SETTINGS):
            return costs(call)

    return run_once, counted


def _bearer(tokens: list[str]) -> Callable[[], Any]:
    return _cycling([f"Bearer {token}" for token in tokens])


def jwt_scenarios(user: User) -> dict[str, Scenario]:
    """Every JWT row, the no-auth baseline and the raw verify, to be measured in interleaved rounds.

    "first-seen" and "bad signature" send a different token on every request (the pool is never reused),
    so each one pays the whole verification, as the first request with each token does.
    """
    from bench.bench_jwt import _raw_in_request, _raw_verifier

    ensure_active_key("RS256")
    pool = [issue_access_token(user).token for _ in range(JWT_POOL)]
    token = pool[0]
    claims = verify_access_token(token)
    raw = _raw_verifier("RS256", token)
    view = view_with([StatelessJWTAuthentication], [AllowAny])
    raw_view = view_with([_raw_in_request(raw, claims)], [AllowAny])
    return {
        "no auth (baseline)": _jwt_scenario("no auth (baseline)", NoAuthView.as_view(), _bearer([token]), 200),
        "raw RSA-2048 verify inside a request": _jwt_scenario(
            "raw RSA-2048 verify inside a request", raw_view, _bearer([token]), 200
        ),
        "JWT valid, reused token": _jwt_scenario("JWT valid, reused token", view, _bearer([token]), 200),
        "JWT valid, first-seen token": _jwt_scenario("JWT valid, first-seen token", view, _bearer(pool[1:]), 200),
        "JWT garbage": _jwt_scenario("JWT garbage", view, _bearer(["not-a-jwt"]), 401),
        "JWT unknown kid": _jwt_scenario("JWT unknown kid", view, _bearer([_unknown_kid(token)]), 401),
        "JWT bad signature": _jwt_scenario("JWT bad signature", view, _bearer([_tampered(t) for t in pool]), 401),
        "JWT missing credential": _jwt_scenario("JWT missing credential", view, _cycling([None]), 200),
        "raw RSA-2048 verify (bare call)": (
            lambda: measure("raw RSA-2048 verify (bare call)", raw, batch=1000, batches=3, timer=time.thread_time),
            lambda: (0.0, 0.0),
        ),
    }


def jwt_table(user: User) -> None:
    """The JWT rows in interleaved rounds of CPU time, each row's quietest round kept."""
    from bench.bench_jwt import _best_of_rounds

    scenarios = jwt_scenarios(user)
    best = _best_of_rounds({name: run_once for name, (run_once, _) in scenarios.items()})
    base = best["no auth (baseline)"]
    raw = best["raw RSA-2048 verify (bare call)"]
    print("\n### JWT: refusing next to accepting (RS256, CPU time per request, interleaved rounds)\n")
    print("| scenario | per request (µs) | ± | overhead (µs) | / bare verify | queries / request | round trips |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, result in best.items():
        overhead = result.median_us - (0 if result is raw else base.median_us)
        queries, trips = scenarios[name][1]()
        print(
            f"| {name} | {result.median_us:.1f} | {result.spread_us:.1f} | {overhead:+.1f} | "
            f"{overhead / raw.median_us:.2f} | {queries:.2f} | {trips:.2f} |"
        )
    over = {name: best[name].median_us - base.median_us for name in best}
    first_seen = over["JWT valid, first-seen token"]
    worst = max(REFUSED_JWT, key=lambda name: over[name])
    print(
        f"\nFirst-seen RS256 overhead {first_seen:.1f} µs = {first_seen / raw.median_us:.2f}x the bare RSA-2048 "
        f"verify ({raw.median_us:.1f} µs, same run; target <= 2.5x, aim 2x). Worst refused JWT: {worst}, "
        f"{over[worst]:+.1f} µs ({over[worst] / first_seen:.2f}x a first-seen valid token)."
    )


@dataclass(frozen=True)
class KeyScenario:
    name: str
    headers: dict[str, str]
    status: int
    apiauth: dict[str, Any] = field(default_factory=dict)
    cold: bool = False  # starts with an empty key cache (what the warm rows left would serve the first second)


def api_key_rows(user: User) -> tuple[Result, list[Result]]:
    """The API-key rows and their own baseline, measured in interleaved rounds (each one's quietest kept), so
    a refusal and a valid key are compared under the same load; queries and round trips counted after."""
    with override_apiauth(**SETTINGS):
        plaintext = create_api_key(owner=user, name="bench-refusals").plaintext
    lookup_id = plaintext.split("_")[1]
    malformed = plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")
    view = view_with([APIKeyAuthentication], [AllowAny])
    key = "X-API-Key"
    scenarios = [
        KeyScenario("API key valid, warm cache", {key: plaintext}, 200),
        KeyScenario("API key valid, cache off", {key: plaintext}, 200, {"API_KEY_CACHE_TTL": 0}, cold=True),
        KeyScenario("API key malformed (bad checksum)", {key: malformed}, 401),
        KeyScenario("API key unknown lookup id", {key: generate_key("apiauth").full}, 401),
        KeyScenario("API key unknown 12-character lookup id", {key: _untagged_key()}, 401),
        KeyScenario("API key wrong secret", {key: generate_key("apiauth", lookup_id).full}, 401),
        KeyScenario("API key missing credential", {}, 200),
    ]
    calls = {s.name: request_call(s.name, view, s.headers, s.status) for s in scenarios}

    def timed(spec: KeyScenario) -> Callable[[], Result]:
        def run_once() -> Result:
            if spec.cold:
                key_cache.clear()
            with override_apiauth(**SETTINGS, **spec.apiauth):
                return measure(spec.name, calls[spec.name], batch=200, batches=3, timer=time.thread_time)

        return run_once

    no_auth = request_call("no auth", NoAuthView.as_view(), {}, 200)

    def base() -> Result:
        return measure("no auth", no_auth, batch=200, batches=3, timer=time.thread_time)

    measured = _best_of_rounds({"base": base, **{s.name: timed(s) for s in scenarios}})
    for spec in scenarios:
        if spec.cold:
            key_cache.clear()
        with override_apiauth(**SETTINGS, **spec.apiauth):
            queries, trips = costs(calls[spec.name])
        measured[spec.name].note = f"{queries:.2f} | {trips:.2f}"
    base = measured.pop("base")
    base.name, base.note = "no auth (baseline, interleaved with the API-key rows)", "0 | 0"
    return base, list(measured.values())


def _untagged_key() -> str:
    """A made-up key in the form keys had before lookup-id tags (12 characters, nothing to check offline)."""
    return ParsedKey("apiauth", random_string(LEGACY_LOOKUP_ID_LENGTH), random_string(SECRET_LENGTH)).full


def flood(user: User) -> list[str]:
    """10,000 distinct wrong keys, three times: wrong secrets for a live key's lookup id, made-up lookup ids,
    and made-up lookup ids of the form keys had before tags (no usable key of that form exists here).

    The warm-up requests open the aggregation window (its ``api_key_rejected`` row is inserted or joined then);
    what the flood still writes after them is counted apart: key lookups, and the aggregated row's count, which
    is raised each time this process's count of the window reaches a power of two (``events.aggregation``).
    """
    with override_apiauth(**SETTINGS):
        plaintext = create_api_key(owner=user, name="bench-flood").plaintext
    lookup_id = plaintext.split("_")[1]
    view = view_with([APIKeyAuthentication], [AllowAny])
    lines = []
    for label, make in (
        ("distinct wrong secrets, one live key", lambda: generate_key("apiauth", lookup_id).full),
        ("distinct unknown lookup ids", lambda: generate_key("apiauth").full),
        ("distinct unknown 12-character lookup ids", _untagged_key),
    ):
        requests = [factory.get("/bench/", HTTP_X_API_KEY=make()) for _ in range(FLOOD)]
        with override_apiauth(**SETTINGS):
            with counting_queries() as warm_up:
                for request in requests[:WARM_UP]:
                    view(request).render()
            with counting_queries() as later, counting_round_trips() as trips:
                for request in requests[WARM_UP:]:
                    view(request).render()
        lookups = sum("apiauth_apikey" in sql for sql in warm_up + later)
        later_lookups = sum("apiauth_apikey" in sql for sql in later)
        later_rows = sum("apiauth_authevent" in sql for sql in later)
        lines.append(
            f"| {label} | {FLOOD:,} | {len(warm_up) + len(later)} ({lookups} key lookups) | "
            f"{len(later)} ({later_lookups} key lookups, {later_rows} aggregated-row updates) | "
            f"{trips[0] / (FLOOD - WARM_UP):.2f} |"
        )
    return lines


def run() -> None:
    user = User.objects.create_user("bench-refusals", password="x")
    jwt_table(user)
    key_base, rows = api_key_rows(user)
    print("\n### Refusing next to accepting (per request, same run)\n")
    print(
        "| scenario | per request (µs) | ± | overhead (µs) | x baseline | queries / request | round trips / request |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in [key_base, *rows]:
        overhead = r.median_us - key_base.median_us
        print(
            f"| {r.name} | {r.median_us:.1f} | {r.spread_us:.1f} | {overhead:+.1f} | "
            f"{r.median_us / key_base.median_us:.2f} | {r.note} |"
        )
    by_name = {r.name: r.median_us - key_base.median_us for r in rows}
    worst_key = max(by_name[name] for name in REFUSED_KEY)
    print(f"\nWorst refused API key {worst_key:+.1f} µs vs valid warm {by_name['API key valid, warm cache']:+.1f} µs.")
    print(f"\n### Flood of {FLOOD:,} distinct wrong API keys from one network\n")
    print(f"| flood | requests | queries | queries after the first {WARM_UP} requests | round trips / request then |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print("\n".join(flood(user)))
