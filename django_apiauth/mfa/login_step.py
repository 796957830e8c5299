"""The second step of login: an ``mfa_token`` and a code become the token pair.

The attempt is counted on the ``mfa_token`` before the code is checked, the token is redeemed only after
the code verified, and only then does the login complete (``user_logged_in``, refresh family with
``amr`` ``["pwd", "otp"]``).
"""

from __future__ import annotations

from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from django_apiauth.login.complete import complete_login
from django_apiauth.mfa.challenge import redeem, take_attempt
from django_apiauth.mfa.verification import code_kind, verify_second_factor
from django_apiauth.refresh.service import TokenPair

PASSWORD_AND_OTP = ("pwd", "otp")


@sensitive_variables("token", "code")
def complete_mfa_login(request: HttpRequest, *, token: object, code: object) -> TokenPair:
    """Raises ``InvalidRequest`` (malformed code, no attempt spent), ``InvalidGrant`` (dead ``mfa_token``),
    ``RateLimited`` or ``InvalidOTP``."""
    code_kind(code)
    challenge = take_attempt(token)
    user = challenge.user
    verify_second_factor(user, code, request=request, purpose="login")
    redeem(challenge)
    return complete_login(request, user, amr=PASSWORD_AND_OTP, scopes=challenge.scope.split())
