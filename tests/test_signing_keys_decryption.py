"""Signing keys (and TOTP secrets) stored under an encryption key that is no longer configured.

``check --deploy`` names them (``apiauth.E017``) before traffic does; a login meanwhile answers a 503 JSON
error that reveals no configuration, and the process logs one clear line, not one per request.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from rest_framework.test import APIClient

from django_apiauth.jwt import signing
from django_apiauth.jwt.checks import check_signing_keys_readable
from django_apiauth.jwt.keystore import key_store
from django_apiauth.mfa import totp
from django_apiauth.models.mfa import TOTPDevice
from django_apiauth.models.signing_keys import SigningKey
from django_apiauth.signing_keys.rotation import ensure_active_key
from tests.support.mfa import enrol, mfa_token, signed_in, start, verify
from tests.support.refresh_tokens import login, login_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def lost_encryption_key(user: Any, apiauth: Any) -> str:
    """Keys were stored with the test key; the project now lists only a different one."""
    kid = ensure_active_key("RS256").kid
    apiauth(KEY_ENCRYPTION_KEYS=[Fernet.generate_key().decode()])
    signing.private_keys.clear()
    key_store.invalidate()
    signing._reported.clear()
    return kid


def test_deploy_check_names_the_unreadable_key(lost_encryption_key: str) -> None:
    errors = check_signing_keys_readable()
    assert {error.id for error in errors} == {"apiauth.E017"}
    assert any(lost_encryption_key in error.msg for error in errors)
    with pytest.raises(SystemCheckError, match=r"apiauth\.E017"):
        call_command("check", "--deploy", "--fail-level", "ERROR")


def test_deploy_check_is_quiet_when_every_key_decrypts(user: Any) -> None:
    ensure_active_key("RS256")
    assert check_signing_keys_readable() == []


def test_deploy_check_is_quiet_before_migrate() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {SigningKey._meta.db_table}")  # rolled back with the test's transaction
    assert check_signing_keys_readable() == []


def test_login_answers_503_revealing_no_configuration_and_logs_once(
    lost_encryption_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="django_apiauth.signing_keys"):
        responses = [login(APIClient()) for _ in range(3)]

    assert {r.status_code for r in responses} == {503}
    assert responses[0].json() == {
        "error": "temporarily_unavailable",
        "error_description": "The service is temporarily unavailable; retry later.",
    }
    assert responses[0].has_header("Retry-After")
    assert all(b"KEY_ENCRYPTION" not in r.content and b"Fernet" not in r.content for r in responses)
    lines = [r.getMessage() for r in caplog.records if r.name == "django_apiauth.signing_keys"]
    assert len(lines) == 1
    assert "cannot be decrypted with APIAUTH['KEY_ENCRYPTION_KEYS']" in lines[0]


def test_an_invalid_encryption_key_answers_503_too(user: Any, apiauth: Any, caplog: pytest.LogCaptureFixture) -> None:
    apiauth(KEY_ENCRYPTION_KEYS=["not-a-fernet-key"])
    with caplog.at_level(logging.ERROR, logger="django_apiauth.signing_keys"):
        response = login(APIClient())

    assert response.status_code == 503
    assert b"KEY_ENCRYPTION" not in response.content
    assert any("invalid Fernet key" in r.getMessage() for r in caplog.records)


def test_restoring_the_key_restores_login(lost_encryption_key: str, apiauth: Any, settings: Any) -> None:
    assert login(APIClient()).status_code == 503
    apiauth(
        KEY_ENCRYPTION_KEYS=[*settings.APIAUTH["KEY_ENCRYPTION_KEYS"], "dGVzdHMtb25seS1mZXJuZXQta2V5LTAxMjM0NTY3ODk="]
    )
    key_store.invalidate()
    assert "access_token" in login_pair(APIClient())


def test_an_undecryptable_totp_secret_answers_503_revealing_no_configuration(
    user: Any, clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    enrolled = enrol()
    clock.shift(60)
    stranger = Fernet(Fernet.generate_key()).encrypt(b"stored under a key nobody lists").decode()
    TOTPDevice.objects.update(secret_ciphertext=stranger)
    totp._reported.clear()

    with caplog.at_level(logging.ERROR, logger="django_apiauth.mfa"):
        responses = [verify(mfa_token(), enrolled.code()) for _ in range(2)]

    assert [r.status_code for r in responses] == [503, 503]
    assert responses[0].json() == {
        "error": "temporarily_unavailable",
        "error_description": "The service is temporarily unavailable; retry later.",
    }
    assert responses[0].has_header("Retry-After")
    assert all(b"KEY_ENCRYPTION" not in r.content and b"Fernet" not in r.content for r in responses)
    lines = [r.getMessage() for r in caplog.records if r.name == "django_apiauth.mfa"]
    assert len(lines) == 1
    assert "KEY_ENCRYPTION_KEYS" in lines[0]


def test_enrolment_under_an_invalid_encryption_key_answers_503_and_stores_nothing(
    user: Any, apiauth: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = signed_in()
    apiauth(KEY_ENCRYPTION_KEYS=["not-a-fernet-key"])
    totp._reported.clear()

    with caplog.at_level(logging.ERROR, logger="django_apiauth.mfa"):
        response = start(client)

    assert response.status_code == 503
    assert response.json()["error"] == "temporarily_unavailable"
    assert b"KEY_ENCRYPTION" not in response.content
    assert not TOTPDevice.objects.exists()
    assert any("KEY_ENCRYPTION_KEYS" in r.getMessage() for r in caplog.records if r.name == "django_apiauth.mfa")
