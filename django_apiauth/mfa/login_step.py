"""Login of a user with a second factor: the password step answers an ``mfa_token``, and the second step
(``mfa_token`` + code) becomes the token pair.

The attempt is counted on the ``mfa_token`` before the code is checked, the token is redeemed only after
the code verified, and only then does the login complete (``user_logged_in``, refresh family with
``amr`` ``["pwd", "otp"]``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from django_apiauth.login.complete import complete_login
from django_apiauth.mfa.challenge import MFAChallengeIssued, issue_challenge, redeem, take_attempt
from django_apiauth.mfa.verification import code_kind, has_confirmed_device, login_methods, verify_second_factor
from django_apiauth.models.refresh import RefreshTransport
from django_apiauth.refresh.service import TokenPair
from django_apiauth.scopes.grants import grant_for_user

PASSWORD_AND_OTP = ("pwd", "otp")


def begin_login(
    request: HttpRequest,
    user: Any,
    *,
    scope: Iterable[str] | None,
    transport: RefreshTransport = RefreshTransport.BODY,
) -> TokenPair | MFAChallengeIssued:
    """After the password: tokens (``amr`` ``["pwd"]``), or, for a user with a confirmed device, the
    ``mfa_token`` of the second step. The scope is granted now, so a refused scope fails before the step;
    the grant and the refresh transport wait in the challenge."""
    if not has_confirmed_device(user):
        return complete_login(request, user, scope=scope, transport=transport)
    granted = grant_for_user(user, scope)
    token = issue_challenge(user, scopes=granted, transport=transport.value)
    return MFAChallengeIssued(token=token, methods=login_methods(user))


@sensitive_variables("token", "code")
def complete_mfa_login(request: HttpRequest, *, token: object, code: object) -> TokenPair:
    """Raises ``InvalidRequest`` (malformed code, no attempt spent), ``InvalidGrant`` (dead ``mfa_token``),
    ``RateLimited`` or ``InvalidOTP``."""
    code_kind(code)
    challenge = take_attempt(token)
    user = challenge.user
    verify_second_factor(user, code, request=request, purpose="login")
    redeem(challenge)
    transport = RefreshTransport(challenge.transport)
    return complete_login(request, user, scope=challenge.scope.split(), amr=PASSWORD_AND_OTP, transport=transport)
