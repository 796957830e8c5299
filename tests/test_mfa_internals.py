"""MFA services at their edges: stale device copies (another process), throttled devices through django-otp,
signed tokens with malformed amr/auth_time, sessions that cannot be stepped up, repr of the rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_otp
import pytest
from django.contrib.auth.models import User
from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from django_apiauth.drf.jwt_authentication import JWTAuthentication
from django_apiauth.drf.mfa import RequireMFA
from django_apiauth.exceptions import InvalidGrant
from django_apiauth.jwt.access import verify_access_token
from django_apiauth.jwt.errors import InvalidClaims
from django_apiauth.mfa.challenge import issue_challenge, redeem, take_attempt
from django_apiauth.mfa.enrolment import disable_mfa
from django_apiauth.models.mfa import BackupCodeDevice, MFAChallenge, TOTPDevice
from django_apiauth.refresh.reauthentication import reauthenticate_session
from django_apiauth.refresh.revocation import revoke_other_sessions
from tests.support.jwt_tokens import forge, standard_claims
from tests.support.mfa import STEP_UP, enrol
from tests.support.refresh_tokens import bearer, login_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled(user: User, clock: Any) -> Any:
    result = enrol()
    clock.shift(60)
    return result


def test_a_stale_copy_of_the_device_cannot_replay_a_code(enrolled: Any) -> None:
    """What another process holding the row from before the first use would do."""
    fresh, stale = TOTPDevice.objects.get(), TOTPDevice.objects.get()
    code = enrolled.code()
    assert fresh.verify_token(code)
    assert stale.last_t < fresh.last_t
    assert not stale.verify_token(code)
    assert TOTPDevice.objects.get().throttling_failure_count == 1


def test_throttled_devices_refuse_through_django_otp(enrolled: Any, user: User) -> None:
    totp, backup = TOTPDevice.objects.get(), BackupCodeDevice.objects.get()
    assert not totp.verify_token("000000" if enrolled.code() != "000000" else "111111")
    assert not backup.verify_token("aaaaa-aaaaa")
    assert django_otp.verify_token(user, totp.persistent_id, enrolled.code()) is None
    assert django_otp.verify_token(user, backup.persistent_id, enrolled.backup_codes[0]) is None
    assert BackupCodeDevice.objects.get().codes.filter(used_at=None).count() == 10


@pytest.mark.parametrize("claims", [{"amr": "otp"}, {"amr": ["pwd", 1]}, {"auth_time": "now"}, {"auth_time": True}])
def test_signed_tokens_with_malformed_authentication_claims_are_refused(db: None, claims: dict[str, Any]) -> None:
    with pytest.raises(InvalidClaims):
        verify_access_token(forge(standard_claims(**claims)))


class OnlyMFA(APIView):
    authentication_classes = [JWTAuthentication]
    permission_classes = [RequireMFA]

    def get(self, request: Request) -> Response:
        return Response({})


def test_require_mfa_alone_lets_drf_refuse_anonymous_callers(db: None) -> None:
    response = OnlyMFA.as_view()(APIRequestFactory().get("/"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_challenge_is_redeemed_once(user: User) -> None:
    token = issue_challenge(user, scopes=[])
    challenge = take_attempt(token)
    redeem(challenge)
    with pytest.raises(InvalidGrant):
        redeem(challenge)


def test_expired_challenges_are_deleted_when_a_new_one_is_issued(user: User, clock: Any) -> None:
    issue_challenge(user, scopes=[])
    clock.shift(301)
    issue_challenge(user, scopes=["read"])
    assert list(MFAChallenge.objects.values_list("scope", flat=True)) == ["read"]


def test_disabling_without_devices_records_nothing(user: User) -> None:
    assert disable_mfa(user, request=None) is False


def test_reauthenticating_a_session_that_is_not_a_uuid(user: User) -> None:
    with pytest.raises(InvalidGrant):
        reauthenticate_session(user, "not-a-session", methods=["otp"], request=RequestFactory().get("/"))


def test_revoke_other_sessions_without_a_session_of_its_own(user: User) -> None:
    login_pair(APIClient())
    login_pair(APIClient())
    request = RequestFactory().post("/")
    assert len(revoke_other_sessions(user, None, request=request)) == 2
    login_pair(APIClient())
    assert len(revoke_other_sessions(user, "garbage", request=request)) == 1


def test_step_up_in_cookie_transport_refuses_a_foreign_origin(enrolled: Any, apiauth: Callable[..., None]) -> None:
    apiauth(REFRESH_TOKEN_TRANSPORT="cookie")
    client = bearer(APIClient(), enrolled.access_token)
    foreign = client.post(STEP_UP, {"code": enrolled.code()}, format="json", HTTP_ORIGIN="https://evil.example")
    assert foreign.status_code == 403
    response = client.post(STEP_UP, {"code": enrolled.code()}, format="json")
    assert response.status_code == 200
    assert response.cookies["apiauth_refresh"].value
    assert "refresh_token" not in response.json()


def test_rows_keep_secrets_out_of_repr(enrolled: Any, user: User) -> None:
    token = issue_challenge(user, scopes=[])
    challenge = MFAChallenge.objects.get()
    backup = BackupCodeDevice.objects.get()
    code_row = backup.codes.first()
    assert token not in repr(challenge)
    assert challenge.token_hash not in repr(challenge) + str(challenge)
    assert repr(backup) == f"<BackupCodeDevice {backup.pk} user={user.pk}>"
    assert code_row is not None
    assert code_row.digest not in repr(code_row) + str(code_row)
