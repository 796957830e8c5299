"""Attacks on ``POST /auth/login/``: hostile headers, look-alike usernames, secrets in error reports."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from django_apiauth.models.events import AuthEvent
from django_apiauth.models.refresh import RefreshTokenFamily
from tests.support.error_reports import report_of_crash
from tests.support.refresh_tokens import LOGIN, PASSWORD, login_pair
from tests.support.users import create_user, login_name

pytestmark = pytest.mark.django_db


def test_nul_in_user_agent_is_stripped_before_storage(user: User) -> None:
    """PostgreSQL refuses NUL in text: the login itself answered 500 and the audit rows were lost."""
    client = APIClient(HTTP_USER_AGENT="evil\x00agent\x01")

    assert login_pair(client)["access_token"]
    assert RefreshTokenFamily.objects.get().user_agent == "evilagent"
    assert set(AuthEvent.objects.values_list("user_agent", flat=True)) == {"evilagent"}


def test_login_normalises_the_username_like_django_login_form(db: None) -> None:
    """``create_user`` stores NFKC usernames and Django's AuthenticationForm normalises its input: so do we."""
    create_user("fish", password=PASSWORD)  # "ﬁsh" (U+FB01) is stored as "fish"

    assert login_pair(APIClient(), username="\ufb01sh")["access_token"]


def test_password_is_not_in_error_reports(monkeypatch: pytest.MonkeyPatch, user: User) -> None:
    secret = "a-very-recognisable-password"
    user.set_password(secret)
    user.save()
    client = APIClient(raise_request_exception=True)
    body = {"username": login_name("alice"), "password": secret}

    report = report_of_crash(
        monkeypatch, "django_apiauth.login.complete.issue_family", lambda: client.post(LOGIN, body, format="json")
    )

    assert "database went away" in report  # the report does show the frames and their variables
    assert "Local vars" in report
    assert secret not in report
