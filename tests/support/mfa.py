"""MFA test helpers: enrol and log in only through the public endpoints, codes from ``pyotp``."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pyotp
from rest_framework.test import APIClient

from tests.support.refresh_tokens import PASSWORD, bearer, login_pair
from tests.support.users import login_name

MFA = "/auth/mfa/"
TOTP = "/auth/mfa/totp/"
CONFIRM = "/auth/mfa/totp/confirm/"
BACKUP_CODES = "/auth/mfa/backup-codes/"
VERIFY = "/auth/mfa/verify/"
STEP_UP = "/auth/mfa/step-up/"


@dataclass
class Enrolled:
    secret: str
    otpauth_uri: str
    backup_codes: list[str]
    access_token: str
    refresh_token: str

    def code(self, steps: int = 0) -> str:
        """The code of the time step ``steps`` away from now (pyotp: an independent implementation)."""
        return pyotp.TOTP(self.secret).at(time.time() + 30 * steps)


def signed_in(username: str = "alice", password: str = PASSWORD) -> tuple[APIClient, dict[str, Any]]:
    pair = login_pair(APIClient(), username, password)
    return bearer(APIClient(), pair["access_token"]), pair


def start(client: APIClient, **body: Any) -> Any:
    return client.post(TOTP, body, format="json")


def enrol(username: str = "alice", *, steps: int = 0) -> Enrolled:
    """Log in, start and confirm enrolment (with the code ``steps`` away); the device is then confirmed."""
    client, pair = signed_in(username)
    started = start(client)
    assert started.status_code == 201, started.content
    secret = started.json()["secret"]
    code = pyotp.TOTP(secret).at(time.time() + 30 * steps)
    confirmed = client.post(CONFIRM, {"code": code}, format="json")
    assert confirmed.status_code == 200, confirmed.content
    return Enrolled(
        secret=secret,
        otpauth_uri=started.json()["otpauth_uri"],
        backup_codes=confirmed.json()["backup_codes"],
        access_token=pair["access_token"],
        refresh_token=pair["refresh_token"],
    )


def mfa_token(username: str = "alice", password: str = PASSWORD) -> str:
    response = APIClient().post("/auth/login/", {"username": login_name(username), "password": password}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["mfa_required"] is True
    return str(body["mfa_token"])


def verify(token: str, code: str, client: APIClient | None = None) -> Any:
    return (client or APIClient()).post(VERIFY, {"mfa_token": token, "code": code}, format="json")


#: A fixed instant at the start of a 30-second time step (tests move the clock, never sleep).
T0 = 1_900_000_020.0
