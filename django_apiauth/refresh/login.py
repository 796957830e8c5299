"""Password login: the password (``login.password``), then either tokens or the MFA step.

A user with a confirmed second factor gets an ``mfa_token`` instead of tokens; everyone else completes the
login at once (``login.complete``) with ``amr`` ``["pwd"]``.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from django_apiauth.conf import apiauth_settings
from django_apiauth.login.complete import complete_login
from django_apiauth.login.password import LOGIN_FAILED, authenticate_password
from django_apiauth.mfa.challenge import MFAChallengeIssued, issue_challenge
from django_apiauth.mfa.verification import has_confirmed_device, login_methods
from django_apiauth.refresh.service import TokenPair

__all__ = ["LOGIN_FAILED", "login"]


@sensitive_variables("password")
def login(request: HttpRequest, *, username: str, password: str) -> TokenPair | MFAChallengeIssued:
    """Authenticate; tokens, or the ``mfa_token`` of the second step. ``InvalidGrant`` for every failure."""
    user = authenticate_password(request, username=username, password=password)
    scopes = apiauth_settings.LOGIN_SCOPES
    if has_confirmed_device(user):
        token = issue_challenge(user, scopes=scopes)
        return MFAChallengeIssued(token=token, methods=login_methods(user))
    return complete_login(request, user, amr=("pwd",), scopes=scopes)
