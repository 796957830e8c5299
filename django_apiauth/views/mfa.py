"""``mfa/...`` endpoints: parse, call an ``mfa`` service, shape the answer.

Only the user themselves may manage their second factors, with a user credential: API keys are refused
(``AppEndpoint``), and service principals are not users. Show-once values (the TOTP secret and its
QR codes, backup codes) leave the server in exactly one response body with ``Cache-Control: no-store``.
"""

from __future__ import annotations

from django.views.decorators.debug import sensitive_variables
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django_apiauth.drf.mfa import RecentMFA
from django_apiauth.exceptions import InvalidRequest, MFANotEnrolled
from django_apiauth.http_security.endpoints import Endpoint
from django_apiauth.mfa import enrolment
from django_apiauth.mfa.login_step import complete_mfa_login
from django_apiauth.mfa.qr import qr_png_data_uri, qr_svg
from django_apiauth.mfa.step_up import require_recent_login, session_id, step_up
from django_apiauth.mfa.verification import has_confirmed_device
from django_apiauth.refresh import cookies
from django_apiauth.refresh.revocation import revoke_other_sessions
from django_apiauth.views.base import AppEndpoint
from django_apiauth.views.body import json_object, string_field
from django_apiauth.views.tokens import MAX_PASSWORD_LENGTH, TokenEndpoint, token_response

MAX_CODE_FIELD = 64  # a code is 6 to 11 characters; anything much longer is refused as malformed
MAX_MFA_TOKEN_LENGTH = 128


def _code(request: Request) -> str:
    return string_field(json_object(request), "code", max_length=MAX_CODE_FIELD)


def _optional_bool(request: Request, name: str) -> bool:
    value = json_object(request).get(name, False)
    if not isinstance(value, bool):
        raise InvalidRequest(f"The {name} field must be true or false.")
    return value


class RecentMFAOfEnrolled(RecentMFA):
    """``RecentMFA`` for a user who has a second factor to step up with.

    A user without a confirmed device cannot step up, so the step-up challenge would be untrue: the request
    passes, marked ``view.second_factor_enrolled = False``, and the view answers what is true for it. The
    mark carries this check's answer to the view, so a device confirmed in between never lets a request that
    passed without a second factor act on it.
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.user.is_authenticated and not has_confirmed_device(request.user):
            view.second_factor_enrolled = False  # type: ignore[attr-defined]
            return True
        return super().has_permission(request, view)


def _enrolled(view: APIView) -> bool:
    return getattr(view, "second_factor_enrolled", True)


class MFAStatusView(AppEndpoint):
    """``GET``: the user's methods and their state (never a secret or a code)."""

    def get(self, request: Request) -> Response:
        return Response({"methods": enrolment.mfa_methods(request.user)})


class TOTPView(AppEndpoint):
    """``POST`` starts enrolment (recent login or password); ``DELETE`` disables MFA (recent second factor)."""

    apiauth_endpoint = Endpoint.CREDENTIAL  # shows a secret once, or answers tokens

    def get_permissions(self) -> list[BasePermission]:
        if self.request.method == "DELETE":
            return [IsAuthenticated(), RecentMFAOfEnrolled()]
        return [IsAuthenticated()]

    @sensitive_variables("password", "started", "body")
    def post(self, request: Request) -> Response:
        data = json_object(request) if request.data else {}
        password = None
        if data.get("password") is not None:
            password = string_field(data, "password", max_length=MAX_PASSWORD_LENGTH)
        require_recent_login(request._request, request.user, claims=request.auth, password=password)
        started = enrolment.start_totp_enrolment(request.user)
        body = {
            "secret": started.secret,
            "otpauth_uri": started.otpauth_uri,
            "qr_svg": qr_svg(started.otpauth_uri),
            "qr_png": qr_png_data_uri(started.otpauth_uri),
        }
        return Response(body, status=201)

    def delete(self, request: Request) -> Response:
        """204 whether or not anything was removed (DELETE is idempotent). Without a confirmed device only an
        enrolment still pending is cancelled: nothing that protects the account goes without a second factor."""
        enrolment.disable_mfa(request.user, request=request._request, pending_only=not _enrolled(self))
        return Response(status=204)


class TOTPConfirmView(AppEndpoint):
    """``POST {"code", "revoke_other_sessions"?}``: turns the device on; answers the backup codes, once."""

    apiauth_endpoint = Endpoint.CREDENTIAL  # shows a secret once, or answers tokens

    @sensitive_variables("codes")
    def post(self, request: Request) -> Response:
        code = _code(request)
        revoke = _optional_bool(request, "revoke_other_sessions")
        codes = enrolment.confirm_totp_enrolment(request.user, code, request=request._request)
        if revoke:
            sid = request.auth.get("sid") if isinstance(request.auth, dict) else None
            revoke_other_sessions(request.user, sid, request=request._request)
        return Response({"backup_codes": codes})


class BackupCodesView(AppEndpoint):
    """``POST``: ten new backup codes replace the old ones (recent second factor required)."""

    apiauth_endpoint = Endpoint.CREDENTIAL  # shows a secret once, or answers tokens

    def get_permissions(self) -> list[BasePermission]:
        return [IsAuthenticated(), RecentMFAOfEnrolled()]

    @sensitive_variables("codes")
    def post(self, request: Request) -> Response:
        if not _enrolled(self):
            raise MFANotEnrolled("Backup codes need a confirmed TOTP device: enrol one first.")
        codes = enrolment.regenerate_backup_codes(request.user, request=request._request)
        return Response({"backup_codes": codes})


class MFAVerifyView(TokenEndpoint):
    """``POST {"mfa_token", "code"}``: the second step of login; answers tokens as ``login/`` does."""

    apiauth_endpoint = Endpoint.CREDENTIAL  # shows a secret once, or answers tokens

    @sensitive_variables("data", "token", "code")
    def post(self, request: Request) -> Response:
        data = json_object(request)
        token = string_field(data, "mfa_token", max_length=MAX_MFA_TOKEN_LENGTH)
        code = string_field(data, "code", max_length=MAX_CODE_FIELD)
        if cookies.uses_cookie():
            cookies.enforce_same_origin(request._request, cookie_used=False)
        return token_response(complete_mfa_login(request._request, token=token, code=code))


class StepUpView(AppEndpoint):
    """``POST {"code"}`` with an access token: a fresh pair for the same session, carrying ``otp``."""

    apiauth_endpoint = Endpoint.CREDENTIAL  # shows a secret once, or answers tokens

    @sensitive_variables("code")
    def post(self, request: Request) -> Response:
        session_id(request.auth)
        code = _code(request)
        if cookies.uses_cookie():
            cookies.enforce_same_origin(request._request, cookie_used=False)
        return token_response(step_up(request._request, request.user, claims=request.auth, code=code))
