"""Error reports (what Django mails to ADMINS, what Sentry receives) of a crash in the middle of a flow that
holds a secret: the frames' variables are shown, the secret is not.

Each test crashes one function after the secret exists (``report_of_crash``) and searches the report, raw and
HTML-unescaped, for every form of the secret.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from typing import Any

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from django_apiauth.api_keys.hashing import current_pepper
from django_apiauth.api_keys.service import create_api_key
from django_apiauth.authn.core import authenticate
from django_apiauth.mfa import backup_codes, totp
from django_apiauth.models import BackupCodeDevice
from django_apiauth.oauth import clients
from tests.support.error_reports import report_of_crash
from tests.support.mfa import signed_in, start
from tests.support.oauth import confidential

pytestmark = pytest.mark.django_db


def assert_hidden(report: str, *secrets: str) -> None:
    assert "Local vars" in report  # the report does show frames and their variables
    text = report + html.unescape(report)
    assert [secret for secret in secrets if secret in text] == []


def remember_results(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[Any]:
    """Every value ``module.name`` returns from now on."""
    results: list[Any] = []
    original = getattr(module, name)

    def remembering(*args: Any, **kwargs: Any) -> Any:
        results.append(original(*args, **kwargs))
        return results[-1]

    monkeypatch.setattr(module, name, remembering)
    return results


def forms_of_totp_secret(secret: bytes) -> tuple[str, ...]:
    return (repr(secret), secret.hex(), totp.base32_secret(secret), base64.b64encode(secret).decode())


@pytest.fixture
def key_of(user: Any) -> Callable[[], str]:
    return lambda: create_api_key(owner=user, name="ci", scopes=[]).plaintext


def test_an_api_key_presented_while_the_database_fails_stays_out_of_the_report(
    key_of: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = key_of()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    report = report_of_crash(
        monkeypatch, "django_apiauth.api_keys.authenticate._load", lambda: client.get("/api/whoami/")
    )
    assert_hidden(report, key, key.rsplit("_", 1)[1], current_pepper().decode())


def test_an_api_key_checked_by_the_plain_django_path_stays_out_of_the_report(
    key_of: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = key_of()
    request = RequestFactory().get("/", HTTP_X_API_KEY=key)
    report = report_of_crash(monkeypatch, "django_apiauth.api_keys.authenticate._load", lambda: authenticate(request))
    assert_hidden(report, key, key.rsplit("_", 1)[1])


@pytest.mark.parametrize(
    "failing", ["django_apiauth.mfa.totp.account_label", "django_apiauth.mfa.qr._make"], ids=["label", "qr-code"]
)
def test_a_new_totp_secret_stays_out_of_the_report_when_its_label_or_qr_code_fails(
    user: Any, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """The secret is already stored when the project's label callable and the QR code run."""
    made = remember_results(monkeypatch, totp, "new_secret")
    client, _ = signed_in()
    report = report_of_crash(monkeypatch, failing, lambda: start(client))
    assert_hidden(report, *forms_of_totp_secret(made[0]))


def test_a_new_oauth_client_secret_stays_out_of_the_report(monkeypatch: pytest.MonkeyPatch) -> None:
    made = remember_results(monkeypatch, clients.secrets, "token_urlsafe")
    report = report_of_crash(monkeypatch, "django_apiauth.oauth.clients.OAuthClient.save", confidential)
    assert_hidden(report, made[-1])


def test_new_backup_codes_and_the_pepper_stay_out_of_the_report(user: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    device = BackupCodeDevice.objects.create(user=user, name="Backup codes")
    made = remember_results(monkeypatch, backup_codes, "_new_code")
    report = report_of_crash(
        monkeypatch,
        "django_apiauth.mfa.backup_codes.BackupCode.objects.bulk_create",
        lambda: backup_codes.replace_codes(device),
    )
    assert len(made) == backup_codes.CODE_COUNT
    assert_hidden(report, *made, *(code.replace("-", "") for code in made), repr(current_pepper()))
