"""Concurrent enrolment starts for one user leave exactly one pending device, and every racer gets a definite
answer: a fresh secret, or 409 ``mfa_already_enrolled`` when another start created the device first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError

from django_apiauth.exceptions import MFAAlreadyEnrolled
from django_apiauth.mfa.enrolment import TOTPEnrolment, start_totp_enrolment
from django_apiauth.models.mfa import TOTPDevice
from tests.support.threads import run_in_threads

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]
THREADS = 8


def test_concurrent_starts_leave_one_pending_device(make_user: Callable[..., Any]) -> None:
    user = make_user("racer")
    results = run_in_threads(THREADS, lambda: start_totp_enrolment(user))
    assert len(results) == THREADS
    unexpected = [r for r in results if not isinstance(r, (TOTPEnrolment, MFAAlreadyEnrolled))]
    assert unexpected == []
    assert any(isinstance(r, TOTPEnrolment) for r in results)
    assert TOTPDevice.objects.filter(user=user).count() == 1
    assert not TOTPDevice.objects.get(user=user).confirmed


def test_a_start_that_loses_the_create_race_is_told_to_start_again(
    make_user: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The losing side of the race, made deterministic: another connection creates the device between our
    check and our insert, so the insert meets the unique constraint."""
    user = make_user("loser")
    real_create = TOTPDevice.objects.create

    def create_after_a_rival(**fields: Any) -> Any:
        run_in_threads(1, lambda: real_create(**fields))  # the rival commits on its own connection
        return real_create(**fields)

    monkeypatch.setattr(TOTPDevice.objects, "create", create_after_a_rival)
    with pytest.raises(MFAAlreadyEnrolled) as caught:
        start_totp_enrolment(user)
    assert isinstance(caught.value.__cause__, IntegrityError)
    assert TOTPDevice.objects.filter(user=user).count() == 1
