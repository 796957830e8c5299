"""Where the authorization server meets the rest of the app: scopes, principals, passwords, MFA, headers.

Each function is the single place OAuth code asks one of these questions, so that the answer can come from
the app's shared machinery without touching the flows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import django_otp
from django.contrib.auth import login as session_login
from django.http import HttpRequest, HttpResponse
from django.views.decorators.debug import sensitive_variables
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from django_apiauth.exceptions import InvalidGrant, InvalidOTP, InvalidRequest
from django_apiauth.http_security.csp import add_sources, policy_for
from django_apiauth.login.password import authenticate_password
from django_apiauth.scopes.grants import grant_for_user
from django_apiauth.scopes.registry import describe, known_scopes


def invalid_client_scopes(scopes: list[str]) -> list[str]:
    """Problems with the scopes a client is registered for: each must be in the scope registry."""
    known = known_scopes()
    return [f"unknown scope {scope!r} (not in APIAUTH['SCOPES'])" for scope in scopes if scope not in known]


def grantable_scopes(user: Any, scopes: Iterable[str]) -> list[str]:
    """The subset of ``scopes`` ``user`` may be granted now, in order (the registry's grant rules)."""
    return list(grant_for_user(user, tuple(scopes)))


def describe_scopes(scopes: Iterable[str]) -> list[dict[str, str]]:
    """Names and registry descriptions, for the consent page."""
    names = list(scopes)
    descriptions = describe(names)
    return [{"name": name, "description": descriptions.get(name, "")} for name in names]


@sensitive_variables("password")
def check_password(request: HttpRequest, *, username: str, password: str) -> Any:
    """The active user with these credentials, or ``None``, through the app's one authenticate service
    (its brute-force counters, Django's signals and the ``login_failed`` event). Other refusals (a wait
    imposed by the counters, an outage of the shared cache) are raised for the page to show."""
    try:
        return authenticate_password(request, username=username, password=password)
    except InvalidGrant:
        return None


def needs_second_factor(request: HttpRequest, user: Any) -> bool:
    """A user with a confirmed OTP device must have verified it in this very session (django-otp's
    ``is_verified()``); a password-only session, such as the admin's, does not count."""
    from django_apiauth.mfa.verification import has_confirmed_device

    if not has_confirmed_device(user):
        return False
    verified = getattr(request.user, "is_verified", None)
    if callable(verified) and getattr(request.user, "pk", None) == user.pk:
        return not verified()
    return _session_device(request, user) is None


def _session_device(request: HttpRequest, user: Any) -> Any:
    """The device this session verified, read like ``OTPMiddleware`` does when it is not installed."""
    persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
    device = Device.from_persistent_id(persistent_id) if isinstance(persistent_id, str) else None
    if device is None or device.user_id != user.pk or not device.confirmed:
        return None
    return device


def verify_second_factor(request: HttpRequest, user: Any, code: str) -> bool:
    """Check a TOTP or backup code through the app's MFA verification (django-otp devices, their replay
    protection and throttling); on success sign the user in to the session if the password step left them
    pending, and mark the session verified (django-otp's ``login``). Waits imposed by the counters are
    raised for the page to show."""
    from django_apiauth.mfa.verification import TOTP
    from django_apiauth.mfa.verification import verify_second_factor as verify_code
    from django_apiauth.models.mfa import BackupCodeDevice, TOTPDevice

    try:
        kind = verify_code(user, code, request=request, purpose="oauth_login")
    except (InvalidRequest, InvalidOTP):
        return False
    model: Any = TOTPDevice if kind == TOTP else BackupCodeDevice
    device = model.objects.filter(user=user, confirmed=True).first()
    if not request.user.is_authenticated:
        session_login(request, user)
    django_otp.login(request, device)
    return True


def protect_page(response: HttpResponse, *, form_action: Iterable[str] = ()) -> HttpResponse:
    """Headers of the login and consent pages: the app's HTML-page policy (``SECURITY_HEADERS["CSP"]``, no
    framing), widened for this response only by the client's redirect origin in ``form-action`` (browsers
    check it on the redirect after the POST); no referrer, no caching. Set here as well as by
    ``SecurityHeadersMiddleware``, so the pages are protected in projects that do not install it."""
    sources = list(form_action)
    if sources:
        add_sources(response, {"form-action": sources})
    response["Content-Security-Policy"] = policy_for(response)
    response["X-Frame-Options"] = "DENY"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response
