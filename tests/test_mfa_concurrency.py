"""Concurrent verifications of one code, one backup code or one mfa_token: exactly one wins, on SQLite and
PostgreSQL, with real threads (each its own database connection)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import django_otp
import pytest
from django.contrib.auth.models import User
from django.db import OperationalError, connection

from django_apiauth.models.mfa import BackupCodeDevice, TOTPDevice
from tests.support.mfa import enrol, mfa_token, verify

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 8


MAX_TRIES = 500


def race(attempt: Callable[[], bool], threads: int = THREADS) -> list[bool]:
    """Run ``attempt`` in ``threads`` threads released together; each thread's definite answer.

    SQLite's shared-cache test database refuses a write that meets another connection's table lock at once
    ("database table is locked") instead of waiting; such a try changed nothing (its statement failed), so
    the thread tries again, as a client would, until it gets a definite yes or no.
    """
    barrier = threading.Barrier(threads)
    results: list[bool] = []
    lock = threading.Lock()

    def one() -> None:
        barrier.wait()
        try:
            outcome = _until_definite(attempt)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    workers = [threading.Thread(target=one) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def _until_definite(attempt: Callable[[], bool]) -> bool:
    for _ in range(MAX_TRIES):
        try:
            return attempt()
        except OperationalError:
            continue
    raise AssertionError("no definite answer")


@pytest.fixture
def enrolled(user: User, clock: Any, apiauth: Callable[..., None]) -> Any:
    apiauth(MFA_THROTTLE_FACTOR=0)
    result = enrol()
    clock.shift(60)
    return result


def test_one_totp_code_verified_concurrently_passes_once(enrolled: Any) -> None:
    code = enrolled.code()

    def attempt() -> bool:
        device = TOTPDevice.objects.get()
        return django_otp.verify_token(device.user, device.persistent_id, code) is not None

    results = race(attempt)
    assert results.count(True) == 1, results
    assert len(results) == THREADS
    assert TOTPDevice.objects.get().last_t == (1_900_000_080 // 30)


@pytest.mark.postgres
def test_one_backup_code_used_concurrently_passes_once(enrolled: Any) -> None:
    """On PostgreSQL only: SQLite's in-memory shared-cache test database refuses a second writer at once
    (table locks, no busy timeout), so two-statement redemptions starve each other there."""
    code = enrolled.backup_codes[0]

    def attempt() -> bool:
        return bool(BackupCodeDevice.objects.get().verify_token(code))

    results = race(attempt)
    assert results.count(True) == 1, results
    assert BackupCodeDevice.objects.get().codes.filter(used_at=None).count() == 9


@pytest.mark.postgres
def test_one_mfa_token_redeemed_concurrently_logs_in_once(enrolled: Any) -> None:
    token = mfa_token()
    codes = [enrolled.backup_codes[i] for i in range(THREADS)]
    index = iter(range(THREADS))
    pick = threading.Lock()

    def attempt() -> bool:
        with pick:
            code = codes[next(index)]
        return verify(token, code).status_code == 200

    results = race(attempt)
    assert results.count(True) == 1, results
