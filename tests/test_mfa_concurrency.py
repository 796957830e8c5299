"""Concurrent verifications of one code, one backup code or one mfa_token: exactly one wins, on SQLite and
PostgreSQL, with real threads (each its own database connection).

The SQLite test database is a file opened with ``transaction_mode: IMMEDIATE`` and a busy timeout, as
deployments are told to: writers wait their turn, so every attempt gets a definite yes or no.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import django_otp
import pytest
from django.contrib.auth.models import User

from django_apiauth.models.mfa import BackupCodeDevice, TOTPDevice
from tests.support.mfa import enrol, mfa_token, verify
from tests.support.threads import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 8


def race(attempt: Callable[[], bool]) -> list[bool]:
    """Each racer's answer; a racer that raised or never finished fails the test here."""
    results = run_in_threads(THREADS, attempt)
    assert len(results) == THREADS, results
    assert all(isinstance(result, bool) for result in results), results
    return results


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
    assert TOTPDevice.objects.get().last_t == (1_900_000_080 // 30)


def test_one_backup_code_used_concurrently_passes_once(enrolled: Any) -> None:
    code = enrolled.backup_codes[0]

    def attempt() -> bool:
        return bool(BackupCodeDevice.objects.get().verify_token(code))

    results = race(attempt)
    assert results.count(True) == 1, results
    assert BackupCodeDevice.objects.get().codes.filter(used_at=None).count() == 9


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
