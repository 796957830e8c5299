"""The OAuth login page asks for the second factor of users with MFA, in this very session."""

from __future__ import annotations

import time
from typing import Any

import pytest
import time_machine
from django.test import Client

from tests.support.mfa import enrol
from tests.support.oauth import Pkce, authorize_params, authorize_url, confidential, csrf_of

pytestmark = pytest.mark.django_db
LOGIN = "/auth/oauth/login/"


def test_password_then_code_then_consent(user: Any, password: str) -> None:
    enrolled = enrol(user.get_username())
    app = confidential()
    next_url = authorize_url(authorize_params(app.client.client_id, Pkce()))
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(LOGIN, {"next": next_url})
    form = {"step": "password", "next": next_url, "username": user.get_username(), "password": password}
    second = browser.post(LOGIN, {**form, "csrfmiddlewaretoken": csrf_of(page)})
    assert second.status_code == 200
    assert second.context["step"] == "otp"
    assert "_auth_user_id" not in browser.session  # nobody is signed in before the second factor
    assert browser.get(next_url).status_code == 302  # no consent page yet
    token = csrf_of(second)
    wrong = browser.post(LOGIN, {"step": "otp", "next": next_url, "otp": "000000", "csrfmiddlewaretoken": token})
    assert wrong.status_code == 400
    # django-otp's back-off after a wrong code: answered on the page with 429 and Retry-After, never a 500.
    waiting = browser.post(LOGIN, {"step": "otp", "next": next_url, "otp": "000000", "csrfmiddlewaretoken": token})
    assert waiting.status_code == 429
    assert int(waiting["Retry-After"]) >= 1
    malformed = browser.post(
        LOGIN,
        {"step": "otp", "next": next_url, "otp": "\uff11\uff12\uff13\uff14\uff15\uff16", "csrfmiddlewaretoken": token},
    )
    assert malformed.status_code == 400
    # Past the back-off (a clock, never a sleep); the next time step's code, as the enrolment used this one.
    with time_machine.travel(time.time() + 10):
        done = browser.post(
            LOGIN, {"step": "otp", "next": next_url, "otp": enrolled.code(1), "csrfmiddlewaretoken": csrf_of(wrong)}
        )
        assert done.status_code == 303
        assert browser.get(next_url).status_code == 200  # the consent page


def test_a_password_only_session_does_not_count(user: Any) -> None:
    enrol(user.get_username())
    app = confidential()
    browser = Client()
    browser.force_login(user)  # e.g. the admin's login: a password only
    response = browser.get(authorize_url(authorize_params(app.client.client_id, Pkce())))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    page = browser.get(response["Location"])
    assert page.context["step"] == "otp"


def test_backup_code_works_on_the_page(user: Any, password: str) -> None:
    enrolled = enrol(user.get_username())
    app = confidential()
    browser = Client()
    browser.force_login(user)
    next_url = authorize_url(authorize_params(app.client.client_id, Pkce()))
    done = browser.post(LOGIN, {"step": "otp", "next": next_url, "otp": enrolled.backup_codes[0]})
    assert done.status_code == 303
    assert browser.get(next_url).status_code == 200


def test_otp_step_without_a_pending_sign_in_starts_over() -> None:
    app = confidential()
    next_url = authorize_url(authorize_params(app.client.client_id, Pkce()))
    response = Client().post(LOGIN, {"step": "otp", "next": next_url, "otp": "123456"})
    assert response.status_code == 400
    assert response.context["step"] == "password"


def test_with_django_otps_middleware_the_session_is_verified_by_it(user: Any, settings: Any) -> None:
    """Projects that install ``OTPMiddleware`` get ``request.user.is_verified()``, which the pages then trust."""
    auth = "django.contrib.auth.middleware.AuthenticationMiddleware"
    at = settings.MIDDLEWARE.index(auth) + 1
    settings.MIDDLEWARE = [*settings.MIDDLEWARE[:at], "django_otp.middleware.OTPMiddleware", *settings.MIDDLEWARE[at:]]
    enrolled = enrol(user.get_username())
    browser = Client()
    browser.force_login(user)
    next_url = authorize_url(authorize_params(confidential().client.client_id, Pkce()))
    assert browser.get(next_url)["Location"].startswith(LOGIN)  # a password-only session is not verified

    done = browser.post(LOGIN, {"step": "otp", "next": next_url, "otp": enrolled.backup_codes[0]})

    assert done.status_code == 303
    assert browser.get(next_url).status_code == 200


def test_a_user_deactivated_between_the_two_steps_must_start_over(user: Any, password: str) -> None:
    enrolled = enrol(user.get_username())
    next_url = authorize_url(authorize_params(confidential().client.client_id, Pkce()))
    browser = Client()
    form = {"step": "password", "next": next_url, "username": user.get_username(), "password": password}
    assert browser.post(LOGIN, form).context["step"] == "otp"
    user.is_active = False
    user.save(update_fields=["is_active"])

    response = browser.post(LOGIN, {"step": "otp", "next": next_url, "otp": enrolled.backup_codes[0]})

    assert response.status_code == 400
    assert response.context["step"] == "password"
    assert "_auth_user_id" not in browser.session
