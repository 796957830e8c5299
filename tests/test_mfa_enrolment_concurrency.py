"""Enrolment under concurrency: starts of one user are strictly ordered, the secret a client is shown is the
one that confirms (or the client is told with 409 ``mfa_concurrent_change`` that another request won), and a
confirmed device never takes a secret its user has not seen. Real threads, each with its own connection, on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from django.db import IntegrityError
from django.test import RequestFactory
from rest_framework.test import APIClient

from django_apiauth.exceptions import MFAConcurrentChange
from django_apiauth.mfa import enrolment, totp
from django_apiauth.mfa.enrolment import TOTPEnrolment, confirm_totp_enrolment, start_totp_enrolment
from django_apiauth.models.mfa import TOTPDevice
from tests.support.mfa import CONFIRM, signed_in, start
from tests.support.refresh_tokens import bearer
from tests.support.threads import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 8


def stored_secret(user: Any) -> str:
    return totp.base32_secret(totp.decrypt_secret(TOTPDevice.objects.get(user=user)))


def assert_overtaken(response: Any) -> None:
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["error"] == "mfa_concurrent_change"
    assert body["error_description"]
    assert "secret" not in body


def test_concurrent_starts_leave_one_pending_device_holding_a_secret_that_was_shown(
    make_user: Callable[..., Any], clock: Any
) -> None:
    user = make_user("racer")
    results = run_in_threads(THREADS, lambda: start_totp_enrolment(user))
    assert len(results) == THREADS
    assert [r for r in results if not isinstance(r, (TOTPEnrolment, MFAConcurrentChange))] == []
    shown = [r.secret for r in results if isinstance(r, TOTPEnrolment)]
    assert shown
    assert TOTPDevice.objects.filter(user=user).count() == 1
    assert not TOTPDevice.objects.get(user=user).confirmed
    assert stored_secret(user) in shown
    code = pyotp.TOTP(stored_secret(user)).now()
    assert confirm_totp_enrolment(user, code, request=RequestFactory().post("/"))
    assert TOTPDevice.objects.get(user=user).confirmed


def test_a_start_overtaken_while_it_waited_answers_409_and_keeps_the_other_secret(
    user: Any, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race made deterministic: another start commits (on its own connection) after this one was sent
    and before it got the device's lock."""
    client, pair = signed_in()
    assert start(client).status_code == 201
    real_new_secret = totp.new_secret
    rival: list[Any] = []

    def new_secret_after_a_rival() -> bytes:
        if not rival:
            rival.append(None)
            rival[0] = run_in_threads(1, lambda: start(bearer(APIClient(), pair["access_token"])))[0]
        return real_new_secret()

    monkeypatch.setattr(totp, "new_secret", new_secret_after_a_rival)
    overtaken = start(client)
    monkeypatch.undo()
    assert rival[0].status_code == 201, rival[0].content
    assert_overtaken(overtaken)
    assert stored_secret(user) == rival[0].json()["secret"]


def test_confirming_a_secret_replaced_meanwhile_answers_409_and_turns_nothing_on(
    user: Any, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another start commits while the confirmation is under way: the device must not be turned on with the
    new secret, which the confirming client never saw (its user would be locked out of every login)."""
    client, pair = signed_in()
    first = start(client).json()["secret"]
    real_code_kind = enrolment.code_kind
    rival: list[Any] = []

    def code_kind_after_a_rival(code: object) -> str:
        if not rival:
            rival.append(None)
            rival[0] = run_in_threads(1, lambda: start(bearer(APIClient(), pair["access_token"])))[0]
        return real_code_kind(code)

    monkeypatch.setattr(enrolment, "code_kind", code_kind_after_a_rival)
    confirmed = client.post(CONFIRM, {"code": pyotp.TOTP(first).now()}, format="json")
    monkeypatch.undo()
    assert rival[0].status_code == 201, rival[0].content
    assert_overtaken(confirmed)
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    second = rival[0].json()["secret"]
    assert stored_secret(user) == second
    again = client.post(CONFIRM, {"code": pyotp.TOTP(second).now()}, format="json")
    assert again.status_code == 200, again.content


def test_a_confirmation_racing_starts_turns_on_only_the_secret_it_was_given(user: Any, clock: Any) -> None:
    client, pair = signed_in()
    secret = start(client).json()["secret"]
    code = pyotp.TOTP(secret).now()
    racers = iter(["confirm"] + ["start"] * (THREADS - 1))

    def attempt() -> Any:
        racer = bearer(APIClient(), pair["access_token"])
        if next(racers) == "confirm":
            return ("confirm", racer.post(CONFIRM, {"code": code}, format="json"))
        return ("start", start(racer))

    results = run_in_threads(THREADS, attempt)
    assert len(results) == THREADS, results
    for kind, response in results:
        assert response.status_code in (200, 201, 400, 409), (kind, response.content)
    device = TOTPDevice.objects.get(user=user)
    if device.confirmed:
        assert stored_secret(user) == secret


@pytest.mark.postgres
def test_a_start_that_loses_the_create_race_is_told_another_won(
    make_user: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The losing side of the first start's race, made deterministic: another connection creates the device
    between our look and our insert, so the insert meets the unique constraint. (PostgreSQL only: on SQLite
    this connection already holds the write lock, so nothing can come in between.)"""
    user = make_user("loser")
    real_create = TOTPDevice.objects.create

    def create_after_a_rival(**fields: Any) -> Any:
        run_in_threads(1, lambda: real_create(**fields))  # the rival commits on its own connection
        return real_create(**fields)

    monkeypatch.setattr(TOTPDevice.objects, "create", create_after_a_rival)
    with pytest.raises(MFAConcurrentChange) as caught:
        start_totp_enrolment(user)
    assert isinstance(caught.value.__cause__, IntegrityError)
    assert TOTPDevice.objects.filter(user=user).count() == 1
