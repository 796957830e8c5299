"""Refusing a well-formed API key costs no more than accepting one: unknown lookup ids and repeated wrong
secrets are answered from bounded per-process memory, without a query, and a flood of random ids can neither
grow that memory past its stated bound nor push a live key out of the cache."""

from __future__ import annotations

import secrets
import tracemalloc
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from django_apiauth.api_keys import cache as key_cache
from django_apiauth.api_keys import lookup_ids
from django_apiauth.api_keys.format import LOOKUP_ID_LENGTH, generate_key
from django_apiauth.api_keys.service import IssuedKey
from django_apiauth.crypto.base62 import random_string
from django_apiauth.events import aggregation, record
from django_apiauth.models.events import AuthEvent, EventType
from tests.support.clock import FakeClock, hand_clock

pytestmark = pytest.mark.django_db
WHOAMI = "/api/whoami/"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """Both key memories on a hand-moved clock (time-machine leaves ``monotonic`` alone)."""
    return hand_clock(monkeypatch, key_cache.verified_keys, key_cache.unknown_lookup_ids)


@pytest.fixture(autouse=True)
def no_lockout(apiauth: Callable[..., None]) -> None:
    """These tests count queries of the key lookup itself; the network's counter is tested elsewhere."""
    apiauth(LOCKOUT_ENABLED=False)


def status_and_queries(client: APIClient, key: str) -> tuple[int, int]:
    """The answer and the queries made for the key lookup (event rows are the events' own business)."""
    with CaptureQueriesContext(connection) as ctx:
        status = client.get(WHOAMI, HTTP_X_API_KEY=key).status_code
    return status, sum("apiauth_apikey" in q["sql"] for q in ctx.captured_queries)


def test_a_made_up_lookup_id_is_refused_without_a_query_or_a_memory(api_client: APIClient) -> None:
    """Its tag is wrong: no key can have it, so neither the database nor the unknown-id memory is asked."""
    made_up = generate_key("apiauth").full
    response = api_client.get(WHOAMI, HTTP_X_API_KEY=made_up)
    assert (response.status_code, response.json()["error"]) == (401, "invalid_token")
    assert [status_and_queries(api_client, generate_key("apiauth").full) for _ in range(3)] == [(401, 0)] * 3
    assert len(key_cache.unknown_lookup_ids) == 0


def test_a_tag_made_under_a_fallback_pepper_still_finds_its_key(
    api_client: APIClient, issue_key: Callable[..., IssuedKey], apiauth: Callable[..., None]
) -> None:
    from django.conf import settings

    issued = issue_key()
    apiauth(API_KEY_PEPPER="q" * 40, API_KEY_PEPPER_FALLBACKS=[settings.APIAUTH["API_KEY_PEPPER"]])
    assert status_and_queries(api_client, issued.plaintext)[0] == 200
    assert status_and_queries(api_client, generate_key("apiauth").full) == (401, 0)


def test_a_repeated_unknown_tagged_lookup_id_costs_one_query_then_none(api_client: APIClient, clock: FakeClock) -> None:
    """An id with a right tag but no row (made with the server's key, never saved) is looked up once."""
    unknown = generate_key("apiauth", lookup_ids.new_lookup_id()).full
    assert status_and_queries(api_client, unknown)[0] == 401
    assert [status_and_queries(api_client, unknown) for _ in range(3)] == [(401, 0)] * 3
    clock.now += 1.0  # the database's answer is at most API_KEY_CACHE_TTL old
    assert status_and_queries(api_client, unknown) == (401, 1)


def test_repeated_wrong_secrets_for_a_known_key_cost_one_query_then_none(
    api_client: APIClient, issue_key: Callable[..., IssuedKey], clock: FakeClock
) -> None:
    issued = issue_key()
    assert api_client.get(WHOAMI, HTTP_X_API_KEY=issued.plaintext).status_code == 200
    lookup_id = issued.plaintext.split("_")[1]
    wrong = [generate_key("apiauth", lookup_id).full for _ in range(4)]
    assert status_and_queries(api_client, wrong[0]) == (401, 1)  # the cached row refused: reloaded once
    assert [status_and_queries(api_client, k) for k in wrong[1:]] == [(401, 0)] * 3
    assert status_and_queries(api_client, issued.plaintext) == (200, 0)


def test_creating_a_key_in_this_process_forgets_its_id_at_once(
    api_client: APIClient, issue_key: Callable[..., IssuedKey], clock: FakeClock
) -> None:
    issued = issue_key()
    lookup_id = issued.plaintext.split("_")[1]
    key_cache.store_unknown(lookup_id)  # as if it had been looked up just before its row was saved
    issued.key.save()
    assert api_client.get(WHOAMI, HTTP_X_API_KEY=issued.plaintext).status_code == 200


def test_refusals_are_still_recorded_and_explained(api_client: APIClient) -> None:
    unknown = generate_key("apiauth", lookup_ids.new_lookup_id()).full
    for _ in range(2):
        response = api_client.get(WHOAMI, HTTP_X_API_KEY=unknown)
        assert (response.status_code, response.json()["error"]) == (401, "invalid_token")


def test_a_hundred_thousand_random_ids_stay_bounded_and_spare_live_keys(
    api_client: APIClient, issue_key: Callable[..., IssuedKey], clock: FakeClock
) -> None:
    issued = issue_key()
    assert api_client.get(WHOAMI, HTTP_X_API_KEY=issued.plaintext).status_code == 200
    flood = 100_000
    # A few through the whole refusal path, the rest straight into the memory that path fills; the ids are
    # made inside the measurement, since the memory keeps them.
    for _ in range(200):
        assert api_client.get(WHOAMI, HTTP_X_API_KEY=generate_key("apiauth").full).status_code == 401
    first = random_string(LOOKUP_ID_LENGTH)
    key_cache.store_unknown(first)
    tracemalloc.start()
    try:
        for _ in range(flood - 201):
            key_cache.store_unknown(secrets.token_urlsafe(9))  # 12 random characters, as an id has
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    last = random_string(LOOKUP_ID_LENGTH)
    key_cache.store_unknown(last)
    assert len(key_cache.unknown_lookup_ids) <= key_cache.UNKNOWN_IDS_SIZE
    assert max(current, peak) <= key_cache.UNKNOWN_IDS_SIZE * key_cache.UNKNOWN_ID_ENTRY_BYTES
    assert key_cache.is_known_unknown(last)
    assert not key_cache.is_known_unknown(first)  # the oldest random ids went first
    assert status_and_queries(api_client, issued.plaintext) == (200, 0)  # the live key stayed cached


@pytest.mark.parametrize("lockout_enabled", [True, False])
def test_a_flood_of_refused_keys_builds_one_event_and_counts_every_refusal(
    api_client: APIClient, apiauth: Callable[..., None], monkeypatch: pytest.MonkeyPatch, lockout_enabled: bool
) -> None:
    """Only a window's first refusal is built as an event record (details, scrubbing, log line, sinks); every
    other one is only counted, and the aggregated row's count is exact."""
    apiauth(LOCKOUT_ENABLED=lockout_enabled, LOCKOUT_IP_FAILURES=10**6)
    built: list[str] = []
    build = record.build_record
    monkeypatch.setattr(
        record, "build_record", lambda event_type, **kw: built.append(event_type) or build(event_type, **kw)
    )
    for _ in range(40):
        assert api_client.get(WHOAMI, HTTP_X_API_KEY=generate_key("apiauth").full).status_code == 401
    aggregation.flush()
    assert built == [EventType.API_KEY_REJECTED]
    assert AuthEvent.objects.get(type=EventType.API_KEY_REJECTED).count == 40
