"""Acceptance over HTTP: the example project served by gunicorn with 4 workers on PostgreSQL + Redis.

A concurrent burst of wrong passwords for one account is refused with 429 + Retry-After after
``LOCKOUT_FAILURES``; a counting test hasher (every worker appends to one file) shows exactly that many
hashes for the burst and none once locked; the right password from another network still logs in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection

from tests.support.redis_server import free_port
from tests.support.users import create_user

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    hash_log = tmp_path / "hashes.log"
    hash_log.touch()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "example_project.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "APIAUTH_TRUSTED_PROXIES": "127.0.0.1/32",
        "APIAUTH_PASSWORD_HASHERS": "tests.support.hashers.CountingHasher",
        "APIAUTH_TEST_HASH_LOG": str(hash_log),
        "APIAUTH_THROTTLE_RATES": "login=100000/min",
        "PYTHONPATH": str(ROOT),
        # The test database's signing keys were made under the suite's settings: the server must read them.
        "DJANGO_SECRET_KEY": django_settings.SECRET_KEY,
        "APIAUTH_KEY_ENCRYPTION_KEYS": ",".join(django_settings.APIAUTH["KEY_ENCRYPTION_KEYS"]),
    }
    command = [sys.executable, "-m", "gunicorn", "example_project.wsgi:application", "-w", "4",
               "-b", f"127.0.0.1:{port}", "--log-level", "warning"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - fixed arguments
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(base, process)
        yield base, hash_log
    finally:
        process.terminate()
        process.wait(30)


def _wait_until_serving(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited")
        try:
            with urllib.request.urlopen(f"{base}/auth/jwks.json", timeout=2):  # noqa: S310 - loopback
                return
        except (OSError, urllib.error.URLError):
            time.sleep(0.2)  # waiting for workers to listen, not for time-based behaviour
    raise RuntimeError("gunicorn did not start")


def post_login(base: str, username: str, password: str, client_ip: str) -> tuple[int, dict[str, str], Any]:
    body = json.dumps({"username": username, "password": password}).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{base}/auth/login/",
        data=body,
        headers={"Content-Type": "application/json", "X-Forwarded-For": client_ip},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def hashes(log: Path) -> int:
    return len(log.read_text().splitlines())


def test_burst_hashes_exactly_n_and_the_owner_still_gets_in(server: tuple[str, Path], settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["tests.support.hashers.CountingHasher"]
    base, log = server
    name = f"victim-{uuid.uuid4().hex[:8]}"
    create_user(name, password="the right one")
    attacker = f"198.51.{uuid.uuid4().int % 200}.{uuid.uuid4().int % 200 + 1}"

    with ThreadPoolExecutor(max_workers=16) as pool:
        burst = list(pool.map(lambda _: post_login(base, name, "wrong", attacker), range(24)))
    statuses = sorted(status for status, _, _ in burst)
    assert statuses == [401] * 5 + [429] * 19
    assert all(int(h["Retry-After"]) >= 1 for status, h, _ in burst if status == 429)
    assert all(body["error"] == "rate_limited" for status, _, body in burst if status == 429)
    assert hashes(log) == 5

    with ThreadPoolExecutor(max_workers=8) as pool:
        locked = list(pool.map(lambda _: post_login(base, name, "wrong", attacker), range(8)))
    assert {status for status, _, _ in locked} == {429}
    assert hashes(log) == 5  # none once locked

    status, _, body = post_login(base, name, "the right one", "203.0.113.77")
    assert status == 200
    assert body["token_type"] == "Bearer"
