"""Logout, logout everywhere, and the sessions list: ending logins from the client side."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from django_apiauth.models.events import AuthEvent, EventType
from django_apiauth.models.refresh import RefreshTokenFamily, RevocationReason
from tests.support.refresh_tokens import LOGOUT, LOGOUT_ALL, SESSIONS, bearer, login_pair, refresh
from tests.support.users import create_user

pytestmark = pytest.mark.django_db


def test_logout_with_the_refresh_token_revokes_its_family(api_client: APIClient, user: User) -> None:
    pair = login_pair(api_client)
    other = login_pair(APIClient())

    response = api_client.post(LOGOUT, {"refresh_token": pair["refresh_token"]}, format="json")

    assert response.status_code == 204
    assert response["Cache-Control"] == "no-store"
    assert refresh(api_client, pair["refresh_token"]).status_code == 401
    assert refresh(api_client, other["refresh_token"]).status_code == 200  # other logins live on
    event = AuthEvent.objects.get(type=EventType.LOGOUT)
    assert event.user == user


def test_logout_with_a_consumed_token_still_ends_the_session(api_client: APIClient, user: User) -> None:
    pair = login_pair(api_client)
    newer = refresh(api_client, pair["refresh_token"]).json()

    assert api_client.post(LOGOUT, {"refresh_token": pair["refresh_token"]}, format="json").status_code == 204
    assert refresh(api_client, newer["refresh_token"]).status_code == 401


def test_logout_twice_is_not_an_error(api_client: APIClient, user: User) -> None:
    token = login_pair(api_client)["refresh_token"]
    api_client.post(LOGOUT, {"refresh_token": token}, format="json")

    assert api_client.post(LOGOUT, {"refresh_token": token}, format="json").status_code == 204


def test_logout_with_only_the_access_token_revokes_its_session(api_client: APIClient, user: User) -> None:
    pair = login_pair(api_client)

    response = bearer(api_client, pair["access_token"]).post(LOGOUT)

    assert response.status_code == 204
    assert refresh(APIClient(), pair["refresh_token"]).status_code == 401
    assert RefreshTokenFamily.objects.get().revoked_reason == RevocationReason.LOGOUT


def test_logout_with_an_expired_access_token_and_a_refresh_token_works(api_client: APIClient, user: User) -> None:
    pair = login_pair(api_client)
    bearer(api_client, "expired.or.garbage")

    assert api_client.post(LOGOUT, {"refresh_token": pair["refresh_token"]}, format="json").status_code == 204


def test_logout_with_nothing_to_end_is_a_bad_request(api_client: APIClient, user: User) -> None:
    response = api_client.post(LOGOUT)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_logout_all_revokes_every_family_of_the_user_only(api_client: APIClient, user: User) -> None:
    create_user("bob", password="bob password 123")
    pairs = [login_pair(APIClient()) for _ in range(3)]
    bobs = login_pair(APIClient(), "bob", "bob password 123")

    response = bearer(api_client, pairs[0]["access_token"]).post(LOGOUT_ALL)

    assert response.status_code == 204
    assert all(refresh(APIClient(), p["refresh_token"]).status_code == 401 for p in pairs)
    assert refresh(APIClient(), bobs["refresh_token"]).status_code == 200
    event = AuthEvent.objects.get(type=EventType.LOGOUT)
    assert event.details["all"] is True
    assert len(event.details["family_ids"]) == 3


def test_logout_all_requires_authentication(api_client: APIClient, user: User) -> None:
    response = api_client.post(LOGOUT_ALL)

    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


def test_sessions_lists_live_families_and_marks_the_current_one(api_client: APIClient, user: User) -> None:
    current = login_pair(api_client)
    login_pair(APIClient(REMOTE_ADDR="192.0.2.9", HTTP_USER_AGENT="Phone"))
    revoked = login_pair(APIClient())
    APIClient().post(LOGOUT, {"refresh_token": revoked["refresh_token"]}, format="json")
    create_user("bob", password="bob password 123")
    login_pair(APIClient(), "bob", "bob password 123")

    response = bearer(api_client, current["access_token"]).get(SESSIONS)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    sessions = response.json()["sessions"]
    assert len(sessions) == 2
    assert set(sessions[0]) == {"id", "created_at", "last_used_at", "expires_at", "ip_address", "user_agent", "current"}
    assert [s["current"] for s in sessions].count(True) == 1
    marked = next(s for s in sessions if s["current"])
    assert marked["id"] == RefreshTokenFamily.objects.filter(user=user).order_by("created_at")[0].sid
    phone = next(s for s in sessions if s["user_agent"] == "Phone")
    assert phone["ip_address"] == "192.0.2.9"


def test_sessions_leave_out_idle_expired_families(api_client: APIClient, user: User) -> None:
    login_pair(APIClient())
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        current = login_pair(api_client)
        sessions = bearer(api_client, current["access_token"]).get(SESSIONS).json()["sessions"]

    assert [s["current"] for s in sessions] == [True]


def test_a_session_signed_in_user_sees_sessions_without_a_current_one(api_client: APIClient, user: User) -> None:
    login_pair(APIClient())
    api_client.force_login(user)

    sessions = api_client.get(SESSIONS).json()["sessions"]

    assert [s["current"] for s in sessions] == [False]


def test_delete_a_session_revokes_it(api_client: APIClient, user: User) -> None:
    current = login_pair(api_client)
    other = login_pair(APIClient())
    other_id = RefreshTokenFamily.objects.order_by("-created_at")[0].sid

    response = bearer(api_client, current["access_token"]).delete(f"{SESSIONS}{other_id}/")

    assert response.status_code == 204
    assert refresh(APIClient(), other["refresh_token"]).status_code == 401
    assert refresh(APIClient(), current["refresh_token"]).status_code == 200
    event = AuthEvent.objects.get(type=EventType.SESSION_REVOKED)
    assert event.details == {"family_id": other_id}
    assert event.user == user


@pytest.mark.parametrize("kind", ["another user's", "unknown", "not a uuid", "already revoked"])
def test_delete_answers_404_for_sessions_that_are_not_yours_to_end(
    api_client: APIClient, user: User, kind: str
) -> None:
    current = login_pair(api_client)
    bobs_user = create_user("bob", password="bob password 123")
    bobs = login_pair(APIClient(), "bob", "bob password 123")
    target = {
        "another user's": RefreshTokenFamily.objects.get(user=bobs_user).sid,
        "unknown": str(uuid.uuid4()),
        "not a uuid": "x" * 300,
        "already revoked": RefreshTokenFamily.objects.get(user=user).sid,
    }[kind]
    if kind == "already revoked":
        api_client.post(LOGOUT, {"refresh_token": current["refresh_token"]}, format="json")
        bearer(api_client, login_pair(APIClient())["access_token"])
    else:
        bearer(api_client, current["access_token"])

    response = api_client.delete(f"{SESSIONS}{target}/")

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert refresh(APIClient(), bobs["refresh_token"]).status_code == 200


def test_sessions_require_authentication(api_client: APIClient) -> None:
    assert api_client.get(SESSIONS).status_code == 401
    assert api_client.delete(f"{SESSIONS}{uuid.uuid4()}/").status_code == 401


def test_logout_by_access_token_twice_is_not_an_error(
    api_client: APIClient, user: User, apiauth: Callable[..., None]
) -> None:
    apiauth(CHECK_REVOKED_SESSIONS=False)  # otherwise the second call is refused as a revoked session's token
    bearer(api_client, login_pair(APIClient())["access_token"])

    assert [api_client.post(LOGOUT).status_code for _ in range(2)] == [204, 204]
    assert AuthEvent.objects.filter(type=EventType.LOGOUT).count() == 1


def test_the_projects_own_jwt_authentication_class_is_used_as_configured(api_client: APIClient, user: User) -> None:
    classes = ["django_apiauth.drf.jwt_authentication.JWTAuthentication"]
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_AUTHENTICATION_CLASSES": classes}):
        bearer(api_client, login_pair(APIClient())["access_token"])
        assert api_client.get(SESSIONS).status_code == 200
        api_client.credentials()
        api_client.force_login(user)
        assert api_client.get(SESSIONS).status_code == 401  # session auth is not among the project's classes
