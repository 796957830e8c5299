"""System checks of the MFA settings: each id triggered, and quiet with valid values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import checks


def ids(messages: list[checks.CheckMessage]) -> list[str]:
    return [str(message.id) for message in messages]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"MFA_TOKEN_MAX_ATTEMPTS": 0}, ["apiauth.E050"]),
        ({"MFA_THROTTLE_FACTOR": -1}, ["apiauth.E051"]),
        ({"MFA_TOKEN_MAX_ATTEMPTS": 0, "MFA_THROTTLE_FACTOR": -5}, ["apiauth.E050", "apiauth.E051"]),
        ({}, []),
        ({"MFA_TOKEN_MAX_ATTEMPTS": 1, "MFA_THROTTLE_FACTOR": 0}, []),
        ({"MFA_TOKEN_MAX_ATTEMPTS": "3", "MFA_THROTTLE_FACTOR": True}, []),  # wrong types are E003, not these
    ],
)
def test_mfa_limits(apiauth: Callable[..., None], values: dict[str, Any], expected: list[str]) -> None:
    apiauth(**values)
    found = [i for i in ids(checks.run_checks()) if i in ("apiauth.E050", "apiauth.E051")]
    assert found == expected


def test_an_account_label_that_cannot_be_imported_is_e005(apiauth: Callable[..., None]) -> None:
    from django_apiauth.checks import check_import_strings

    apiauth(MFA_TOTP_ACCOUNT_LABEL="no.such.module.label")
    assert ids(check_import_strings()) == ["apiauth.E005"]
    apiauth(MFA_TOTP_ACCOUNT_LABEL=None)
    assert ids(check_import_strings()) == []


def test_mfa_checks_run_with_manage_py_check(apiauth: Callable[..., None]) -> None:
    apiauth(MFA_TOKEN_MAX_ATTEMPTS=0)
    assert "apiauth.E050" in ids(checks.run_checks())
