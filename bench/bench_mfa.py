"""MFA verification per request: the second-factor check and the ``RequireMFA`` gate, next to the baseline.

The success rows re-arm the device before each call (a TOTP device accepts a time step once; a backup code
works once), so they include that one extra ``UPDATE``; the note says so. Refusals are hot paths too: a
malformed code must cost next to nothing, a wrong one a decryption, three HMACs and one ``UPDATE``.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.test import override_settings
from rest_framework.permissions import IsAuthenticated

from bench.harness import Result, baseline, factory, measure, measure_view, print_table, view_with
from django_apiauth.drf.jwt_authentication import JWTAuthentication
from django_apiauth.drf.mfa import RequireMFA
from django_apiauth.exceptions import InvalidOTP, InvalidRequest
from django_apiauth.jwt.access import issue_access_token
from django_apiauth.mfa import backup_codes, totp
from django_apiauth.mfa.verification import verify_second_factor
from django_apiauth.models.mfa import BackupCode, BackupCodeDevice, TOTPDevice

FULL_WIDTH = "\uff11\uff12\uff13\uff14\uff15\uff16"


def _enrolled(user: User) -> tuple[bytes, list[str]]:
    TOTPDevice.objects.filter(user=user).delete()
    BackupCodeDevice.objects.filter(user=user).delete()
    secret = totp.new_secret()
    TOTPDevice.objects.create(user=user, name="bench", confirmed=True, secret_ciphertext=totp.encrypt_secret(secret))
    device = BackupCodeDevice.objects.create(user=user, name="bench")
    return secret, backup_codes.replace_codes(device)


def _refused(call: Any, expected: type[Exception]) -> Any:
    def run() -> None:
        try:
            call()
        except expected:
            return
        raise RuntimeError("expected a refusal")

    return run


def _verification_rows(user: User, secret: bytes, codes: list[str]) -> list[Result]:
    request = factory.post("/auth/mfa/verify/")
    device = TOTPDevice.objects.get(user=user)
    rearm = "re-arms the device (+1 UPDATE)"

    def totp_ok() -> None:
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
        code = totp.code_at(secret, int(time.time()) // 30, 6)
        verify_second_factor(user, code, request=request, purpose="login")

    def backup_ok() -> None:
        BackupCode.objects.filter(device__user=user).update(used_at=None)
        verify_second_factor(user, codes[0], request=request, purpose="login")

    current = totp.code_at(secret, int(time.time()) // 30, 6)
    wrong = "000000" if current != "000000" else "111111"
    return [
        measure("TOTP code accepted (verify_second_factor)", totp_ok, batch=100, batches=5, note=rearm),
        measure("backup code accepted", backup_ok, batch=100, batches=5, note=rearm),
        measure(
            "wrong TOTP code refused",
            _refused(lambda: verify_second_factor(user, wrong, request=request, purpose="login"), InvalidOTP),
            batch=100,
            batches=5,
            note="records an aggregated mfa_failed",
        ),
        measure(
            "malformed code refused (full-width digits)",
            _refused(lambda: verify_second_factor(user, FULL_WIDTH, request=request, purpose="login"), InvalidRequest),
            note="no query",
        ),
    ]


def _gate_rows(user: User) -> list[Result]:
    plain = issue_access_token(user, amr=["pwd"], auth_time=int(time.time())).token
    strong = issue_access_token(user, amr=["pwd", "otp"], auth_time=int(time.time())).token
    jwt_only = view_with([JWTAuthentication], [IsAuthenticated])
    gated = view_with([JWTAuthentication], [IsAuthenticated, RequireMFA.with_max_age(300)])
    refused = view_with([JWTAuthentication], [IsAuthenticated, RequireMFA])

    def challenge() -> None:
        response = refused(factory.get("/bench/", HTTP_AUTHORIZATION=f"Bearer {plain}"))
        response.render()
        if response.status_code != 401:
            raise RuntimeError("expected the RFC 9470 challenge")

    return [
        measure_view("JWTAuthentication (no MFA gate)", jwt_only, {"Authorization": f"Bearer {strong}"}),
        measure_view("JWT + RequireMFA(max_age) passing", gated, {"Authorization": f"Bearer {strong}"}),
        measure("JWT + RequireMFA refusing (401 challenge)", challenge, note="insufficient_user_authentication"),
    ]


def run() -> None:
    user, _ = User.objects.get_or_create(username="bench-mfa")
    secret, codes = _enrolled(user)
    base = baseline()
    # Back-off and brute-force counters off: otherwise the repeated wrong code would be measured as a 429.
    overrides = {"MFA_THROTTLE_FACTOR": 0, "LOCKOUT_ENABLED": False}
    with override_settings(APIAUTH={**getattr(settings, "APIAUTH", {}), **overrides}):
        rows = [*_verification_rows(user, secret, codes), *_gate_rows(user)]
    print_table("MFA verification per request (SQLite in memory)", rows, base)
