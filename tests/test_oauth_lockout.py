"""The OAuth login page checks passwords through the one authenticate service, brute-force counters included."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.support.oauth import Pkce, authorize_params, authorize_url, confidential

pytestmark = pytest.mark.django_db
LOGIN = "/auth/oauth/login/"


def test_wrong_passwords_on_the_page_lead_to_a_wait(user: Any, apiauth: Any) -> None:
    apiauth(LOCKOUT_FAILURES=3)
    app = confidential()
    next_url = authorize_url(authorize_params(app.client.client_id, Pkce()))
    browser = Client()
    form = {"step": "password", "next": next_url, "username": user.get_username(), "password": "wrong"}
    statuses = [browser.post(LOGIN, form).status_code for _ in range(3)]
    assert statuses == [400, 400, 400]
    locked = browser.post(LOGIN, form)
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) >= 1
    assert locked.context["step"] == "password"
    assert "_auth_user_id" not in browser.session
