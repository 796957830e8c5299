"""Lookup ids carry a keyed tag, so a made-up id is refused offline: no query, nothing remembered, whatever
the flood. Keys from before the tag (12-character lookup ids) keep working, and made-up ids of their shape
reach the database only while such keys exist."""

from __future__ import annotations

import gc
import math
import secrets
import tracemalloc
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from django_apiauth.api_keys import cache as key_cache
from django_apiauth.api_keys import lookup_ids
from django_apiauth.api_keys.authenticate import authenticate_api_key
from django_apiauth.api_keys.exceptions import APIKeyRejected
from django_apiauth.api_keys.format import (
    LEGACY_LOOKUP_ID_LENGTH,
    LOOKUP_BODY_LENGTH,
    LOOKUP_ID_LENGTH,
    SECRET_LENGTH,
    ParsedKey,
    has_valid_tag,
    lookup_tag,
    try_parse_key,
)
from django_apiauth.api_keys.hashing import hash_secret
from django_apiauth.api_keys.service import IssuedKey
from django_apiauth.crypto.base62 import encode_int, random_string
from django_apiauth.events import aggregation
from django_apiauth.models import APIKey
from tests.support.clock import FakeClock, hand_clock

pytestmark = pytest.mark.django_db
WHOAMI = "/api/whoami/"
FLOOD = 100_000
#: Made-up keys refused before memory is measured: one-time allocations (the event's window, compiled SQL of
#: its row, interpreter caches) happen there.
WARM_UP = 10_000
#: What the next 90,000 made-up keys may leave behind (the event row's few writes, the last exception): under a
#: byte per key, where remembering them would take about 250 bytes each.
FLOOD_MEMORY_BOUND = 64 * 1024


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    return hand_clock(
        monkeypatch, key_cache.verified_keys, key_cache.unknown_lookup_ids, lookup_ids.legacy_keys_present
    )


@pytest.fixture(autouse=True)
def no_lockout(apiauth: Callable[..., None]) -> None:
    """The lookup's own queries are counted here; the network's counter is tested with the lockout."""
    apiauth(LOCKOUT_ENABLED=False)


def key_lookups(ctx: CaptureQueriesContext) -> int:
    return sum("apiauth_apikey" in q["sql"] for q in ctx.captured_queries)


def status_and_lookups(client: APIClient, key: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        status = client.get(WHOAMI, HTTP_X_API_KEY=key).status_code
    return status, key_lookups(ctx)


def legacy_key(owner: User) -> ParsedKey:
    """A key as issued before tags: 12 random characters of lookup id."""
    key = ParsedKey("apiauth", random_string(LEGACY_LOOKUP_ID_LENGTH), random_string(SECRET_LENGTH))
    APIKey.objects.create(
        name="old", owner=owner, lookup_id=key.lookup_id, secret_hash=hash_secret(key.lookup_id, key.secret)
    )
    return key


def made_up_legacy_key() -> str:
    return ParsedKey("apiauth", random_string(LEGACY_LOOKUP_ID_LENGTH), random_string(SECRET_LENGTH)).full


# --- the tag ---------------------------------------------------------------------------------------------------


def test_issued_lookup_ids_carry_their_tag(issue_key: Callable[..., IssuedKey]) -> None:
    lookup_id = issue_key().key.lookup_id
    assert len(lookup_id) == LOOKUP_ID_LENGTH
    tag_key = lookup_ids.tag_key_for(b"p" * 40)
    body = lookup_id[:LOOKUP_BODY_LENGTH]
    assert lookup_id[LOOKUP_BODY_LENGTH:] == lookup_tag(body, lookup_ids.tag_key_for(_pepper()))
    assert lookup_tag(body, tag_key) != lookup_tag(body, lookup_ids.tag_key_for(_pepper()))
    assert lookup_ids.may_exist(lookup_id)


def test_one_changed_character_breaks_the_tag() -> None:
    tag_key = lookup_ids.tag_key_for(b"k" * 40)
    body = random_string(LOOKUP_BODY_LENGTH)
    lookup_id = body + lookup_tag(body, tag_key)
    assert has_valid_tag(lookup_id, tag_key)
    for position in range(LOOKUP_ID_LENGTH):
        changed = "0" if lookup_id[position] != "0" else "1"
        assert not has_valid_tag(lookup_id[:position] + changed + lookup_id[position + 1 :], tag_key)


def test_both_lookup_id_lengths_parse_and_no_other() -> None:
    for length in (LEGACY_LOOKUP_ID_LENGTH, LOOKUP_ID_LENGTH):
        key = ParsedKey("apiauth", random_string(length), random_string(SECRET_LENGTH))
        assert try_parse_key(key.full, "apiauth") == key
    for length in (11, 13, 15, 17):
        odd = ParsedKey("apiauth", random_string(length), random_string(SECRET_LENGTH))
        assert try_parse_key(odd.full, "apiauth") is None


def _pepper() -> bytes:
    from django.conf import settings

    return str(settings.APIAUTH["API_KEY_PEPPER"]).encode()


# --- floods ----------------------------------------------------------------------------------------------------


def made_up_keys(count: int) -> list[str]:
    """``count`` well-formed keys with distinct random lookup ids (one secret: the ids are what is flooded)."""
    secret = random_string(SECRET_LENGTH)
    return [
        ParsedKey("apiauth", encode_int(secrets.randbelow(62**LOOKUP_ID_LENGTH), LOOKUP_ID_LENGTH), secret).full
        for _ in range(count)
    ]


def test_a_hundred_thousand_made_up_keys_cost_no_query_no_memory_and_spare_live_keys(
    api_client: APIClient, issue_key: Callable[..., IssuedKey], clock: FakeClock
) -> None:
    issued = issue_key()
    assert api_client.get(WHOAMI, HTTP_X_API_KEY=issued.plaintext).status_code == 200
    keys = made_up_keys(FLOOD)
    assert len(set(keys)) == FLOOD
    with CaptureQueriesContext(connection) as ctx:
        refused = refuse_all(keys[:WARM_UP])
        gc.collect()
        tracemalloc.start()
        try:
            refused += refuse_all(keys[WARM_UP:])
            grown = retained(tracemalloc.take_snapshot())
        finally:
            tracemalloc.stop()
    assert refused == FLOOD
    assert key_lookups(ctx) == 0
    # The aggregated event's row is written when its count reaches a power of two: a logarithmic number.
    assert len(ctx.captured_queries) <= 4 * math.log2(FLOOD)
    assert grown <= FLOOD_MEMORY_BOUND
    assert len(key_cache.unknown_lookup_ids) == 0
    with CaptureQueriesContext(connection) as ctx:
        assert api_client.get(WHOAMI, HTTP_X_API_KEY=issued.plaintext).status_code == 200
    assert [q for q in ctx.captured_queries if q["sql"].startswith("SELECT")] == []  # still cached
    aggregation.flush()


def refuse_all(keys: list[str]) -> int:
    refused = 0
    for raw in keys:
        try:
            authenticate_api_key(raw)
        except APIKeyRejected:
            refused += 1
    return refused


def retained(snapshot: tracemalloc.Snapshot) -> int:
    """Bytes still held that were allocated while tracing, leaving out a coverage tracer's own bookkeeping."""
    ours = snapshot.filter_traces([tracemalloc.Filter(False, "*/coverage/*"), tracemalloc.Filter(False, "<*>")])
    return sum(stat.size for stat in ours.statistics("filename"))


# --- keys from before the tag ------------------------------------------------------------------------------------


def test_a_key_from_before_the_tag_still_works(api_client: APIClient, user: User, clock: FakeClock) -> None:
    key = legacy_key(user)
    assert api_client.get(WHOAMI, HTTP_X_API_KEY=key.full).status_code == 200
    assert status_and_lookups(api_client, key.full) == (200, 0)


def test_made_up_untagged_ids_cost_one_query_per_ttl_while_no_untagged_key_is_usable(
    api_client: APIClient, user: User, clock: FakeClock, issue_key: Callable[..., IssuedKey]
) -> None:
    issue_key()  # a tagged key does not make untagged ids worth a lookup
    old = legacy_key(user)
    APIKey.objects.filter(lookup_id=old.lookup_id).update(revoked_at="2000-01-01T00:00:00Z")
    lookup_ids.legacy_keys_present.clear()
    assert status_and_lookups(api_client, made_up_legacy_key()) == (401, 1)  # any usable untagged key? no
    assert [status_and_lookups(api_client, made_up_legacy_key()) for _ in range(5)] == [(401, 0)] * 5
    assert len(key_cache.unknown_lookup_ids) == 0
    clock.now += 1.0
    assert status_and_lookups(api_client, made_up_legacy_key()) == (401, 1)


def test_while_an_untagged_key_is_usable_untagged_ids_are_looked_up_and_remembered(
    api_client: APIClient, user: User, clock: FakeClock
) -> None:
    legacy_key(user)
    made_up = made_up_legacy_key()
    assert status_and_lookups(api_client, made_up) == (401, 2)  # any usable untagged key? yes; the id? no
    assert status_and_lookups(api_client, made_up) == (401, 0)
    clock.now += 1.0
    assert status_and_lookups(api_client, made_up) == (401, 1)  # "yes" is believed for a minute
    clock.now += lookup_ids.LEGACY_PRESENT_TTL
    assert status_and_lookups(api_client, made_up_legacy_key()) == (401, 2)


def test_saving_an_untagged_key_here_is_seen_at_once(api_client: APIClient, user: User, clock: FakeClock) -> None:
    made_up = made_up_legacy_key()
    assert status_and_lookups(api_client, made_up) == (401, 1)
    key = legacy_key(user)  # the save drops this process's "none" answer
    assert api_client.get(WHOAMI, HTTP_X_API_KEY=key.full).status_code == 200
