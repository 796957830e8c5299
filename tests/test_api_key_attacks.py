"""Attacks on API keys: loosely typed request bodies, secrets in ``repr``, and staff members minting or widening
a key that outranks them in the admin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from rest_framework.test import APIClient

from django_apiauth.api_keys.authenticate import authenticate_api_key
from django_apiauth.api_keys.cache import verified_keys
from django_apiauth.api_keys.service import rotate_api_key
from django_apiauth.models import APIKey
from tests.support.oauth_errors import assert_oauth_error
from tests.support.users import create_user

pytestmark = pytest.mark.django_db
LIST = "/auth/api-keys/"
SCOPES_WITH_A_PERMISSION = {"read": {"grant": "anyone"}, "billing": {"grant": "perm:apiauth.delete_apikey"}}


@pytest.fixture
def client(api_client: APIClient, user: User) -> APIClient:
    api_client.force_login(user)
    return api_client


@pytest.mark.parametrize("name", [5, 1.5, True])
def test_key_name_must_be_a_json_string(client: APIClient, name: object) -> None:
    """DRF's CharField turns numbers and booleans into text; the contract asks for a string."""
    response = client.post(LIST, {"name": name}, format="json")

    assert assert_oauth_error(response, 400, "invalid_request")["fields"]["name"]
    assert not APIKey.objects.exists()


@pytest.mark.parametrize("scope", [1, True, 2.5])
def test_scopes_must_be_json_strings(client: APIClient, scope: object) -> None:
    response = client.post(LIST, {"name": "n", "scopes": [scope]}, format="json")

    assert assert_oauth_error(response, 400, "invalid_request")["fields"]["scopes"]
    assert not APIKey.objects.exists()


def test_cached_key_row_repr_shows_no_secret_hash(issue_key: Any) -> None:
    """``KeyRow`` is what the hot path holds in locals and in its cache: tracebacks and debuggers print it."""
    issued = issue_key()
    rotate_api_key(issued.key.pk)
    key = APIKey.objects.get(pk=issued.key.pk)
    authenticate_api_key(rotate_api_key(key.pk).plaintext)
    row = verified_keys.get(key.lookup_id)
    assert row is not None

    text = repr(row)

    assert key.lookup_id in text
    for digest in (key.secret_hash, key.previous_secret_hash, row.secret_hash, row.previous_secret_hash):
        assert digest
        assert digest not in text


@pytest.fixture
def staff_client(password: str) -> Callable[..., Client]:
    """``staff_client(username, *codenames)``: a logged-in staff member holding only those permissions."""

    def make(username: str, *codenames: str) -> Client:
        member = create_user(username, password=password, is_staff=True)
        member.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
        client = Client()
        client.force_login(member)
        return client

    return make


@pytest.fixture
def key_clerk(staff_client: Callable[..., Client]) -> Client:
    return staff_client("clerk", "add_apikey", "view_apikey")


@pytest.fixture
def key_editor(staff_client: Callable[..., Client]) -> Client:
    return staff_client("editor", "change_apikey", "view_apikey")


def _admin_add(client: Client, owner: User, scopes: str) -> Any:
    data = {"owner": owner.pk, "name": "deploy", "scopes": scopes, "lifetime": ""}
    return client.post("/admin/apiauth/apikey/add/", data, follow=True)


def _admin_change(client: Client, key: APIKey, scopes: str) -> Any:
    data = {"name": key.name, "scopes": scopes, "expires_at_0": "", "expires_at_1": ""}
    return client.post(f"/admin/apiauth/apikey/{key.pk}/change/", data, follow=True)


def test_non_superuser_cannot_create_a_key_for_a_superuser(key_clerk: Client, password: str) -> None:
    root = create_user("root", password, is_staff=True, is_superuser=True)

    response = _admin_add(key_clerk, root, "read")

    assert response.status_code == 200
    assert "Only superusers may create keys for staff members or superusers." in response.content.decode()
    assert not APIKey.objects.exists()


def test_non_superuser_cannot_grant_a_scope_they_do_not_hold(key_clerk: Client, user: User, apiauth: Any) -> None:
    apiauth(SCOPES=SCOPES_WITH_A_PERMISSION)

    response = _admin_add(key_clerk, user, "read, billing")

    assert "You may not grant scope &#x27;billing&#x27;." in response.content.decode()
    assert not APIKey.objects.exists()
    ok = _admin_add(key_clerk, user, "read")
    assert ok.status_code == 200
    assert APIKey.objects.get().scopes == ["read"]
    assert APIKey.objects.get().owner == user


def test_change_form_cannot_add_scopes_the_editor_does_not_hold(
    key_editor: Client, issue_key: Callable[..., Any], apiauth: Any
) -> None:
    apiauth(SCOPES=SCOPES_WITH_A_PERMISSION)
    key = issue_key(scopes=["read"]).key

    response = _admin_change(key_editor, key, "read, billing")

    assert "You may not grant scope &#x27;billing&#x27;." in response.content.decode()
    key.refresh_from_db()
    assert key.scopes == ["read"]


def test_change_form_cannot_widen_a_superusers_key(
    key_editor: Client, issue_key: Callable[..., Any], password: str, apiauth: Any
) -> None:
    apiauth(SCOPES={"read": {"grant": "anyone"}, "write": {"grant": "anyone"}})
    root = create_user("root", password, is_staff=True, is_superuser=True)
    key = issue_key(owner=root, scopes=["read"]).key

    response = _admin_change(key_editor, key, "read, write")

    assert "Only superusers may widen keys of staff members or superusers." in response.content.decode()
    key.refresh_from_db()
    assert key.scopes == ["read"]
    narrowed = _admin_change(key_editor, key, "")
    assert narrowed.status_code == 200
    key.refresh_from_db()
    assert key.scopes == []
