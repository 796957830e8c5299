"""Regenerating backup codes under concurrency: at every instant exactly one set is valid, and every set the
server answers was the valid set when it was made; a regeneration that another one overtook answers 409 and
changes nothing. Real threads, each with its own connection, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from django_apiauth.mfa import enrolment
from django_apiauth.models.mfa import BackupCode, BackupCodeDevice
from tests.support.mfa import BACKUP_CODES, enrol, mfa_token, verify
from tests.support.refresh_tokens import bearer
from tests.support.threads import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 5


@pytest.fixture
def stepped_up(user: User, clock: Any, apiauth: Callable[..., None]) -> str:
    """An access token carrying ``otp`` (the regeneration endpoint needs a recent second factor)."""
    apiauth(MFA_THROTTLE_FACTOR=0)
    enrolled = enrol()
    clock.shift(60)
    response = verify(mfa_token(), enrolled.backup_codes[0])
    assert response.status_code == 200, response.content
    return str(response.json()["access_token"])


def regenerate(token: str) -> Any:
    return bearer(APIClient(), token).post(BACKUP_CODES, format="json")


def valid_codes(codes: list[str]) -> int:
    """How many of ``codes`` the device accepts (spending them: call once, at the end)."""
    device = BackupCodeDevice.objects.get()
    return sum(bool(device.verify_token(code)) for code in codes)


def assert_overtaken(response: Any) -> None:
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["error"] == "mfa_concurrent_change"
    assert "valid" in body["error_description"]
    assert "backup_codes" not in body


def test_concurrent_regenerations_leave_exactly_one_valid_set(stepped_up: str) -> None:
    responses = run_in_threads(THREADS, lambda: regenerate(stepped_up))
    assert len(responses) == THREADS, responses
    for response in responses:
        assert response.status_code in (200, 409), response.content
        if response.status_code == 409:
            assert_overtaken(response)
    sets = [response.json()["backup_codes"] for response in responses if response.status_code == 200]
    assert sets
    assert BackupCode.objects.filter(used_at=None).count() == 10
    assert sorted(valid_codes(codes) for codes in sets) == [0] * (len(sets) - 1) + [10]


def test_a_regeneration_overtaken_while_it_waited_answers_409_and_keeps_the_other_set(
    stepped_up: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race made deterministic: another request regenerates (and commits, on its own connection) after
    this one looked at the codes and before it got the device's lock."""
    look = enrolment._latest_backup_code
    rival: list[Any] = []

    def look_then_let_a_rival_commit(user: Any) -> int | None:
        seen = look(user)
        if not rival:
            rival.append(None)
            rival[0] = run_in_threads(1, lambda: regenerate(stepped_up))[0]
        return seen

    monkeypatch.setattr(enrolment, "_latest_backup_code", look_then_let_a_rival_commit)
    overtaken = regenerate(stepped_up)
    monkeypatch.undo()
    assert rival[0].status_code == 200, rival[0].content
    assert_overtaken(overtaken)
    assert valid_codes(rival[0].json()["backup_codes"]) == 10


def test_a_regeneration_after_another_replaces_its_set(stepped_up: str) -> None:
    first = regenerate(stepped_up)
    second = regenerate(stepped_up)
    assert (first.status_code, second.status_code) == (200, 200)
    assert valid_codes(first.json()["backup_codes"]) == 0
    assert valid_codes(second.json()["backup_codes"]) == 10
