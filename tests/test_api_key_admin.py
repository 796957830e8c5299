"""API keys in the admin: create (key shown once), revoke action, lists without secrets, form validation."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from django_apiauth.api_keys.service import IssuedKey
from django_apiauth.models import APIKey, AuthEvent, EventType

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/apiauth/apikey/"
KEY_PATTERN = re.compile(r"apiauth_[0-9A-Za-z]{12}_[0-9A-Za-z]{49}")


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
