"""Step-up (RFC 9470): RequireMFA's challenge, POST mfa/step-up/, and the endpoints that need a fresh factor."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import override_settings
from django.utils import timezone
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from django_apiauth.api_keys.service import create_service_key
from django_apiauth.drf.api_key_authentication import APIKeyAuthentication
from django_apiauth.drf.jwt_authentication import JWTAuthentication
from django_apiauth.drf.mfa import RequireMFA
from django_apiauth.jwt.access import verify_access_token
from django_apiauth.models.events import AuthEvent, EventType
from django_apiauth.models.mfa import BackupCodeDevice, TOTPDevice
from tests.support.mfa import BACKUP_CODES, STEP_UP, TOTP, enrol, mfa_token, verify
from tests.support.refresh_tokens import bearer, login_pair, refresh

pytestmark = pytest.mark.django_db


class Sensitive(APIView):
    authentication_classes = [JWTAuthentication]
    permission_classes = [IsAuthenticated, RequireMFA]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class VerySensitive(Sensitive):
    permission_classes = [IsAuthenticated, RequireMFA.with_max_age(300)]


def call(view: type[APIView], token: str) -> Any:
    request = APIRequestFactory().get("/sensitive/", HTTP_AUTHORIZATION=f"Bearer {token}")
    response = view.as_view()(request)
    response.render()
    return response


@pytest.fixture
def enrolled(user: User, clock: Any) -> Any:
    result = enrol()
    clock.shift(60)
    return result


PLAIN_DRF = {"DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]}


@pytest.mark.parametrize("drf_settings", [None, PLAIN_DRF], ids=["oauth-handler", "no-exception-handler"])
def test_require_mfa_refuses_a_password_only_token_as_rfc_9470_says(
    user: User, drf_settings: dict[str, Any] | None
) -> None:
    token = login_pair(APIClient())["access_token"]
    with override_settings(**({"REST_FRAMEWORK": drf_settings} if drf_settings else {})):
        response = call(Sensitive, token)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer error="insufficient_user_authentication"')
    assert "max_age" not in response["WWW-Authenticate"]
    import json

    body = json.loads(response.content)
    assert body["error"] == "insufficient_user_authentication"
    assert body["error_description"]


def test_require_mfa_accepts_a_token_with_otp(enrolled: Any) -> None:
    token = verify(mfa_token(), enrolled.code()).json()["access_token"]
    assert call(Sensitive, token).status_code == 200


def test_require_mfa_with_max_age_refuses_an_old_second_factor(
    enrolled: Any, clock: Any, apiauth: Callable[..., None]
) -> None:
    from datetime import timedelta

    apiauth(ACCESS_TOKEN_LIFETIME=timedelta(hours=1))
    token = verify(mfa_token(), enrolled.code()).json()["access_token"]
    assert call(VerySensitive, token).status_code == 200
    clock.shift(301)
    response = call(VerySensitive, token)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer error="insufficient_user_authentication"')
    assert response["WWW-Authenticate"].endswith("max_age=300")
    assert call(Sensitive, token).status_code == 200


class KeyOrToken(Sensitive):
    authentication_classes = [JWTAuthentication, APIKeyAuthentication]
    permission_classes = [RequireMFA]


@pytest.mark.parametrize("drf_settings", [None, PLAIN_DRF], ids=["oauth-handler", "no-exception-handler"])
@pytest.mark.parametrize("owner", ["user", "service"])
def test_require_mfa_tells_api_key_callers_a_key_cannot_provide_a_second_factor(
    enrolled: Any, issue_key: Callable[..., Any], owner: str, drf_settings: dict[str, Any] | None
) -> None:
    """Stepping up needs a login session: an API key cannot, so it is refused (403) without the RFC 9470
    challenge that would send its caller to ``mfa/step-up/``."""
    key = issue_key(scopes=["read"]) if owner == "user" else create_service_key(service="export", name="cron")
    request = APIRequestFactory().get("/sensitive/", HTTP_X_API_KEY=key.plaintext)
    with override_settings(**({"REST_FRAMEWORK": drf_settings} if drf_settings else {})):
        response = KeyOrToken.as_view()(request)
        response.render()
    assert response.status_code == 403
    assert "insufficient_user_authentication" not in response.get("WWW-Authenticate", "")
    body = json.loads(response.content)
    assert body["error"] == "access_denied"
    assert "API key cannot provide" in body["error_description"]
    assert "step-up" not in body["error_description"]


def test_require_mfa_leaves_anonymous_requests_to_authentication(db: None) -> None:
    response = Sensitive.as_view()(APIRequestFactory().get("/sensitive/"))
    assert response.status_code == 401
    assert "insufficient_user_authentication" not in response["WWW-Authenticate"]


def test_step_up_exchanges_the_session_for_a_pair_with_otp(enrolled: Any, clock: Any) -> None:
    pair = login_pair_via_mfa_less_session(enrolled)
    before = verify_access_token(pair["access_token"])
    clock.shift(30)
    response = bearer(APIClient(), pair["access_token"]).post(STEP_UP, {"code": enrolled.code()}, format="json")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    claims = verify_access_token(body["access_token"])
    assert claims["amr"] == ["pwd", "otp"]
    assert claims["sid"] == before["sid"]
    assert claims["auth_time"] > before["auth_time"]
    assert call(Sensitive, body["access_token"]).status_code == 200
    clock.shift(60)
    refreshed = verify_access_token(refresh(APIClient(), body["refresh_token"]).json()["access_token"])
    assert (refreshed["amr"], refreshed["auth_time"]) == (["pwd", "otp"], claims["auth_time"])
    assert AuthEvent.objects.filter(type=EventType.MFA_VERIFIED, details__purpose="step_up").count() == 1


def login_pair_via_mfa_less_session(enrolled: Any) -> dict[str, Any]:
    """The session from before enrolment: password only (``amr`` ``["pwd"]``)."""
    return {"access_token": enrolled.access_token, "refresh_token": enrolled.refresh_token}


def test_step_up_consumes_the_previous_refresh_token(enrolled: Any) -> None:
    pair = login_pair_via_mfa_less_session(enrolled)
    bearer(APIClient(), pair["access_token"]).post(STEP_UP, {"code": enrolled.code()}, format="json")
    assert refresh(APIClient(), pair["refresh_token"]).status_code == 401


def test_step_up_with_a_wrong_or_malformed_code(enrolled: Any) -> None:
    client = bearer(APIClient(), enrolled.access_token)
    wrong = "000000" if enrolled.code() != "000000" else "111111"
    assert client.post(STEP_UP, {"code": wrong}, format="json").status_code == 400
    for bad in ("\uff11\uff12\uff13\uff14\uff15\uff16", "+12345", "x" * 10_240, 5):
        response = client.post(STEP_UP, {"code": bad}, format="json")
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"


def test_step_up_needs_an_access_token_of_a_session(enrolled: Any, user: User) -> None:
    client = APIClient()
    client.force_login(user)
    response = client.post(STEP_UP, {"code": enrolled.code()}, format="json")
    assert response.status_code == 400
    assert APIClient().post(STEP_UP, {"code": enrolled.code()}, format="json").status_code == 401


def test_step_up_of_a_revoked_session_is_refused(enrolled: Any, user: User) -> None:
    from django_apiauth.models.refresh import RefreshTokenFamily

    # Revoked in the database only: the access token still authenticates, the session service refuses.
    RefreshTokenFamily.objects.update(revoked_at=timezone.now())
    response = bearer(APIClient(), enrolled.access_token).post(STEP_UP, {"code": enrolled.code()}, format="json")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_grant"


def test_step_up_without_a_device_fails(user: User) -> None:
    token = login_pair(APIClient())["access_token"]
    response = bearer(APIClient(), token).post(STEP_UP, {"code": "123456"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_disabling_mfa_needs_a_recent_second_factor(enrolled: Any, user: User, clock: Any) -> None:
    refused = bearer(APIClient(), enrolled.access_token).delete(TOTP)
    assert refused.status_code == 401
    assert refused.json()["error"] == "insufficient_user_authentication"
    assert "max_age=300" in refused["WWW-Authenticate"]
    strong = verify(mfa_token(), enrolled.code()).json()["access_token"]
    clock.shift(301)
    assert bearer(APIClient(), strong).delete(TOTP).status_code == 401
    strong = verify(mfa_token(), enrolled.code()).json()["access_token"]
    assert bearer(APIClient(), strong).delete(TOTP).status_code == 204
    assert not TOTPDevice.objects.exists()
    assert not BackupCodeDevice.objects.exists()
    event = AuthEvent.objects.get(type=EventType.MFA_DISABLED)
    assert event.details == {"device": "totp", "by": "user"}
    assert "access_token" in login_pair(APIClient())


def test_disabling_mfa_again_answers_204_and_records_nothing(enrolled: Any, user: User) -> None:
    """DELETE is idempotent (RFC 9110 §9.2.2): with nothing left to remove (a second DELETE, or an admin's
    reset in between) the answer is still 204, and no second ``mfa_disabled`` event claims a change."""
    strong = bearer(APIClient(), verify(mfa_token(), enrolled.code()).json()["access_token"])
    assert strong.delete(TOTP).status_code == 204
    again = strong.delete(TOTP)
    assert again.status_code == 204
    assert again.content == b""
    assert not TOTPDevice.objects.exists()
    assert AuthEvent.objects.filter(type=EventType.MFA_DISABLED).count() == 1


def test_regenerating_backup_codes_needs_a_recent_second_factor(enrolled: Any, clock: Any) -> None:
    assert bearer(APIClient(), enrolled.access_token).post(BACKUP_CODES).status_code == 401
    strong = verify(mfa_token(), enrolled.backup_codes[0]).json()["access_token"]
    response = bearer(APIClient(), strong).post(BACKUP_CODES)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    codes = response.json()["backup_codes"]
    assert len(codes) == 10
    assert not set(codes) & set(enrolled.backup_codes)
    assert verify(mfa_token(), enrolled.backup_codes[1]).status_code == 400
    clock.shift(2)  # past django-otp's back-off after that failure
    assert verify(mfa_token(), codes[0]).status_code == 200


def test_regenerating_without_totp_answers_409(enrolled: Any) -> None:
    strong = verify(mfa_token(), enrolled.code()).json()["access_token"]
    TOTPDevice.objects.all().delete()
    response = bearer(APIClient(), strong).post(BACKUP_CODES)
    assert response.status_code == 409
    assert response.json()["error"] == "mfa_not_enrolled"


def test_api_key_creation_can_be_configured_to_need_mfa(enrolled: Any, apiauth: Callable[..., None]) -> None:
    body = {"name": "ci", "scopes": ["read"]}
    weak = bearer(APIClient(), enrolled.access_token)
    assert weak.post("/auth/api-keys/", body, format="json").status_code == 201
    apiauth(MFA_REQUIRED_FOR_API_KEYS=True)
    refused = weak.post("/auth/api-keys/", body, format="json")
    assert refused.status_code == 401
    assert refused.json()["error"] == "insufficient_user_authentication"
    assert weak.get("/auth/api-keys/").status_code == 200
    strong = verify(mfa_token(), enrolled.code()).json()["access_token"]
    assert bearer(APIClient(), strong).post("/auth/api-keys/", body, format="json").status_code == 201


def test_a_user_without_a_second_factor_is_not_sent_to_step_up(user: User) -> None:
    """Step-up needs a device: without one, regenerating backup codes is 409 ``mfa_not_enrolled`` and DELETE
    is the idempotent 204, never the step-up challenge the user could not answer."""
    client = bearer(APIClient(), login_pair(APIClient())["access_token"])
    codes = client.post(BACKUP_CODES)
    assert codes.status_code == 409
    assert codes.json()["error"] == "mfa_not_enrolled"
    assert "WWW-Authenticate" not in codes
    assert client.delete(TOTP).status_code == 204
    assert not AuthEvent.objects.filter(type=EventType.MFA_DISABLED).exists()


def test_deleting_without_a_second_factor_cancels_only_a_pending_enrolment(user: User) -> None:
    from tests.support.mfa import signed_in, start

    client, _ = signed_in()
    assert start(client).status_code == 201
    assert client.delete(TOTP).status_code == 204
    assert not TOTPDevice.objects.exists()
    assert AuthEvent.objects.filter(type=EventType.MFA_DISABLED).count() == 1


def test_a_device_confirmed_after_the_check_is_not_removed_without_a_second_factor(user: User) -> None:
    """The permission's answer ("no second factor to ask for") is what the view acts on: a device confirmed
    in between, with its backup codes, survives a DELETE that proved no second factor."""
    from django_apiauth.mfa import enrolment
    from tests.support.mfa import signed_in, start

    client, _ = signed_in()
    assert start(client).status_code == 201
    TOTPDevice.objects.update(confirmed=True)  # as a confirmation committed between check and delete would
    BackupCodeDevice.objects.create(user=user, name="backup", confirmed=True)
    assert enrolment.disable_mfa(user, request=None, pending_only=True) is False
    assert TOTPDevice.objects.filter(confirmed=True).exists()
    assert BackupCodeDevice.objects.exists()


def test_the_regeneration_service_refuses_a_user_without_a_device(user: User) -> None:
    """The service's own guard, for callers other than the view (whose permission answers first)."""
    from django.test import RequestFactory

    from django_apiauth.exceptions import MFANotEnrolled
    from django_apiauth.mfa import enrolment

    with pytest.raises(MFANotEnrolled):
        enrolment.regenerate_backup_codes(user, request=RequestFactory().post("/"))
    assert not BackupCodeDevice.objects.exists()
