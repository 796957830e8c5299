"""``manage.py rotate_keys``: options, output, exit codes, and the zero-downtime acceptance scenario."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from pathlib import Path

import jwt as pyjwt
import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from django_apiauth.models.signing_keys import SigningKey, SigningKeyState
from django_apiauth.signing_keys.rotation import ensure_active_key, rotate
from tests.support.jwt_tokens import issue_access_token

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> str:
    out = StringIO()
    call_command("rotate_keys", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def kid_of(token: str) -> str:
    return str(pyjwt.get_unverified_header(token)["kid"])


def jwks_kids(client: APIClient) -> list[str]:
    return [key["kid"] for key in client.get("/auth/jwks.json").json()["keys"]]


def test_acceptance_zero_downtime_rotation(api_client: APIClient, user: User) -> None:
    """Old tokens work until they expire, new ones use the new kid, JWKS shows old/current/next, and
    ``--retire-expired`` later drops the old key from JWKS, after which its tokens get 401."""
    with time_machine.travel("2030-01-01 00:00Z", tick=False) as traveller:
        old_token = issue_access_token(user).token
        old_kid = kid_of(old_token)
        assert "now signs" in run()
        new_token = issue_access_token(user).token
        new_kid = kid_of(new_token)
        assert new_kid != old_kid
        upcoming = SigningKey.objects.get(algorithm="RS256", state=SigningKeyState.NEXT).kid
        assert jwks_kids(api_client) == [new_kid, upcoming, old_kid]
        for token in (old_token, new_token):
            api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
            assert api_client.get("/api/whoami/").status_code == 200
        traveller.shift(timedelta(minutes=14))
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {old_token}")
        assert api_client.get("/api/whoami/").status_code == 200
        assert "Retired 0 key(s)" in run("--retire-expired")  # its tokens have not all expired yet
        traveller.shift(timedelta(minutes=1, seconds=40))  # past lifetime + leeway + reload interval
        assert f"Retired 1 key(s): {old_kid}" in run("--retire-expired")
        assert old_kid not in jwks_kids(api_client)
        response = api_client.get("/api/whoami/")
        assert response.status_code == 401
        # Refused because the key is gone (checked before expiry), not merely because it expired.
        assert response.json()["error_description"] == "The access token was signed by an unknown or retired key."


def test_if_older_than_for_cron(user: User) -> None:
    SigningKey.objects.all().delete()
    with time_machine.travel("2030-01-01 00:00Z", tick=False) as traveller:
        active = ensure_active_key()
        assert "rotation not due" in run("--if-older-than", "30d")
        traveller.shift(timedelta(days=30))
        assert "now signs" in run("--if-older-than", "30d")
        assert SigningKey.objects.get(pk=active.pk).state == SigningKeyState.RETIRING
        assert "rotation not due" in run("--if-older-than", "30d")


def test_if_due_uses_the_rotation_period(apiauth: Callable[..., None]) -> None:
    apiauth(SIGNING_KEY_ROTATION_PERIOD=timedelta(days=7))
    SigningKey.objects.all().delete()
    with time_machine.travel("2030-01-01 00:00Z", tick=False) as traveller:
        ensure_active_key()
        assert "not due" in run("--if-due")
        traveller.shift(timedelta(days=7))
        assert "now signs" in run("--if-due")


def test_algorithm_option() -> None:
    out = run("--algorithm", "EdDSA")
    assert out.startswith("EdDSA: ")
    assert SigningKey.objects.filter(algorithm="EdDSA", state=SigningKeyState.ACTIVE).count() == 1


def test_dry_run_changes_nothing() -> None:
    old = ensure_active_key()
    rotate()
    before = list(SigningKey.objects.values_list("kid", "state"))
    assert "would rotate (dry run)" in run("--dry-run")
    with time_machine.travel(timedelta(hours=1)):
        assert f"Would retire 1 key(s): {old.kid} (dry run)" in run("--retire-expired", "--dry-run")
    assert "Would re-encrypt" in run("--reencrypt", "--dry-run")
    assert "rotation not due (dry run)" in run("--if-older-than", "30d", "--dry-run")
    assert list(SigningKey.objects.values_list("kid", "state")) == before


def test_list_prints_a_table() -> None:
    active = ensure_active_key()
    lines = run("--list").splitlines()
    assert lines[0].split() == ["kid", "algorithm", "state", "created", "activated"]
    row = next(line for line in lines if line.startswith(active.kid))
    assert row.split()[1:3] == ["RS256", "active"]
    assert len(lines) == 1 + SigningKey.objects.count()
    assert "gAAAA" not in "\n".join(lines)


def test_list_alone_does_not_rotate() -> None:
    active = ensure_active_key()
    run("--list")
    assert SigningKey.objects.get(state=SigningKeyState.ACTIVE, algorithm="RS256") == active


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--if-older-than", "soon"], "argument --if-older-than: invalid duration"),
        (["--if-older-than", "30x"], "invalid duration"),
        (["--if-older-than", "999999999w"], "invalid duration"),  # beyond what a timedelta holds
        (["--algorithm", "none"], "invalid choice"),
        (["--if-due", "--if-older-than", "1d"], "not allowed with argument"),
        (["--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_arguments_are_clear_errors(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_unsupported_configured_algorithm_is_a_command_error(apiauth: Callable[..., None]) -> None:
    apiauth(JWT_ALGORITHM="PS256")
    with pytest.raises(CommandError, match="unsupported algorithm"):
        run()


def test_exit_codes_from_the_command_line() -> None:
    """Cron sees 2 for usage errors (argparse): an unknown algorithm and a malformed duration alike."""
    env = {"DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": "sqlite:///:memory:", "PATH": ""}
    manage = [sys.executable, str(ROOT / "manage.py"), "rotate_keys"]
    usage = subprocess.run([*manage, "--algorithm", "nope"], capture_output=True, env=env, cwd=ROOT, check=False)  # noqa: S603
    assert usage.returncode == 2
    assert b"invalid choice" in usage.stderr
    error = subprocess.run([*manage, "--if-older-than", "x"], capture_output=True, env=env, cwd=ROOT, check=False)  # noqa: S603
    assert error.returncode == 2
    assert b"argument --if-older-than: invalid duration" in error.stderr


def test_reencrypt_option(apiauth: Callable[..., None]) -> None:
    from cryptography.fernet import Fernet

    ensure_active_key()
    count = SigningKey.objects.exclude(private_key_ciphertext="").count()
    current = list(SigningKey.objects.values_list("private_key_ciphertext", flat=True))
    apiauth(KEY_ENCRYPTION_KEYS=[Fernet.generate_key().decode(), "dGVzdHMtb25seS1mZXJuZXQta2V5LTAxMjM0NTY3ODk="])
    assert f"Re-encrypted {count} private key(s)" in run("--reencrypt")
    assert list(SigningKey.objects.values_list("private_key_ciphertext", flat=True)) != current
    apiauth(KEY_ENCRYPTION_KEYS=[Fernet.generate_key().decode()])
    with pytest.raises(CommandError, match="cannot be decrypted"):
        run("--reencrypt")
