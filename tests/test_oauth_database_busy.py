"""The OAuth endpoints and pages answer a database lock waited for in vain with 503 and ``Retry-After``.

They are plain Django views, outside DRF's exception handler: without their own mapping, two clients
redeeming codes at once on a SQLite project (deferred transactions, as ``startproject`` configures it) got
Django's HTML 500 for ``database is locked``.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from django_apiauth.models import AuthorizationCode, OAuthConsent
from tests.support.database_locks import write_lock_held_elsewhere
from tests.support.oauth import (
    REDIRECT,
    Pkce,
    authorize_params,
    authorize_url,
    basic,
    confidential,
    consent_form,
    get_code,
    token_request,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_code_exchange_that_waited_in_vain_answers_503_json_and_the_code_stays_redeemable(user: Any) -> None:
    app = confidential()
    browser = Client()
    browser.force_login(user)
    pkce = Pkce()
    code = get_code(browser, app.client.client_id, pkce)
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": pkce.verifier}
    credentials = basic(app.client.client_id, app.secret)

    with write_lock_held_elsewhere(AuthorizationCode):
        busy = token_request(Client(), data, **credentials)

    assert busy.status_code == 503, busy.content
    assert busy.json() == {
        "error": "temporarily_unavailable",
        "error_description": "The service is temporarily unavailable; retry later.",
    }
    assert int(busy["Retry-After"]) >= 1
    assert busy["Cache-Control"] == "no-store"
    # Rolled back as a whole: the code was not consumed, so the client's retry succeeds.
    assert token_request(Client(), data, **credentials).status_code == 200


def test_a_consent_that_waited_in_vain_answers_the_503_page_and_issues_no_code(user: Any) -> None:
    app = confidential()
    browser = Client()
    browser.force_login(user)
    page = browser.get(authorize_url(authorize_params(app.client.client_id, Pkce())))
    assert page.status_code == 200

    with write_lock_held_elsewhere(OAuthConsent, AuthorizationCode):
        busy = browser.post("/auth/oauth/authorize/", consent_form(page, "allow"))

    assert busy.status_code == 503, busy.content
    assert int(busy["Retry-After"]) >= 1
    assert "Location" not in busy
    assert "temporarily unavailable" in busy.content.decode()
    assert not AuthorizationCode.objects.exists()
