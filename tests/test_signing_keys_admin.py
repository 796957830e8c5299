"""Signing keys in the admin: read-only list without private material, rotate and retire actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.test import Client

from django_apiauth.models.events import AuthEvent, EventType
from django_apiauth.models.signing_keys import SigningKey, SigningKeyState
from django_apiauth.signing_keys.rotation import ensure_active_key, rotate
from tests.support.users import create_user, login_name

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/apiauth/signingkey/"


def action(client: Client, name: str, *keys: SigningKey) -> Any:
    data = {"action": name, "_selected_action": [str(k.pk) for k in keys]}
    return client.post(CHANGELIST, data, follow=True)


def test_changelist_shows_keys_but_no_private_material(admin_client: Client) -> None:
    key = ensure_active_key()
    response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert key.kid in html
    assert "gAAAA" not in html
    detail = admin_client.get(f"{CHANGELIST}{key.pk}/change/").content.decode()
    assert key.kid in detail
    assert key.public_jwk["n"][:20] in detail
    assert "ciphertext" not in detail
    assert "gAAAA" not in detail


def test_rows_are_read_only(admin_client: Client) -> None:
    key = ensure_active_key()
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403
    assert admin_client.post(f"{CHANGELIST}{key.pk}/delete/", {"post": "yes"}).status_code == 403
    admin_client.post(f"{CHANGELIST}{key.pk}/change/", {"state": "retired"})
    key.refresh_from_db()
    assert key.state == SigningKeyState.ACTIVE


def test_rotate_now_action(admin_client: Client) -> None:
    old = ensure_active_key()
    response = action(admin_client, "rotate_now", old)
    old.refresh_from_db()
    assert old.state == SigningKeyState.RETIRING
    assert "now signs" in response.content.decode()
    event = AuthEvent.objects.filter(type=EventType.SIGNING_KEY_ROTATED).latest("pk")
    assert event.user is not None
    assert event.user.get_username() == login_name("admin")  # pytest-django's admin_user


def test_retire_selected_refuses_the_only_active_key(admin_client: Client) -> None:
    active = ensure_active_key()
    response = action(admin_client, "retire_selected", active)
    assert "is the only active RS256 key and was not retired: rotate first." in response.content.decode()
    active.refresh_from_db()
    assert active.state == SigningKeyState.ACTIVE


def test_retire_selected_retires_early_with_a_warning(admin_client: Client) -> None:
    old = ensure_active_key()
    rotate()
    response = action(admin_client, "retire_selected", old)
    html = response.content.decode()
    assert "Retired 1 key(s)." in html
    assert "retired early" in html
    old.refresh_from_db()
    assert old.state == SigningKeyState.RETIRED


def test_actions_need_the_change_permission(client: Client) -> None:
    viewer = create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_signingkey"))
    client.force_login(viewer)
    key = ensure_active_key()
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert "rotate_now" not in response.content.decode()
    action(client, "rotate_now", key)
    key.refresh_from_db()
    assert key.state == SigningKeyState.ACTIVE


def test_age_column_flags_due_rotation(admin_client: Client, apiauth: Callable[..., None]) -> None:
    apiauth(SIGNING_KEY_ROTATION_PERIOD=60)
    rotate()
    assert "(rotation due)" not in admin_client.get(CHANGELIST).content.decode()
    with time_machine.travel(timedelta(minutes=5)):
        assert "(rotation due)" in admin_client.get(CHANGELIST).content.decode()
