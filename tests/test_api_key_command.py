"""``manage.py create_api_key``: prints the key once (stdout, alone), clear errors for bad input."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from django_apiauth.models import APIKey, AuthEvent, EventType
from tests.support.users import login_name

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("create_api_key", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_prints_a_working_key_once(user: User) -> None:
    with time_machine.travel(timezone.now(), tick=False):
        key, info = run("--user", login_name("alice"), "--name", "deploy", "--scopes", "read,write", "--expires", "7d")
        now = timezone.now()
    stored = APIKey.objects.get()
    assert key.startswith(f"apiauth_{stored.lookup_id}_")
    assert (stored.name, stored.scopes, stored.owner) == ("deploy", ["read", "write"], user)
    assert stored.expires_at == now + timedelta(days=7)
    assert key not in info
    assert "cannot be shown again" in info
    response = APIClient().get("/api/whoami/", HTTP_X_API_KEY=key)
    assert response.json() == {"user": login_name("alice"), "auth": "api_key", "scopes": ["read", "write"]}
    assert AuthEvent.objects.get(type=EventType.API_KEY_CREATED).details["source"] == "command"


def test_defaults_and_never(user: User) -> None:
    run("--user", login_name("alice"), "--name", "a")
    run("--user", login_name("alice"), "--name", "b", "--expires", "never")
    default, never = APIKey.objects.order_by("name")
    assert default.scopes == []
    assert default.expires_at is not None
    assert never.expires_at is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "nobody", "--name", "x"], r"No user with \w+ 'nobody'"),
        (["--user", login_name("alice"), "--name", "x", "--scopes", "read,root"], "Unknown scope 'root'"),
        (["--user", login_name("alice"), "--name", "x", "--expires", "soon"], "--expires: invalid duration"),
        (["--user", login_name("alice"), "--name", "x", "--expires", "999999999w"], "--expires"),
        (["--user", login_name("alice"), "--name", "x", "--expires", "0d"], "positive"),
        (["--user", login_name("alice"), "--name", " "], "name"),
    ],
)
def test_clear_errors(user: User, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not APIKey.objects.exists()


def test_respects_the_maximum_lifetime(user: User, apiauth: object) -> None:
    apiauth(API_KEY_MAX_LIFETIME=timedelta(days=30))  # type: ignore[operator]
    with pytest.raises(CommandError, match="expire within 30 days"):
        run("--user", login_name("alice"), "--name", "x", "--expires", "never")
