"""Service keys: a key for a named service, with no human owner, that can never act as a person."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import Client
from rest_framework.test import APIClient

from django_apiauth.api_keys.exceptions import ScopeNotGrantable
from django_apiauth.api_keys.service import create_service_key, revoke_api_key, rotate_api_key
from django_apiauth.exceptions import InvalidRequest
from django_apiauth.models import APIKey, AuthEvent, EventType

pytestmark = pytest.mark.django_db

REPORTS = "/api/reports/"
WHOAMI = "/api/whoami/"


def _key_client(plaintext: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=plaintext)
    return client


def test_a_service_key_belongs_to_no_user() -> None:
    issued = create_service_key(service="nightly-export", name="cron", scopes=["read"])

    assert issued.key.owner is None
    assert issued.key.service == "nightly-export"
    assert issued.key.scopes == ["read"]


def test_the_database_holds_exactly_one_of_owner_and_service(user: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        APIKey.objects.create(name="both", owner=user, service="x", lookup_id="a" * 16, secret_hash="h")
    with pytest.raises(IntegrityError), transaction.atomic():
        APIKey.objects.create(name="neither", lookup_id="b" * 16, secret_hash="h")


def test_service_key_passes_has_scope_with_its_scopes_and_never_acts_as_a_user() -> None:
    issued = create_service_key(service="reporting", name="bi", scopes=["reports:read"])
    client = _key_client(issued.plaintext)

    assert client.get(REPORTS).status_code == 200  # HasScope: a credential of ours with the scope
    refused = client.get(WHOAMI)  # IsAuthenticated alone: a service is nobody
    assert refused.status_code in (401, 403)


def test_service_key_without_the_scope_is_refused_by_has_scope() -> None:
    issued = create_service_key(service="reporting", name="bi", scopes=["read"])
    response = _key_client(issued.plaintext).get(REPORTS)

    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"


def test_request_of_a_service_key_has_an_anonymous_user_and_the_key_in_auth() -> None:
    from django_apiauth.api_keys.authenticate import authenticate_api_key

    issued = create_service_key(service="nightly-export", name="cron", scopes=["admin"])

    user, auth = authenticate_api_key(issued.plaintext)

    assert user.is_anonymous
    assert not user.is_authenticated
    assert not user.is_staff
    assert not user.is_superuser
    assert auth.service == "nightly-export"
    assert auth.scopes == {"admin"}
    assert auth.is_machine
    assert not hasattr(auth, "user")
    assert not hasattr(auth, "owner")


def test_service_key_events_carry_the_service_name() -> None:
    issued = create_service_key(service="nightly-export", name="cron")
    rotate_api_key(issued.key.pk)
    revoke_api_key(issued.key.pk)
    _key_client(issued.plaintext).get(WHOAMI)  # revoked: rejected

    for event_type in (EventType.API_KEY_CREATED, EventType.API_KEY_ROTATED, EventType.API_KEY_REVOKED):
        event = AuthEvent.objects.get(type=event_type)
        assert event.details["service"] == "nightly-export"
        assert event.user_id is None
    rejected = AuthEvent.objects.get(type=EventType.API_KEY_REJECTED)
    assert rejected.details["service"] == "nightly-export"
    assert rejected.details["reason"] == "revoked"


def test_service_keys_are_not_counted_against_a_user_limit(apiauth: Any) -> None:
    apiauth(API_KEY_MAX_PER_USER=1)
    create_service_key(service="a", name="one")
    create_service_key(service="a", name="two")
    assert APIKey.objects.filter(service="a").count() == 2


@pytest.mark.parametrize("service", ["", "  ", "has space", "x" * 101, "-leading", "naïve"])
def test_service_names_are_checked(service: str) -> None:
    with pytest.raises(InvalidRequest):
        create_service_key(service=service, name="k")


def test_unknown_scopes_are_refused_on_a_service_key() -> None:
    with pytest.raises(ScopeNotGrantable):
        create_service_key(service="a", name="k", scopes=["root"])


def test_command_creates_a_service_key_and_prints_it_on_stdout() -> None:
    out, err = io.StringIO(), io.StringIO()

    call_command(
        "create_api_key", "--service", "partner-acme", "--name", "sync", "--scopes", "read", stdout=out, stderr=err
    )

    key = APIKey.objects.get()
    assert key.service == "partner-acme"
    assert key.owner is None
    assert out.getvalue().strip().startswith("apiauth_")
    assert "service partner-acme" in err.getvalue()
    assert _key_client(out.getvalue().strip()).get(REPORTS).status_code == 403


def test_command_needs_exactly_one_of_user_and_service(user: Any) -> None:
    with pytest.raises(CommandError):
        call_command("create_api_key", "--name", "x", stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError):
        call_command(
            "create_api_key", "--user", user.get_username(), "--service", "s", "--name", "x",
            stdout=io.StringIO(), stderr=io.StringIO(),
        )  # fmt: skip


def test_command_reports_a_bad_service_name() -> None:
    with pytest.raises(CommandError, match="service name"):
        call_command("create_api_key", "--service", "bad name", "--name", "x", stdout=io.StringIO())


def test_admin_creates_a_service_key(admin_client: Client) -> None:
    response = admin_client.post(
        "/admin/apiauth/apikey/add/",
        {"owner": "", "service": "etl", "name": "loader", "scopes": "read", "lifetime": ""},
    )

    assert response.status_code == 200  # the key is shown on the POST's own page
    key = APIKey.objects.get()
    assert f"apiauth_{key.lookup_id}_" in response.content.decode()
    assert (key.service, key.owner, key.scopes) == ("etl", None, ["read"])
    assert AuthEvent.objects.get(type=EventType.API_KEY_CREATED).details["service"] == "etl"
    assert "etl" in admin_client.get("/admin/apiauth/apikey/").content.decode()


def test_admin_refuses_both_owner_and_service(admin_client: Client, user: Any) -> None:
    response = admin_client.post(
        "/admin/apiauth/apikey/add/", {"owner": user.pk, "service": "etl", "name": "x", "scopes": "", "lifetime": ""}
    )
    page = response.content.decode()
    assert "exactly one of the two" in page
    # One message in the admin's words, not a second one naming the database constraint.
    assert "apiauth_apikey_owner_xor_service" not in page
    assert not APIKey.objects.exists()


def test_admin_refuses_a_bad_service_name(admin_client: Client) -> None:
    response = admin_client.post(
        "/admin/apiauth/apikey/add/", {"owner": "", "service": "a b", "name": "x", "scopes": "", "lifetime": ""}
    )
    assert "service name" in response.content.decode()
    assert not APIKey.objects.exists()
