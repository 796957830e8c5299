"""Attacks on refresh, logout and the sessions endpoints: who may end a login, audit floods, leaked tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from django_apiauth.models.events import AuthEvent, EventType
from django_apiauth.models.refresh import RefreshTokenFamily
from tests.support.error_reports import report_of_crash
from tests.support.oauth_errors import assert_oauth_error
from tests.support.refresh_tokens import LOGOUT, LOGOUT_ALL, REFRESH, SESSIONS, bearer, login_pair

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", SESSIONS), ("post", LOGOUT_ALL), ("delete", "session"), ("post", LOGOUT)],
)
def test_api_key_cannot_list_or_end_sessions(method: str, path: str, user: User, issue_key: Callable[..., Any]) -> None:
    """A leaked (even read-only) API key must not read the user's IPs or log them out everywhere."""
    login_pair(APIClient())
    family = RefreshTokenFamily.objects.get()
    key = issue_key(scopes=["read"]).plaintext
    url = f"{SESSIONS}{family.sid}/" if path == "session" else path

    response = getattr(APIClient(), method)(url, format="json", HTTP_X_API_KEY=key)

    assert_oauth_error(response)
    family.refresh_from_db()
    assert family.revoked_at is None


def test_access_token_still_manages_sessions(user: User) -> None:
    client = bearer(APIClient(), login_pair(APIClient())["access_token"])

    assert client.get(SESSIONS).status_code == 200
    assert client.post(LOGOUT_ALL).status_code == 204


def test_session_endpoints_add_jwt_when_the_project_lists_only_other_schemes(user: User, settings: Any) -> None:
    """Bearer tokens always manage sessions, even if the project's defaults do not list JWTAuthentication."""
    client = bearer(APIClient(), login_pair(APIClient())["access_token"])
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    }

    assert client.get(SESSIONS).status_code == 200


def test_repeated_logout_with_one_refresh_token_records_one_event(user: User) -> None:
    """An old (even consumed) refresh token must not let its holder write one audit row per request."""
    token = login_pair(APIClient())["refresh_token"]

    statuses = {APIClient().post(LOGOUT, {"refresh_token": token}, format="json").status_code for _ in range(20)}

    assert statuses == {204}
    assert AuthEvent.objects.filter(type=EventType.LOGOUT).count() == 1


@pytest.mark.parametrize(
    ("path", "target"),
    [
        (REFRESH, "django_apiauth.refresh.service._decide"),
        (LOGOUT, "django_apiauth.refresh.revocation.revoke_families"),
    ],
)
def test_refresh_token_is_not_in_error_reports(
    path: str, target: str, monkeypatch: pytest.MonkeyPatch, user: User
) -> None:
    token = login_pair(APIClient())["refresh_token"]
    client = APIClient(raise_request_exception=True)

    report = report_of_crash(monkeypatch, target, lambda: client.post(path, {"refresh_token": token}, format="json"))

    assert "database went away" in report
    assert "Local vars" in report
    assert token not in report
