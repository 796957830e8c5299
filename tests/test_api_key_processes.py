"""Two real processes on one PostgreSQL database: creation, revocation and rotation reach the other process's
caches (rows and unknown lookup ids) within their staleness bound (``API_KEY_CACHE_TTL`` <= 1 s)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection

from django_apiauth.api_keys.format import LEGACY_LOOKUP_ID_LENGTH, SECRET_LENGTH, ParsedKey, generate_key
from django_apiauth.api_keys.hashing import hash_secret
from django_apiauth.api_keys.lookup_ids import new_lookup_id
from django_apiauth.api_keys.service import create_api_key, revoke_api_key, rotate_api_key
from django_apiauth.crypto.base62 import random_string
from django_apiauth.models import APIKey
from django_apiauth.models.events import AuthEvent, EventType
from tests.support.users import create_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parent.parent


class Worker:
    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process

    def send(self, **command: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        answer: dict[str, Any] = json.loads(self.process.stdout.readline())
        return answer

    def stop(self) -> None:
        """Close its input: the worker leaves its loop and exits as a server's worker does on shutdown."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert self.process.wait(timeout=30) == 0

    def auth(self, key: str) -> tuple[str, int]:
        answer = self.send(op="auth", key=key)
        return answer["result"], answer["queries"]


@pytest.fixture
def worker() -> Iterator[Worker]:
    """Another Python process with Django set up on *this* test database."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    with subprocess.Popen(
        [sys.executable, "-m", "tests.support.api_key_worker"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as process:  # leaving the block closes the pipes (the worker then exits) and waits for it
        assert process.stdout is not None
        assert json.loads(process.stdout.readline()) == {"ready": True}
        yield Worker(process)


@pytest.fixture
def owner(password: str) -> User:
    return create_user("bob", password=password)


def test_revocation_reaches_another_process_within_one_second(worker: Worker, owner: User) -> None:
    issued = create_api_key(owner=owner, name="shared")
    assert worker.auth(issued.plaintext) == ("accepted", 2)  # one SELECT, one last_used_at UPDATE
    assert worker.auth(issued.plaintext) == ("accepted", 0)  # served from the worker's cache
    revoke_api_key(issued.key.pk)  # in this process: the worker is not told
    worker.send(op="advance", seconds=0.5)
    assert worker.auth(issued.plaintext) == ("accepted", 0)  # stale, but within the bound
    worker.send(op="advance", seconds=0.5)
    result, queries = worker.auth(issued.plaintext)
    assert result == "revoked"
    assert queries >= 1


def test_rotation_is_seen_by_another_process_at_once(worker: Worker, owner: User) -> None:
    issued = create_api_key(owner=owner, name="shared")
    assert worker.auth(issued.plaintext)[0] == "accepted"
    rotated = rotate_api_key(issued.key.pk, owner=owner)
    assert worker.auth(rotated.plaintext) == ("accepted", 1)  # a cached row never refuses a secret
    assert worker.auth(issued.plaintext) == ("accepted", 0)  # the old secret, inside its overlap


def test_a_key_created_elsewhere_is_accepted_within_one_second_despite_the_unknown_id_memory(
    worker: Worker, owner: User
) -> None:
    key = generate_key("apiauth", new_lookup_id())
    assert worker.auth(key.full) == ("unknown_key", 1)
    assert worker.auth(key.full) == ("unknown_key", 0)  # the worker now remembers the id as unknown
    APIKey.objects.create(  # in this process: the worker is not told
        name="late", owner=owner, lookup_id=key.lookup_id, secret_hash=hash_secret(key.lookup_id, key.secret)
    )
    worker.send(op="advance", seconds=0.999)
    assert worker.auth(key.full) == ("unknown_key", 0)  # stale, but within the bound
    worker.send(op="advance", seconds=0.001)
    assert worker.auth(key.full) == ("accepted", 2)  # one SELECT, one last_used_at UPDATE


def test_wrong_secrets_for_a_key_cost_one_query_then_none(worker: Worker, owner: User) -> None:
    issued = create_api_key(owner=owner, name="shared")
    assert worker.auth(issued.plaintext)[0] == "accepted"
    lookup_id = issued.plaintext.split("_")[1]
    wrong = [generate_key("apiauth", lookup_id).full for _ in range(5)]
    assert worker.auth(wrong[0]) == ("invalid_secret", 1)  # the cached row refused: checked once against the DB
    assert [worker.auth(k) for k in wrong[1:]] == [("invalid_secret", 0)] * 4
    assert worker.auth(issued.plaintext) == ("accepted", 0)
    revoke_api_key(issued.key.pk)
    worker.send(op="advance", seconds=1.0)
    assert worker.auth(wrong[1]) == ("invalid_secret", 1)  # the row expired: the refusal reloads it once
    assert worker.auth(issued.plaintext) == ("revoked", 0)


def test_an_untagged_key_created_elsewhere_is_accepted_within_one_second(worker: Worker, owner: User) -> None:
    """A release before lookup-id tags (during a rolling upgrade) may still create a 12-character lookup id;
    the worker's "no such keys" answer lasts at most the TTL."""
    key = ParsedKey("apiauth", random_string(LEGACY_LOOKUP_ID_LENGTH), random_string(SECRET_LENGTH))
    assert worker.auth(key.full) == ("unknown_key", 1)  # is any untagged key usable? no
    assert worker.auth(key.full) == ("unknown_key", 0)
    APIKey.objects.create(
        name="old", owner=owner, lookup_id=key.lookup_id, secret_hash=hash_secret(key.lookup_id, key.secret)
    )
    worker.send(op="advance", seconds=0.999)
    assert worker.auth(key.full) == ("unknown_key", 0)  # stale, but within the bound
    worker.send(op="advance", seconds=0.001)
    assert worker.auth(key.full) == ("accepted", 3)  # any untagged key? yes; the SELECT; last_used_at


def test_a_worker_that_exits_leaves_exact_event_counts(worker: Worker) -> None:
    """What a process counted in memory reaches the row when it exits normally (its exit hook pushes it)."""
    for _ in range(100):
        assert worker.auth(generate_key("apiauth").full) == ("unknown_key", 0)
    # Pushed at each power of two so far (per aggregation window, should the run straddle two).
    worker.stop()
    rows = AuthEvent.objects.filter(type=EventType.API_KEY_REJECTED)
    assert sum(rows.values_list("count", flat=True)) == 100
