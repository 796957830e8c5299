"""API keys in the admin: create (key shown once), revoke action, lists without secrets, form validation."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Permission, User
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from django_apiauth.api_keys.service import IssuedKey
from django_apiauth.models import APIKey, AuthEvent, EventType
from tests.support.users import create_user

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/apiauth/apikey/"
KEY_PATTERN = re.compile(r"apiauth_[0-9A-Za-z]{12}(?:[0-9A-Za-z]{4})?_[0-9A-Za-z]{49}")


def add(client: Client, owner: User, **fields: Any) -> Any:
    data = {"owner": owner.pk, "name": "deploy", "scopes": "read, write", "lifetime": "", **fields}
    return client.post(f"{CHANGELIST}add/", data, follow=True)


def test_add_shows_the_key_once_and_stores_only_its_hash(admin_client: Client, user: User) -> None:
    response = add(admin_client, user)
    assert response.status_code == 200
    page = response.content.decode()
    (plaintext,) = set(KEY_PATTERN.findall(page))
    key = APIKey.objects.get()
    assert (key.owner, key.name, key.scopes) == (user, "deploy", ["read", "write"])
    assert key.expires_at is not None
    assert plaintext.split("_")[1] == key.lookup_id
    assert "will not be shown again" in page
    # The key works, and no later page shows it again.
    from rest_framework.test import APIClient

    assert APIClient().get("/api/whoami/", HTTP_X_API_KEY=plaintext).status_code == 200
    for url in (CHANGELIST, f"{CHANGELIST}{key.pk}/change/", f"{CHANGELIST}{key.pk}/history/"):
        later = admin_client.get(url).content.decode()
        assert plaintext[-49:-6] not in later
        assert key.secret_hash not in later
    event = AuthEvent.objects.get(type=EventType.API_KEY_CREATED)
    assert event.details["source"] == "admin"
    assert event.details["actor_id"] != user.pk


def test_add_never_expires(admin_client: Client, user: User) -> None:
    add(admin_client, user, lifetime="never")
    assert APIKey.objects.get().expires_at is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"scopes": "read, nope"}, "Unknown scope"),
        ({"lifetime": "soon"}, "duration"),
        ({"lifetime": "999999999w"}, "duration"),
        ({"lifetime": "0s"}, "positive"),
        ({"name": "   "}, "name"),
    ],
)
def test_add_form_errors(admin_client: Client, user: User, fields: dict[str, str], message: str) -> None:
    response = add(admin_client, user, **fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not APIKey.objects.exists()


def test_add_needs_an_owner_or_a_service(admin_client: Client) -> None:
    response = admin_client.post(f"{CHANGELIST}add/", {"owner": "", "name": "x", "scopes": "", "lifetime": ""})
    assert response.status_code == 200
    assert "exactly one of the two" in response.content.decode()
    assert "apiauth_apikey_owner_xor_service" not in response.content.decode()
    assert not APIKey.objects.exists()


def test_add_respects_the_per_user_limit(admin_client: Client, user: User, apiauth: Any) -> None:
    apiauth(API_KEY_MAX_PER_USER=1)
    add(admin_client, user)
    response = add(admin_client, user)
    assert "revoke one first" in response.content.decode()
    assert APIKey.objects.count() == 1


def test_changelist_shows_owner_prefix_scopes_state(
    admin_client: Client, issue_key: Callable[..., IssuedKey], user: User
) -> None:
    issued = issue_key(name="ci", scopes=["read"])
    page = admin_client.get(CHANGELIST).content.decode()
    for expected in ("ci", "alice", f"apiauth_{issued.key.lookup_id}_", "read", "Active"):
        assert expected in page
    assert issued.key.secret_hash not in page
    for state in ("active", "expired", "revoked"):
        assert admin_client.get(CHANGELIST, {"state": state}).status_code == 200
    assert "ci" in admin_client.get(CHANGELIST, {"q": "alice"}).content.decode()


def test_state_filter(admin_client: Client, issue_key: Callable[..., IssuedKey]) -> None:
    from datetime import timedelta

    from django.utils import timezone

    issue_key(name="live-one")
    gone = issue_key(name="gone-one")
    old = issue_key(name="old-one")
    APIKey.objects.filter(pk=gone.key.pk).update(revoked_at=timezone.now())
    APIKey.objects.filter(pk=old.key.pk).update(expires_at=timezone.now() - timedelta(days=1))
    for state, name in (("active", "live-one"), ("revoked", "gone-one"), ("expired", "old-one")):
        page = admin_client.get(CHANGELIST, {"state": state}).content.decode()
        shown = {n for n in ("live-one", "gone-one", "old-one") if n in page}
        assert shown == {name}, state


def test_revoke_action(admin_client: Client, issue_key: Callable[..., IssuedKey]) -> None:
    first, second = issue_key(name="a"), issue_key(name="b")
    response = admin_client.post(
        CHANGELIST, {"action": "revoke_selected", "_selected_action": [first.key.pk, second.key.pk]}, follow=True
    )
    assert "Revoked 2 API key(s)." in response.content.decode()
    assert not APIKey.objects.filter(revoked_at__isnull=True).exists()
    assert AuthEvent.objects.filter(type=EventType.API_KEY_REVOKED).count() == 2
    admin_client.post(CHANGELIST, {"action": "revoke_selected", "_selected_action": [first.key.pk]})
    assert AuthEvent.objects.filter(type=EventType.API_KEY_REVOKED).count() == 2  # already revoked: no-op


def test_change_form_edits_name_and_scopes_only(admin_client: Client, issue_key: Callable[..., IssuedKey]) -> None:
    issued = issue_key(name="old", scopes=["read"])
    url = f"{CHANGELIST}{issued.key.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert 'name="secret_hash"' not in page
    assert issued.key.secret_hash not in page
    response = admin_client.post(url, {"name": "new", "scopes": "read write", "expires_at_0": "", "expires_at_1": ""})
    assert response.status_code == 302
    issued.key.refresh_from_db()
    assert (issued.key.name, issued.key.scopes, issued.key.expires_at) == ("new", ["read", "write"], None)
    bad = admin_client.post(url, {"name": "new", "scopes": "root", "expires_at_0": "", "expires_at_1": ""})
    assert "Unknown scope" in bad.content.decode()


# --- the show-once key travels in one response only ---------------------------------------------------------


def test_the_created_key_is_on_the_posts_own_response_and_in_no_cookie(
    admin_client: Client, user: User, settings: Any
) -> None:
    """Django's messages cookie is signed, not encrypted: a key put in a message is readable from it."""
    settings.MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"
    response = admin_client.post(
        f"{CHANGELIST}add/", {"owner": user.pk, "name": "deploy", "scopes": "read", "lifetime": ""}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    (plaintext,) = set(KEY_PATTERN.findall(response.content.decode()))
    secret = plaintext.rsplit("_", 1)[1][:20]
    for cookie in response.cookies.values():
        assert secret not in cookie.value
        stored = CookieStorage(HttpRequest())._decode(cookie.value) if cookie.key == "messages" else None
        assert secret not in str([str(m) for m in stored or []])
    later = admin_client.get(CHANGELIST)
    assert secret not in later.content.decode()
    assert all(secret not in cookie.value for cookie in later.cookies.values())


def test_the_created_key_page_links_onwards(admin_client: Client, user: User) -> None:
    response = admin_client.post(
        f"{CHANGELIST}add/", {"owner": user.pk, "name": "deploy", "scopes": "", "lifetime": "", "_addanother": "1"}
    )
    page = response.content.decode()
    key = APIKey.objects.get()
    assert f"{CHANGELIST}{key.pk}/change/" in page
    assert f"{CHANGELIST}add/" in page


# --- deleting goes through the service ---------------------------------------------------------------------


def test_delete_view_revokes_with_an_event_before_deleting(
    admin_client: Client, issue_key: Callable[..., IssuedKey]
) -> None:
    issued = issue_key(name="doomed")
    response = admin_client.post(f"{CHANGELIST}{issued.key.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not APIKey.objects.exists()
    event = AuthEvent.objects.get(type=EventType.API_KEY_REVOKED)
    assert event.details["api_key_id"] == issued.key.pk
    assert event.details["source"] == "admin"


def test_delete_selected_revokes_live_keys_with_events(
    admin_client: Client, issue_key: Callable[..., IssuedKey]
) -> None:
    live, revoked = issue_key(name="a"), issue_key(name="b")
    APIKey.objects.filter(pk=revoked.key.pk).update(revoked_at=timezone.now())
    admin_client.post(
        CHANGELIST,
        {"action": "delete_selected", "_selected_action": [live.key.pk, revoked.key.pk], "post": "yes"},
    )
    assert not APIKey.objects.exists()
    events = AuthEvent.objects.filter(type=EventType.API_KEY_REVOKED)
    assert [e.details["api_key_id"] for e in events] == [live.key.pk]  # the revoked one was already ended
    assert APIClient().get("/api/whoami/", HTTP_X_API_KEY=live.plaintext).status_code == 401


# --- edits go through the service ---------------------------------------------------------------------------


def _change(client: Client, key: APIKey, expires_at: datetime | None, **fields: Any) -> Any:
    when = timezone.localtime(expires_at) if expires_at else None
    data = {
        "name": key.name,
        "scopes": ", ".join(key.scopes),
        "expires_at_0": when.strftime("%Y-%m-%d") if when else "",
        "expires_at_1": when.strftime("%H:%M:%S") if when else "",
        **fields,
    }
    return client.post(f"{CHANGELIST}{key.pk}/change/", data)


def test_an_expired_key_cannot_be_revived_from_the_admin(
    admin_client: Client, issue_key: Callable[..., IssuedKey], apiauth: Any
) -> None:
    apiauth(API_KEY_MAX_LIFETIME=timedelta(days=30), API_KEY_DEFAULT_LIFETIME=timedelta(days=1))
    issued = issue_key(name="old")
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        response = _change(admin_client, issued.key, datetime(2036, 1, 1, tzinfo=UTC))
        assert response.status_code == 200
        assert "cannot be revived" in response.content.decode()
    issued.key.refresh_from_db()
    assert issued.key.expires_at is not None
    assert issued.key.expires_at < timezone.now() + timedelta(days=2)
    assert not AuthEvent.objects.filter(type=EventType.API_KEY_UPDATED).exists()


def test_a_live_key_cannot_be_extended_past_the_maximum_lifetime(
    admin_client: Client, issue_key: Callable[..., IssuedKey], apiauth: Any
) -> None:
    apiauth(API_KEY_MAX_LIFETIME=timedelta(days=30), API_KEY_DEFAULT_LIFETIME=timedelta(days=1))
    issued = issue_key(name="live")
    response = _change(admin_client, issued.key, timezone.now() + timedelta(days=365))
    assert "at most 30 days" in response.content.decode()
    never = _change(admin_client, issued.key, None)
    assert "must expire within" in never.content.decode()
    ok = _change(admin_client, issued.key, timezone.now() + timedelta(days=10), name="renamed")
    assert ok.status_code == 302
    event = AuthEvent.objects.get(type=EventType.API_KEY_UPDATED)
    assert event.details["changed"] == ["name", "expires_at"]
    assert event.details["source"] == "admin"


def test_an_unchanged_save_records_nothing(admin_client: Client, issue_key: Callable[..., IssuedKey]) -> None:
    issued = issue_key(name="same", scopes=["read"])
    assert _change(admin_client, issued.key, issued.key.expires_at).status_code == 302
    assert not AuthEvent.objects.filter(type=EventType.API_KEY_UPDATED).exists()


def test_a_clerk_may_add_only_scopes_they_could_grant(
    client: Client, issue_key: Callable[..., IssuedKey], user: User, apiauth: Any
) -> None:
    apiauth(SCOPES={"read": {"grant": "anyone"}, "admin": {"grant": "superuser"}})
    clerk = create_user("clerk", password="pw-clerk-123456", is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["change_apikey", "view_apikey"]))
    client.force_login(clerk)
    issued = issue_key(name="ci", scopes=["read"])
    response = _change(client, issued.key, issued.key.expires_at, scopes="read, admin")
    assert "You may not grant scope" in response.content.decode()
    issued.key.refresh_from_db()
    assert issued.key.scopes == ["read"]
