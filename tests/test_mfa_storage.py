"""Secrets at rest and in the admin: no column of any MFA table holds the TOTP secret or a backup code in any
encoding; the secret is re-encrypted by ``rotate_keys --reencrypt``; the admin shows states, never secrets."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth.models import User
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.management import call_command
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django_otp import login as otp_login
from django_otp.middleware import OTPMiddleware

from django_apiauth.crypto.encryption import KeyDecryptionError
from django_apiauth.mfa.enrolment import TOTPEnrolment
from django_apiauth.models.events import AuthEvent, EventType
from django_apiauth.models.mfa import BackupCode, BackupCodeDevice, MFAChallenge, TOTPDevice
from tests.support.mfa import enrol, mfa_token, verify
from tests.support.refresh_tokens import all_stored_text

pytestmark = pytest.mark.django_db
MFA_TABLES = [model._meta.db_table for model in (TOTPDevice, BackupCodeDevice, BackupCode, MFAChallenge)]
TEST_KEK = "dGVzdHMtb25seS1mZXJuZXQta2V5LTAxMjM0NTY3ODk="


def forms_of(secret_b32: str) -> list[str]:
    raw = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    return [
        secret_b32,
        secret_b32.lower(),
        raw.hex(),
        raw.hex().upper(),
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        binascii.b2a_base64(raw, newline=False).decode().rstrip("="),
    ]


def code_forms(code: str) -> list[str]:
    plain = code.replace("-", "")
    return [code, plain, plain.upper(), base64.b64encode(plain.encode()).decode(), plain.encode().hex()]


def test_no_mfa_table_holds_the_secret_or_a_code_in_any_encoding(user: User, clock: Any) -> None:
    enrolled = enrol()
    clock.shift(60)
    mfa_token()  # a pending challenge row too
    stored = "\n".join(all_stored_text(table) for table in MFA_TABLES)
    assert TOTPDevice.objects.count() == BackupCodeDevice.objects.count() == 1
    assert BackupCode.objects.count() == 10
    assert MFAChallenge.objects.count() == 1
    for form in forms_of(enrolled.secret):
        assert form not in stored, form
    for code in enrolled.backup_codes:
        for form in code_forms(code):
            assert form not in stored, form
    events = "\n".join(str(event.details) for event in AuthEvent.objects.all())
    for form in forms_of(enrolled.secret)[:3]:
        assert form not in events


def test_show_once_results_keep_secrets_out_of_repr(user: User) -> None:
    started = TOTPEnrolment(secret="JBSWY3DPEHPK3PXP", otpauth_uri="otpauth://totp/x?secret=JBSWY3DPEHPK3PXP")
    assert "JBSWY3DPEHPK3PXP" not in repr(started)
    device = TOTPDevice(user=user, secret_ciphertext="gAAAA-ciphertext")
    assert "ciphertext" not in repr(device)
    assert "ciphertext" not in str(device)


def test_rotate_keys_reencrypt_covers_totp_secrets(user: User, clock: Any, apiauth: Callable[..., None]) -> None:
    enrolled = enrol()
    before = TOTPDevice.objects.get().secret_ciphertext
    new_key = Fernet.generate_key().decode()
    apiauth(KEY_ENCRYPTION_KEYS=[new_key, TEST_KEK])
    out = StringIO()
    call_command("rotate_keys", "--reencrypt", "--dry-run", stdout=out)
    assert "1 TOTP secret(s)" in out.getvalue()
    call_command("rotate_keys", "--reencrypt", stdout=out)
    assert "1 TOTP secret(s)" in out.getvalue()
    assert TOTPDevice.objects.get().secret_ciphertext != before
    apiauth(KEY_ENCRYPTION_KEYS=[new_key])  # the old key dropped: the secret still opens
    clock.shift(60)
    assert verify(mfa_token(), enrolled.code()).status_code == 200


def test_reencrypt_refuses_when_a_secret_cannot_be_opened(user: User, apiauth: Callable[..., None]) -> None:
    from django_apiauth.mfa.reencryption import reencrypt_totp_secrets

    enrol()
    apiauth(KEY_ENCRYPTION_KEYS=[Fernet.generate_key().decode()])
    with pytest.raises(KeyDecryptionError):
        reencrypt_totp_secrets()


def test_admin_lists_devices_with_state_and_never_the_secret(user: User, clock: Any, admin_client: Client) -> None:
    enrolled = enrol()
    device = TOTPDevice.objects.get()
    backup = BackupCodeDevice.objects.get()
    pages = [
        admin_client.get("/admin/apiauth/totpdevice/"),
        admin_client.get(f"/admin/apiauth/totpdevice/{device.pk}/change/"),
        admin_client.get("/admin/apiauth/backupcodedevice/"),
        admin_client.get(f"/admin/apiauth/backupcodedevice/{backup.pk}/change/"),
    ]
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        for form in forms_of(enrolled.secret):
            assert form not in html
        assert device.secret_ciphertext not in html
        assert not any(code in html for code in enrolled.backup_codes)
    assert "alice" in pages[0].content.decode()
    assert ">10<" in pages[2].content.decode()
    assert admin_client.get("/admin/apiauth/totpdevice/add/").status_code == 403


def test_admin_reset_mfa_action_removes_devices_and_records_the_admin(
    user: User, clock: Any, admin_client: Client, admin_user: User
) -> None:
    enrol()
    device = TOTPDevice.objects.get()
    response = admin_client.post(
        "/admin/apiauth/totpdevice/", {"action": "reset_selected", "_selected_action": [device.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "MFA reset for 1 user(s)." in response.content.decode()
    assert not TOTPDevice.objects.exists()
    assert not BackupCodeDevice.objects.exists()
    event = AuthEvent.objects.get(type=EventType.MFA_DISABLED)
    assert event.user == user
    assert event.details == {"device": "totp", "by": "admin", "admin": str(admin_user.pk)}


def test_otp_middleware_sees_a_session_verified_with_our_device(user: User, clock: Any) -> None:
    enrol()
    device = TOTPDevice.objects.get()
    request = RequestFactory().get("/")
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    request.user = user
    otp_login(request, device)
    seen: dict[str, Any] = {}

    def view(req: HttpRequest) -> HttpResponse:
        seen["verified"] = req.user.is_verified()
        seen["device"] = req.user.otp_device
        return HttpResponse()

    OTPMiddleware(view)(request)
    assert seen == {"verified": True, "device": device}


def test_a_view_only_admin_cannot_reset_mfa(user: User, clock: Any, make_user: Callable[..., Any]) -> None:
    from django.contrib.auth.models import Permission

    enrol()
    clerk = make_user("clerk", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_totpdevice"))
    client = Client()
    client.force_login(clerk)
    device = TOTPDevice.objects.get()
    listing = client.get("/admin/apiauth/totpdevice/")
    assert listing.status_code == 200
    assert "reset_selected" not in listing.content.decode()
    client.post("/admin/apiauth/totpdevice/", {"action": "reset_selected", "_selected_action": [device.pk]})
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
