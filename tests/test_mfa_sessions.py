"""``RequireMFA`` for sign-ins that are not access tokens: a Django session cannot step up, so it is never told to.

A session that django-otp's ``OTPMiddleware`` marks verified counts as a second factor when no ``max_age`` is
asked, as it does for django-otp's ``otp_required``; a session cannot say when its factor was verified.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import path
from django_otp import DEVICE_ID_SESSION_KEY
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from django_apiauth.drf.mfa import RequireMFA
from django_apiauth.models.mfa import TOTPDevice
from tests.support.mfa import enrol
from tests.urls import urlpatterns as suite_urlpatterns

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


class SessionSensitive(APIView):
    authentication_classes = [SessionAuthentication]
    permission_classes = [IsAuthenticated, RequireMFA]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class SessionVerySensitive(SessionSensitive):
    permission_classes = [IsAuthenticated, RequireMFA.with_max_age(300)]


urlpatterns = [
    *suite_urlpatterns,
    path("sensitive/", SessionSensitive.as_view()),
    path("very-sensitive/", SessionVerySensitive.as_view()),
]


@pytest.fixture
def with_otp_middleware(settings: Any) -> None:
    auth = "django.contrib.auth.middleware.AuthenticationMiddleware"
    at = settings.MIDDLEWARE.index(auth) + 1
    settings.MIDDLEWARE = [*settings.MIDDLEWARE[:at], "django_otp.middleware.OTPMiddleware", *settings.MIDDLEWARE[at:]]


@pytest.fixture
def session(user: Any) -> APIClient:
    """A password-only Django session of an enrolled user."""
    enrol(user.get_username())
    client = APIClient()
    client.force_login(user)
    return client


def verify_session(client: APIClient, user: Any) -> None:
    """What ``django_otp.login`` records: the device this session verified."""
    stored = client.session
    stored[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user, confirmed=True).persistent_id
    stored.save()


def assert_refused_without_step_up(response: Any) -> None:
    assert response.status_code == 403
    assert "insufficient_user_authentication" not in response.get("WWW-Authenticate", "")
    body = json.loads(response.content)
    assert body["error"] == "access_denied"
    assert "access token" in body["error_description"]
    assert "step-up" not in body["error_description"]


def test_a_password_only_session_is_refused_without_being_told_to_step_up(session: APIClient) -> None:
    assert_refused_without_step_up(session.get("/sensitive/"))


def test_without_djangos_otp_middleware_a_session_is_refused_even_if_it_verified(session: APIClient, user: Any) -> None:
    verify_session(session, user)
    assert_refused_without_step_up(session.get("/sensitive/"))


@pytest.mark.usefixtures("with_otp_middleware")
def test_a_session_django_otp_verified_passes(session: APIClient, user: Any) -> None:
    assert_refused_without_step_up(session.get("/sensitive/"))
    verify_session(session, user)
    assert session.get("/sensitive/").status_code == 200


@pytest.mark.usefixtures("with_otp_middleware")
def test_a_verified_session_cannot_show_a_recent_factor(session: APIClient, user: Any) -> None:
    verify_session(session, user)
    assert_refused_without_step_up(session.get("/very-sensitive/"))
