"""Self-service endpoints ``/auth/api-keys/...``: the contract, the scope rule, bad input, ownership."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission, User
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from django_apiauth.api_keys.service import IssuedKey
from django_apiauth.models import APIKey, AuthEvent, EventType
from tests.support.users import create_user, login_name

pytestmark = pytest.mark.django_db
LIST = "/auth/api-keys/"
PUBLIC_FIELDS = {
    "id", "name", "key_prefix", "scopes", "state", "created_at", "expires_at", "last_used_at", "rotated_at",
    "previous_key_expires_at", "revoked_at",
}  # fmt: skip


def only_read(user: Any) -> list[str]:
    """A custom ``API_KEY_SCOPE_POLICY`` for the tests."""
    return ["read"]


@pytest.fixture
def client(api_client: APIClient, user: User) -> APIClient:
    api_client.force_login(user)
    return api_client


def create(client: APIClient, **body: Any) -> Any:
    return client.post(LIST, {"name": "ci", **body}, format="json")


def assert_error(response: Any, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert body["error"] == error
    assert body["error_description"]
    return body


# --- create, list, show ----------------------------------------------------------------------------------------


def test_create_shows_the_key_once(client: APIClient, api_client: APIClient) -> None:
    response = create(client, scopes=["write", "read", "read"])
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == PUBLIC_FIELDS | {"key"}
    assert body["scopes"] == ["read", "write"]
    assert body["state"] == "active"
    assert body["key"].startswith(body["key_prefix"].rstrip("…"))
    secret = body["key"].rsplit("_", 1)[1]
    listed = client.get(LIST)
    shown = client.get(f"{LIST}{body['id']}/")
    for response in (listed, shown):
        assert response.status_code == 200
        assert secret[:20] not in response.content.decode()
    assert [set(item) for item in listed.json()] == [PUBLIC_FIELDS]
    assert shown.json()["id"] == body["id"]
    whoami = APIClient().get("/api/whoami/", HTTP_X_API_KEY=body["key"]).json()
    assert whoami == {"user": login_name("alice"), "auth": "api_key", "scopes": ["read", "write"]}


def test_list_shows_only_own_keys_newest_first(
    client: APIClient, issue_key: Callable[..., IssuedKey], password: str
) -> None:
    other = create_user("mallory", password=password)
    issue_key(owner=other, name="not yours")
    first = create(client, name="first").json()
    second = create(client, name="second").json()
    client.delete(f"{LIST}{first['id']}/")
    listed = client.get(LIST).json()
    assert [(k["name"], k["state"]) for k in listed] == [("second", "active"), ("first", "revoked")]
    assert listed[0]["id"] == second["id"]


def test_default_lifetime_and_choices(client: APIClient) -> None:
    with time_machine.travel(timezone.now(), tick=False):
        now = timezone.now()
        cases = {
            None: create(client).json()["expires_at"],
            "3600": create(client, expires_in=3600).json()["expires_at"],
            "30d": create(client, expires_in="30d").json()["expires_at"],
            "never": create(client, expires_in=None).json()["expires_at"],
        }
    assert parse_datetime(cases[None]) == now + timedelta(days=90)
    assert parse_datetime(cases["3600"]) == now + timedelta(hours=1)
    assert parse_datetime(cases["30d"]) == now + timedelta(days=30)
    assert cases["never"] is None


def test_maximum_lifetime(client: APIClient, apiauth: Any) -> None:
    apiauth(API_KEY_MAX_LIFETIME=timedelta(days=30))
    assert_error(create(client, expires_in=None), 400, "invalid_request")
    assert_error(create(client, expires_in="31d"), 400, "invalid_request")
    capped = create(client).json()  # the 90-day default is capped at the maximum
    assert parse_datetime(capped["expires_at"]) - parse_datetime(capped["created_at"]) == timedelta(days=30)


# --- who may grant what ----------------------------------------------------------------------------------------


def test_a_user_cannot_grant_scopes_they_do_not_hold(client: APIClient, user: User) -> None:
    body = assert_error(create(client, scopes=["read", "admin"]), 400, "invalid_scope")
    assert "admin" in body["error_description"]
    assert_error(create(client, scopes=["billing"]), 400, "invalid_scope")
    assert not APIKey.objects.exists()


def test_staff_may_grant_staff_scopes(client: APIClient, user: User) -> None:
    get_user_model().objects.filter(pk=user.pk).update(is_staff=True)
    assert create(client, scopes=["admin"]).status_code == 201
    assert_error(create(client, scopes=["billing"]), 400, "invalid_scope")


def test_a_permission_unlocks_its_scope(client: APIClient, user: User) -> None:
    user.user_permissions.add(Permission.objects.get(codename="view_group", content_type__app_label="auth"))
    assert create(client, scopes=["billing"]).json()["scopes"] == ["billing"]


def test_superusers_may_grant_every_configured_scope(client: APIClient, user: User) -> None:
    get_user_model().objects.filter(pk=user.pk).update(is_superuser=True)
    assert create(client, scopes=["admin", "billing", "read", "write"]).status_code == 201
    assert_error(create(client, scopes=["made-up"]), 400, "invalid_scope")


def test_the_policy_is_configurable(client: APIClient, apiauth: Any) -> None:
    apiauth(API_KEY_SCOPE_POLICY="tests.test_api_key_endpoints.only_read")
    assert create(client, scopes=["read"]).status_code == 201
    assert_error(create(client, scopes=["write"]), 400, "invalid_scope")


def test_a_scoped_credential_narrows_what_it_may_grant(api_client: APIClient, user: User) -> None:
    api_client.force_authenticate(user, token={"scope": "read"})
    assert create(api_client, scopes=["read"]).status_code == 201
    assert_error(create(api_client, scopes=["write"]), 400, "invalid_scope")


# --- revoke and rotate -----------------------------------------------------------------------------------------


def test_revoke(client: APIClient) -> None:
    created = create(client).json()
    response = client.delete(f"{LIST}{created['id']}/")
    assert response.status_code == 204
    assert APIClient().get("/api/whoami/", HTTP_X_API_KEY=created["key"]).status_code == 401
    assert client.delete(f"{LIST}{created['id']}/").status_code == 204  # idempotent
    assert AuthEvent.objects.filter(type=EventType.API_KEY_REVOKED).count() == 1
    assert client.get(f"{LIST}{created['id']}/").json()["state"] == "revoked"


def test_rotate(client: APIClient) -> None:
    created = create(client, scopes=["read"]).json()
    response = client.post(f"{LIST}{created['id']}/rotate/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    rotated = response.json()
    assert rotated["id"] == created["id"]
    assert rotated["key"] != created["key"]
    assert rotated["key_prefix"] == created["key_prefix"]
    assert rotated["scopes"] == ["read"]
    assert parse_datetime(rotated["previous_key_expires_at"]) - parse_datetime(rotated["rotated_at"]) == timedelta(
        hours=24
    )
    anonymous = APIClient()
    assert anonymous.get("/api/whoami/", HTTP_X_API_KEY=created["key"]).status_code == 200
    assert anonymous.get("/api/whoami/", HTTP_X_API_KEY=rotated["key"]).status_code == 200


def test_revoked_or_expired_keys_cannot_be_rotated(client: APIClient) -> None:
    revoked = create(client).json()
    client.delete(f"{LIST}{revoked['id']}/")
    assert_error(client.post(f"{LIST}{revoked['id']}/rotate/"), 400, "invalid_request")
    expired = create(client, expires_in=60).json()
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert_error(client.post(f"{LIST}{expired['id']}/rotate/"), 400, "invalid_request")


@pytest.mark.parametrize("key_id", ["999", "0", "9" * 30, str(2**63)])
@pytest.mark.parametrize(("method", "suffix"), [("get", ""), ("delete", ""), ("post", "rotate/")])
def test_unknown_keys_are_404(client: APIClient, key_id: str, method: str, suffix: str) -> None:
    assert_error(getattr(client, method)(f"{LIST}{key_id}/{suffix}"), 404, "not_found")


@pytest.mark.parametrize(("method", "suffix"), [("get", ""), ("delete", ""), ("post", "rotate/")])
def test_other_users_keys_are_404(
    client: APIClient, issue_key: Callable[..., IssuedKey], password: str, method: str, suffix: str
) -> None:
    theirs = issue_key(owner=create_user("mallory", password=password))
    assert_error(getattr(client, method)(f"{LIST}{theirs.key.pk}/{suffix}"), 404, "not_found")
    theirs.key.refresh_from_db()
    assert theirs.key.revoked_at is None
    assert theirs.key.rotated_at is None


# --- who may call ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [("get", LIST), ("post", LIST), ("delete", f"{LIST}1/")])
def test_anonymous_is_refused(api_client: APIClient, method: str, path: str) -> None:
    response = getattr(api_client, method)(path)
    assert response.status_code in (401, 403)
    assert set(response.json()) >= {"error", "error_description"}


def test_an_api_key_cannot_manage_keys(api_client: APIClient, issue_key: Callable[..., IssuedKey]) -> None:
    """A leaked key must not be able to mint, rotate or revoke keys."""
    issued = issue_key(scopes=["read"])
    headers = {"HTTP_X_API_KEY": issued.plaintext}
    assert api_client.get(LIST, **headers).status_code in (401, 403)
    assert api_client.post(LIST, {"name": "x"}, format="json", **headers).status_code in (401, 403)
    assert api_client.post(f"{LIST}{issued.key.pk}/rotate/", **headers).status_code in (401, 403)
    assert api_client.delete(f"{LIST}{issued.key.pk}/", **headers).status_code in (401, 403)
    assert APIKey.objects.count() == 1
    issued.key.refresh_from_db()
    assert issued.key.revoked_at is None


def test_session_writes_need_the_csrf_token(user: User) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(LIST, {"name": "x"}, format="json")
    assert response.status_code == 403
    assert not APIKey.objects.exists()


def test_per_user_limit(client: APIClient, apiauth: Any) -> None:
    apiauth(API_KEY_MAX_PER_USER=2)
    first = create(client).json()
    create(client)
    assert_error(create(client), 400, "invalid_request")
    client.delete(f"{LIST}{first['id']}/")
    assert create(client).status_code == 201


# --- bad input -------------------------------------------------------------------------------------------------

BAD_BODIES: list[Any] = [
    pytest.param({}, id="no-name"),
    pytest.param({"name": ""}, id="empty-name"),
    pytest.param({"name": "   "}, id="blank-name"),
    pytest.param({"name": "x" * 101}, id="long-name"),
    pytest.param({"name": "bell\x07"}, id="control-char"),
    pytest.param({"name": "nul\x00"}, id="nul"),
    pytest.param({"name": ["a"]}, id="name-list"),
    pytest.param({"name": {"a": 1}}, id="name-object"),
    pytest.param({"name": "ok", "scopes": "read"}, id="scopes-string"),
    pytest.param({"name": "ok", "scopes": [{"a": 1}]}, id="scope-object"),
    pytest.param({"name": "ok", "scopes": ["x" * 65]}, id="scope-long"),
    pytest.param({"name": "ok", "scopes": ["read"] * 33}, id="too-many-scopes"),
    pytest.param({"name": "ok", "expires_in": True}, id="expires-bool"),
    pytest.param({"name": "ok", "expires_in": 0}, id="expires-zero"),
    pytest.param({"name": "ok", "expires_in": -5}, id="expires-negative"),
    pytest.param({"name": "ok", "expires_in": 1.5}, id="expires-float"),
    pytest.param({"name": "ok", "expires_in": 10**30}, id="expires-huge"),
    pytest.param({"name": "ok", "expires_in": "999999999w"}, id="expires-overflow"),
    pytest.param({"name": "ok", "expires_in": "soon"}, id="expires-text"),
    pytest.param({"name": "ok", "expires_in": "9" * 10_000}, id="expires-long-text"),
    pytest.param({"name": "ok", "expires_in": ["30d"]}, id="expires-list"),
    pytest.param({"name": "ok", "expires_in": "\u0663d"}, id="expires-arabic-indic-digit"),
    pytest.param({"name": "ok", "expires_in": "\uff13\uff10d"}, id="expires-fullwidth-digits"),
    pytest.param({"name": "ok", "expires_in": "30d\u2003"}, id="expires-unicode-space"),
    pytest.param(["name"], id="body-list"),
    pytest.param("just a string", id="body-string"),
]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_bad_bodies_answer_400_json(client: APIClient, body: Any) -> None:
    assert_error(client.post(LIST, body, format="json"), 400, "invalid_request")
    assert not APIKey.objects.exists()


@pytest.mark.parametrize(
    ("payload", "content_type"),
    [("{not json", "application/json"), ("\xff\xfe", "application/json"), ("<xml/>", "application/xml")],
)
def test_unparseable_bodies_answer_4xx_json(client: APIClient, payload: str, content_type: str) -> None:
    response = client.generic("POST", LIST, payload, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert response.json()["error"] == "invalid_request"


def test_unknown_scope_is_invalid_scope(client: APIClient) -> None:
    assert_error(create(client, scopes=["nope"]), 400, "invalid_scope")


# --- events ----------------------------------------------------------------------------------------------------


def test_events_identify_keys_without_secrets(client: APIClient, user: User) -> None:
    created = create(client, scopes=["read"]).json()
    rotated = client.post(f"{LIST}{created['id']}/rotate/").json()
    client.delete(f"{LIST}{created['id']}/")
    events = {e.type: e for e in AuthEvent.objects.all()}
    assert set(events) == {EventType.API_KEY_CREATED, EventType.API_KEY_ROTATED, EventType.API_KEY_REVOKED}
    for event in events.values():
        assert event.user == user
        assert event.details["api_key_id"] == created["id"]
        assert event.details["source"] == "api"
        dump = str(event.details)
        assert created["key"].rsplit("_", 1)[1][:20] not in dump
        assert rotated["key"].rsplit("_", 1)[1][:20] not in dump
    assert events[EventType.API_KEY_CREATED].details["scopes"] == ["read"]
    assert events[EventType.API_KEY_ROTATED].details["overlap_ends_at"]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)
FIELDS = st.sampled_from(["name", "scopes", "expires_in", "other"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(FIELDS, JSON | st.sampled_from(["read", ["read"], "30d", 60])) | JSON)
def test_fuzzed_bodies_answer_201_or_4xx_json(client: APIClient, body: Any) -> None:
    response = client.post(LIST, body, format="json")
    assert response.status_code in (201, 400), response.content
    if response.status_code == 400:
        assert response.json()["error"] in ("invalid_request", "invalid_scope")
    else:
        client.delete(f"{LIST}{response.json()['id']}/")  # stay under the per-user limit
