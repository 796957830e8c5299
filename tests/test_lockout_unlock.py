"""Operators lift lockouts: ``manage.py unlock --user/--ip`` and the events admin action."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from rest_framework.test import APIClient

from django_apiauth.models.events import AuthEvent, EventType
from tests.support.users import create_user

pytestmark = pytest.mark.django_db
IP = "198.51.100.7"
IPV6 = "2001:db8:5:6::1"


def fail(client: APIClient, ip: str = IP, username: str = "alice", times: int = 6) -> int:
    status = 0
    for _ in range(times):
        status = client.post(
            "/auth/login/", {"username": username, "password": "wrong"}, format="json", REMOTE_ADDR=ip
        ).status_code
    return status


def unlock(*args: str) -> str:
    out = StringIO()
    call_command("unlock", *args, stdout=out)
    return out.getvalue()


def test_unlock_user(api_client: APIClient, user: User) -> None:
    assert fail(api_client) == 429
    assert "Cleared" in unlock("--user", "ALICE")  # as typed at login, case-insensitive
    assert fail(api_client, times=1) == 401
    event = AuthEvent.objects.filter(type=EventType.LOCKOUT, details__action="unlock").get()
    assert "account" in event.details


@pytest.mark.parametrize("ip", [IP, IPV6])
def test_unlock_network(api_client: APIClient, user: User, ip: str) -> None:
    assert fail(api_client, ip=ip) == 429
    assert "network" in unlock("--ip", ip)
    assert fail(api_client, ip=ip, times=1) == 401


def test_unlock_needs_exactly_one_target() -> None:
    with pytest.raises(CommandError):
        call_command("unlock")
    with pytest.raises(CommandError) as bad:
        call_command("unlock", "--ip", "not-an-ip")
    assert bad.value.returncode == 2


def test_unlock_while_the_cache_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    from django_apiauth.exceptions import TemporarilyUnavailable

    def down(*args: Any, **kwargs: Any) -> int:
        raise TemporarilyUnavailable()

    monkeypatch.setattr("django_apiauth.management.commands.unlock.unlock_account", down)
    with pytest.raises(CommandError) as failed:
        call_command("unlock", "--user", "alice")
    assert failed.value.returncode == 1


def test_admin_action_unlocks_account_and_network(api_client: APIClient, user: User, admin_client: Client) -> None:
    assert fail(api_client) == 429
    events = AuthEvent.objects.filter(type=EventType.LOCKOUT)
    response = admin_client.post(
        "/admin/apiauth/authevent/",
        {"action": "unlock", "_selected_action": [str(e.pk) for e in events]},
        follow=True,
    )
    assert b"Unlocked 1 account(s) and 1 network(s)." in response.content
    assert fail(api_client, times=1) == 401


def test_admin_action_is_for_superusers(admin_client: Client, password: str) -> None:
    from django.contrib.auth.models import Permission

    def actions(client: Client) -> list[str]:
        form = client.get("/admin/apiauth/authevent/").context["action_form"]
        return [] if form is None else [name for name, _ in form.fields["action"].choices]

    assert "unlock" in actions(admin_client)
    clerk = create_user("clerk", password=password, is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_authevent"))
    staff = Client()
    staff.force_login(clerk)
    assert "unlock" not in actions(staff)
