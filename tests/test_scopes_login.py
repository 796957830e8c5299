"""Scopes over HTTP: asked at login, granted from the registry, narrowed (never widened) at refresh."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from django_apiauth.jwt.access import verify_access_token
from django_apiauth.models.refresh import RefreshToken
from tests.support.scopes import REFRESH, REPORTS, bearer_get, login_as

pytestmark = pytest.mark.django_db


def _refresh(token: str, **body: Any) -> Any:
    return APIClient().post(REFRESH, {"refresh_token": token, **body}, format="json")


def test_staff_user_asking_for_reports_gets_it_and_passes(api_client: APIClient, staff_user: Any) -> None:
    response = login_as(api_client, staff_user, scope="read reports:read")

    assert response.status_code == 200
    body = response.json()
    assert body["scope"] == "read reports:read"
    assert verify_access_token(body["access_token"])["scope"] == "read reports:read"
    reports = bearer_get(REPORTS, body["access_token"])
    assert reports.status_code == 200
    assert isinstance(reports.json()["reports"], list)


def test_ordinary_user_asking_for_reports_gets_a_token_without_it(api_client: APIClient, user: Any) -> None:
    response = login_as(api_client, user, scope="read reports:read")

    assert response.status_code == 200  # asking for more than allowed is not an error (RFC 6749 §3.3)
    assert response.json()["scope"] == "read"
    refused = bearer_get(REPORTS, response.json()["access_token"])
    assert refused.status_code == 403
    assert refused.json()["error"] == "insufficient_scope"


def test_without_scope_the_default_set_is_asked(api_client: APIClient, user: Any, apiauth: Any) -> None:
    apiauth(LOGIN_SCOPES=["read", "admin"])  # admin is for staff: left out for this user

    body = login_as(api_client, user).json()

    assert body["scope"] == "read"


def test_default_set_is_empty_by_default(api_client: APIClient, user: Any) -> None:
    body = login_as(api_client, user).json()

    assert body["scope"] == ""
    assert "scope" not in verify_access_token(body["access_token"])


@pytest.mark.parametrize("scope", ["nope read", "read read", "  read   nope  "])
def test_unknown_and_repeated_names_are_dropped(api_client: APIClient, user: Any, scope: str) -> None:
    response = login_as(api_client, user, scope=scope)

    assert response.status_code == 200
    assert response.json()["scope"] == "read"


def test_an_empty_scope_asks_for_nothing(api_client: APIClient, user: Any, apiauth: Any) -> None:
    apiauth(LOGIN_SCOPES=["read"])
    assert login_as(api_client, user, scope="").json()["scope"] == ""


def test_refresh_keeps_the_grant_when_no_scope_is_sent(api_client: APIClient, staff_user: Any) -> None:
    pair = login_as(api_client, staff_user, scope="read reports:read").json()

    refreshed = _refresh(pair["refresh_token"])

    assert refreshed.status_code == 200
    assert refreshed.json()["scope"] == "read reports:read"


def test_refresh_with_a_narrower_scope_narrows(api_client: APIClient, staff_user: Any) -> None:
    pair = login_as(api_client, staff_user, scope="read reports:read").json()

    narrowed = _refresh(pair["refresh_token"], scope="read")

    assert narrowed.status_code == 200
    assert narrowed.json()["scope"] == "read"
    assert bearer_get(REPORTS, narrowed.json()["access_token"]).status_code == 403
    # Narrowing one access token does not shrink the login: the next refresh may ask for the original again.
    again = _refresh(narrowed.json()["refresh_token"], scope="read reports:read")
    assert again.json()["scope"] == "read reports:read"


@pytest.mark.parametrize("scope", ["read write", "write", "reports:read", "read nope"])
def test_refresh_with_a_wider_scope_is_refused_and_consumes_nothing(
    api_client: APIClient, user: Any, scope: str
) -> None:
    pair = login_as(api_client, user, scope="read").json()

    widened = _refresh(pair["refresh_token"], scope=scope)

    assert widened.status_code == 400
    assert widened.json()["error"] == "invalid_scope"
    assert not RefreshToken.objects.exclude(used_at=None).exists()
    assert _refresh(pair["refresh_token"]).status_code == 200  # the token is still good


def test_losing_staff_drops_the_scope_at_the_next_refresh(api_client: APIClient, staff_user: Any) -> None:
    pair = login_as(api_client, staff_user, scope="read reports:read").json()
    staff_user.is_staff = False
    staff_user.save(update_fields=["is_staff"])

    refreshed = _refresh(pair["refresh_token"])

    assert refreshed.status_code == 200
    assert refreshed.json()["scope"] == "read"
    assert bearer_get(REPORTS, refreshed.json()["access_token"]).status_code == 403


def test_regaining_a_right_restores_the_original_grant(api_client: APIClient, staff_user: Any) -> None:
    pair = login_as(api_client, staff_user, scope="reports:read").json()
    staff_user.is_staff = False
    staff_user.save(update_fields=["is_staff"])
    lost = _refresh(pair["refresh_token"]).json()
    staff_user.is_staff = True
    staff_user.save(update_fields=["is_staff"])

    assert _refresh(lost["refresh_token"]).json()["scope"] == "reports:read"


def test_scope_granted_by_group_and_permission(
    api_client: APIClient, user: Any, apiauth: Any, make_user: Callable[..., Any]
) -> None:
    from django.contrib.auth.models import Group, Permission

    apiauth(
        SCOPES={
            "team": {"description": "Team", "grant": "group:auditors"},
            "billing": {"description": "Billing", "grant": "perm:apiauth.view_apikey"},
        }
    )
    group = Group.objects.create(name="auditors")
    member = make_user("carol")
    member.groups.add(group)
    member.user_permissions.add(Permission.objects.get(codename="view_apikey", content_type__app_label="apiauth"))

    assert login_as(api_client, member, scope="team billing").json()["scope"] == "team billing"
    assert login_as(api_client, user, scope="team billing").json()["scope"] == ""
