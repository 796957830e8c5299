"""TOTP enrolment over HTTP: the QR code decodes to the URI, a pyotp code confirms, the rules around it."""

from __future__ import annotations

import base64
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from django_apiauth.models.events import AuthEvent, EventType
from django_apiauth.models.mfa import BackupCodeDevice, TOTPDevice
from django_apiauth.models.refresh import RefreshTokenFamily
from tests.support.mfa import CONFIRM, MFA, TOTP, enrol, signed_in, start
from tests.support.refresh_tokens import PASSWORD, bearer, login_pair
from tests.support.users import login_name

pytestmark = pytest.mark.django_db


def zbar_decode(png: bytes) -> str:
    """Decode a QR image with zbar's command-line decoder (Debian ``zbar-tools``, installed by CI)."""
    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbarimg (apt-get install zbar-tools) is required"
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "qr.png"
        path.write_bytes(png)
        result = subprocess.run(  # noqa: S603 - fixed program, our own temporary file
            [zbarimg, "--quiet", "--raw", "-Sbinary", str(path)], capture_output=True, check=True
        )
    return result.stdout.decode("utf-8").rstrip("\n")


def test_enrolment_qr_png_decodes_to_the_uri_and_a_pyotp_code_confirms(user: User, clock: Any) -> None:
    client, _ = signed_in()
    started = start(client)
    assert started.status_code == 201
    assert started["Cache-Control"] == "no-store"
    body = started.json()
    assert set(body) == {"secret", "otpauth_uri", "qr_svg", "qr_png"}
    prefix = "data:image/png;base64,"
    assert body["qr_png"].startswith(prefix)
    assert zbar_decode(base64.b64decode(body["qr_png"][len(prefix) :])) == body["otpauth_uri"]
    assert body["qr_svg"].startswith("<svg")
    assert body["qr_svg"].rstrip().endswith("</svg>")

    code = pyotp.TOTP(body["secret"]).now()
    confirmed = client.post(CONFIRM, {"code": code}, format="json")

    assert confirmed.status_code == 200
    assert confirmed["Cache-Control"] == "no-store"
    codes = confirmed.json()["backup_codes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert TOTPDevice.objects.get(user=user).confirmed


def test_otpauth_uri_carries_the_issuer_as_label_prefix_and_parameter(user: User, apiauth: Callable[..., None]) -> None:
    apiauth(MFA_TOTP_ISSUER="Example: Corp")
    client, _ = signed_in()
    body = start(client).json()
    uri = urlsplit(body["otpauth_uri"])
    query = parse_qs(uri.query)
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert unquote(uri.path) == f"/Example Corp:{login_name('alice')}"
    assert query["issuer"] == ["Example Corp"]
    assert query["secret"] == [body["secret"]]
    assert (query["algorithm"], query["digits"], query["period"]) == (["SHA1"], ["6"], ["30"])
    assert len(base64.b32decode(body["secret"])) == 20
    parsed = pyotp.parse_uri(body["otpauth_uri"])
    assert parsed.issuer == "Example Corp"
    assert parsed.name == login_name("alice")


def label_of(user: Any) -> str:
    return f"user-{user.pk}"


def test_account_label_comes_from_the_configured_callable(user: User, apiauth: Callable[..., None]) -> None:
    apiauth(MFA_TOTP_ACCOUNT_LABEL="tests.test_mfa_enrolment.label_of")
    client, _ = signed_in()
    assert unquote(urlsplit(start(client).json()["otpauth_uri"]).path) == f"/django-apiauth:user-{user.pk}"


def test_starting_again_replaces_an_unconfirmed_device(user: User) -> None:
    client, _ = signed_in()
    first = start(client).json()["secret"]
    second = start(client).json()["secret"]
    assert first != second
    assert TOTPDevice.objects.filter(user=user).count() == 1
    stale = client.post(CONFIRM, {"code": pyotp.TOTP(first).now()}, format="json")
    assert stale.status_code == 400
    assert stale.json()["error"] == "invalid_grant"


def test_starting_while_enrolled_answers_409_and_keeps_the_device(user: User, clock: Any) -> None:
    enrolled = enrol()
    client = bearer(APIClient(), enrolled.access_token)
    response = start(client)
    assert response.status_code == 409
    assert response.json()["error"] == "mfa_already_enrolled"
    assert "error_description" in response.json()
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed
    again = client.post(CONFIRM, {"code": enrolled.code(1)}, format="json")
    assert again.status_code == 409


def test_confirming_without_enrolment_is_refused(user: User) -> None:
    client, _ = signed_in()
    response = client.post(CONFIRM, {"code": "123456"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"] == "mfa_not_enrolled"


def test_a_backup_code_cannot_confirm_enrolment(user: User) -> None:
    client, _ = signed_in()
    start(client)
    response = client.post(CONFIRM, {"code": "abcde-fghjk"}, format="json")
    assert response.status_code == 400
    assert not TOTPDevice.objects.get(user=user).confirmed


def test_an_old_login_needs_the_password_to_start_enrolment(
    user: User, apiauth: Callable[..., None], clock: Any
) -> None:
    apiauth(ACCESS_TOKEN_LIFETIME=timedelta(hours=1))
    client, _ = signed_in()
    clock.shift(301)
    refused = start(client)
    assert refused.status_code == 403
    assert refused.json()["error"] == "login_required"
    wrong = start(client, password="not the password")
    assert wrong.status_code == 403
    assert start(client, password=PASSWORD).status_code == 201


def test_the_enrolment_age_is_a_setting(user: User, apiauth: Callable[..., None], clock: Any) -> None:
    apiauth(MFA_ENROLMENT_MAX_AGE=timedelta(minutes=10))
    client, _ = signed_in()
    clock.shift(599)
    assert start(client).status_code == 201


def test_session_authentication_needs_the_password(user: User) -> None:
    client = APIClient(enforce_csrf_checks=False)
    client.force_login(user)
    assert start(client).status_code == 403
    assert start(client, password=PASSWORD).status_code == 201


def test_api_keys_cannot_manage_mfa(user: User, issue_key: Callable[..., Any]) -> None:
    key = issue_key(scopes=["read", "write"])
    assert APIClient().get("/api/whoami/", HTTP_X_API_KEY=key.plaintext).status_code == 200
    for headers in ({"HTTP_X_API_KEY": key.plaintext}, {"HTTP_AUTHORIZATION": f"Api-Key {key.plaintext}"}):
        for method, path in (("post", TOTP), ("get", MFA), ("post", CONFIRM), ("delete", TOTP)):
            response = getattr(APIClient(), method)(path, {}, format="json", **headers)
            assert response.status_code == 401, (method, path)
            assert "error" in response.json()
    assert not TOTPDevice.objects.exists()


def test_anonymous_callers_are_refused(db: None) -> None:
    for path in (TOTP, MFA, CONFIRM):
        response = APIClient().post(path, {}, format="json")
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized"


def test_listing_shows_states_and_counts_never_secrets(user: User, clock: Any) -> None:
    client, _ = signed_in()
    assert client.get(MFA).json() == {"methods": []}
    secret = start(client).json()["secret"]
    pending = client.get(MFA).json()["methods"]
    assert [(m["type"], m["confirmed"], m["last_used_at"]) for m in pending] == [("totp", False, None)]
    codes = client.post(CONFIRM, {"code": pyotp.TOTP(secret).now()}, format="json").json()["backup_codes"]
    listing = client.get(MFA)
    assert listing["Cache-Control"] == "no-store"
    totp, backup = listing.json()["methods"]
    assert totp["type"] == "totp"
    assert totp["confirmed"] is True
    assert totp["created_at"]
    assert totp["last_used_at"]
    assert backup == {"type": "backup_code", "remaining": 10}
    text = listing.content.decode()
    assert secret not in text
    assert not any(code in text for code in codes)


def test_confirmation_can_revoke_the_other_sessions(user: User, clock: Any) -> None:
    other = login_pair(APIClient())
    client, pair = signed_in()
    secret = start(client).json()["secret"]
    body = {"code": pyotp.TOTP(secret).now(), "revoke_other_sessions": True}
    assert client.post(CONFIRM, body, format="json").status_code == 200
    live = RefreshTokenFamily.objects.filter(revoked_at=None)
    assert [family.sid for family in live] == [pair["access_token"] and _sid(pair)]
    assert bearer(APIClient(), other["access_token"]).get(MFA).status_code == 401
    assert client.get(MFA).status_code == 200


def _sid(pair: dict[str, Any]) -> str:
    from django_apiauth.jwt.access import verify_access_token

    return str(verify_access_token(pair["access_token"])["sid"])


def test_revoking_other_sessions_when_there_are_none_records_no_revocation(user: User, clock: Any) -> None:
    client, pair = signed_in()
    secret = start(client).json()["secret"]

    body = {"code": pyotp.TOTP(secret).now(), "revoke_other_sessions": True}

    assert client.post(CONFIRM, body, format="json").status_code == 200
    assert RefreshTokenFamily.objects.get(revoked_at=None).sid == _sid(pair)
    assert not AuthEvent.objects.filter(type=EventType.SESSION_REVOKED).exists()


def test_sessions_stay_valid_after_enrolment_unless_revoked(user: User, clock: Any) -> None:
    other = login_pair(APIClient())
    enrol()
    assert bearer(APIClient(), other["access_token"]).get(MFA).status_code == 200


def test_revoke_other_sessions_must_be_a_boolean(user: User) -> None:
    client, _ = signed_in()
    start(client)
    response = client.post(CONFIRM, {"code": "123456", "revoke_other_sessions": "yes"}, format="json")
    assert response.status_code == 400


def test_enrolment_and_confirmation_record_events_without_secrets(user: User, clock: Any) -> None:
    enrolled = enrol()
    event = AuthEvent.objects.get(type=EventType.MFA_ENROLLED)
    assert event.user == user
    assert event.details == {"device": "totp"}
    everything = " ".join(str(e.details) for e in AuthEvent.objects.all())
    assert enrolled.secret not in everything
    assert not any(code in everything for code in enrolled.backup_codes)
    assert BackupCodeDevice.objects.get(user=user).codes.count() == 10
