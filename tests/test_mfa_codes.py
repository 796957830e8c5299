"""Which codes pass: RFC 6238 window and replay, single-use backup codes, ASCII-only shapes, back-off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_otp
import pytest
from django.contrib.auth.models import User

from django_apiauth.models.events import AuthEvent, EventType
from django_apiauth.models.mfa import BackupCodeDevice, TOTPDevice
from tests.support.mfa import enrol, mfa_token, verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled(user: User, clock: Any, apiauth: Callable[..., None]) -> Any:
    apiauth(MFA_THROTTLE_FACTOR=0, MFA_TOKEN_MAX_ATTEMPTS=50)
    result = enrol()
    clock.shift(90)  # past the enrolment code's window
    return result


def test_a_code_passes_once_and_its_replay_fails(enrolled: Any) -> None:
    code = enrolled.code()
    assert verify(mfa_token(), code).status_code == 200
    replay = verify(mfa_token(), code)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"


def test_a_code_one_step_old_passes(enrolled: Any) -> None:
    assert verify(mfa_token(), enrolled.code(-1)).status_code == 200


def test_a_code_one_step_ahead_passes(enrolled: Any) -> None:
    assert verify(mfa_token(), enrolled.code(1)).status_code == 200


@pytest.mark.parametrize("steps", [-2, 2, -10])
def test_a_code_two_or_more_steps_away_fails(enrolled: Any, steps: int) -> None:
    assert verify(mfa_token(), enrolled.code(steps)).status_code == 400


def test_after_a_code_older_steps_are_refused(enrolled: Any) -> None:
    assert verify(mfa_token(), enrolled.code()).status_code == 200
    assert verify(mfa_token(), enrolled.code(-1)).status_code == 400
    assert verify(mfa_token(), enrolled.code(1)).status_code == 200


def test_each_backup_code_works_once(enrolled: Any, user: User) -> None:
    for index, code in enumerate(enrolled.backup_codes):
        assert verify(mfa_token(), code).status_code == 200, code
        assert verify(mfa_token(), code).status_code == 400, code
        assert BackupCodeDevice.objects.get().codes.filter(used_at=None).count() == 9 - index


def test_backup_codes_accept_upper_case_and_no_hyphen(enrolled: Any) -> None:
    first, second = enrolled.backup_codes[:2]
    assert verify(mfa_token(), first.upper()).status_code == 200
    assert verify(mfa_token(), second.replace("-", "")).status_code == 200


def test_backup_code_use_is_recorded_with_the_count_left(enrolled: Any, user: User) -> None:
    verify(mfa_token(), enrolled.backup_codes[0])
    event = AuthEvent.objects.get(type=EventType.BACKUP_CODE_USED)
    assert event.details == {"device": "backup_code", "remaining": 9}
    verified = AuthEvent.objects.get(type=EventType.MFA_VERIFIED)
    assert verified.details == {"device": "backup_code", "purpose": "login"}


def test_login_lists_backup_codes_only_while_some_are_left(enrolled: Any) -> None:
    from rest_framework.test import APIClient

    from tests.support.refresh_tokens import login

    assert login(APIClient()).json()["methods"] == ["totp", "backup_code"]
    for code in enrolled.backup_codes:
        verify(mfa_token(), code)
    assert login(APIClient()).json()["methods"] == ["totp"]


MALFORMED = [
    "abcdef",
    "12345",
    "1234567",
    "1" * 10_000,
    "1" * 40,
    "\uff11\uff12\uff13\uff14\uff15\uff16",  # full-width digits: int() accepts them
    "\u0661\u0662\u0663\u0664\u0665\u0666",  # Arabic-Indic digits
    " 123456",
    "123456 ",
    "123 456",
    "+12345",
    "-12345",
    "12_345",
    "",
    "\x00" * 6,
    "abcde-fghj",
    "abcde-fghjk-",
    "abcdefghjk\n",
]


@pytest.mark.parametrize("code", MALFORMED)
def test_malformed_codes_answer_400_json(enrolled: Any, code: str) -> None:
    token = mfa_token()
    response = verify(token, code)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_request"
    assert body["error_description"]


@pytest.mark.parametrize("code", [123456, None, ["123456"], {"a": 1}, 1.5, True])
def test_codes_that_are_not_strings_answer_400(enrolled: Any, code: Any) -> None:
    response = verify(mfa_token(), code)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_a_full_width_twin_of_the_right_code_is_refused(enrolled: Any) -> None:
    code = enrolled.code()
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    assert int(full_width) == int(code)  # what a lenient parser would accept
    assert verify(mfa_token(), full_width).status_code == 400
    assert verify(mfa_token(), code).status_code == 200


def test_wrong_codes_are_recorded_as_one_aggregated_failure(enrolled: Any) -> None:
    for _ in range(4):  # the stored count is written at powers of two
        assert verify(mfa_token(), "000000" if enrolled.code() != "000000" else "111111").status_code == 400
    event = AuthEvent.objects.get(type=EventType.MFA_FAILED)
    assert event.count == 4
    assert event.details == {"device": "totp", "purpose": "login"}


def test_django_otp_back_off_answers_429_with_retry_after(user: User, clock: Any, apiauth: Callable[..., None]) -> None:
    enrolled = enrol()
    clock.shift(90)
    apiauth(MFA_THROTTLE_FACTOR=10)
    wrong = "000000" if enrolled.code() != "000000" else "111111"
    assert verify(mfa_token(), wrong).status_code == 400
    locked = verify(mfa_token(), enrolled.code())
    assert locked.status_code == 429
    assert locked.json()["error"] == "rate_limited"
    assert 1 <= int(locked["Retry-After"]) <= 11
    clock.shift(11)
    assert verify(mfa_token(), enrolled.code()).status_code == 200
    assert TOTPDevice.objects.get().throttling_failure_count == 0


def test_django_otp_verify_token_and_user_has_device_see_the_devices(enrolled: Any, user: User) -> None:
    totp = TOTPDevice.objects.get(user=user)
    backup = BackupCodeDevice.objects.get(user=user)
    assert django_otp.user_has_device(user)
    assert set(django_otp.devices_for_user(user)) == {totp, backup}
    assert django_otp.verify_token(user, totp.persistent_id, enrolled.code()) == totp
    assert django_otp.verify_token(user, totp.persistent_id, enrolled.code()) is None
    assert django_otp.verify_token(user, backup.persistent_id, enrolled.backup_codes[0]) == backup
    assert django_otp.verify_token(user, backup.persistent_id, enrolled.backup_codes[0]) is None
    assert django_otp.verify_token(user, totp.persistent_id, "\uff11\uff12\uff13\uff14\uff15\uff16") is None


def test_an_unconfirmed_device_does_not_gate_login(user: User) -> None:
    from rest_framework.test import APIClient

    from tests.support.mfa import signed_in, start
    from tests.support.refresh_tokens import login

    client, _ = signed_in()
    start(client)
    assert not django_otp.user_has_device(user)
    assert "access_token" in login(APIClient()).json()


def test_wrong_codes_fill_the_accounts_brute_force_counter(enrolled: Any, apiauth: Callable[..., None]) -> None:
    apiauth(MFA_THROTTLE_FACTOR=0, MFA_TOKEN_MAX_ATTEMPTS=50, LOCKOUT_FAILURES=3)
    wrong = "000000" if enrolled.code() != "000000" else "111111"
    assert verify(mfa_token(), wrong).status_code == 400
    assert verify(mfa_token(), enrolled.code()).status_code == 200  # a success gives the slots back
    for _ in range(3):
        assert verify(mfa_token(), wrong).status_code == 400
    waiting = verify(mfa_token(), enrolled.code(1))
    assert waiting.status_code == 429
    assert waiting.json()["error"] == "rate_limited"
    assert int(waiting["Retry-After"]) >= 1
