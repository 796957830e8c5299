"""Ten threads redeeming one authorization code at once: on PostgreSQL (row locks, real transactions) and on a
SQLite file (immediate transactions, as the README configures it), one wins and no one sees a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from django_apiauth.models import AuthorizationCode, RefreshTokenFamily
from django_apiauth.models.refresh import RevocationReason
from tests.support.oauth import REDIRECT, Pkce, basic, confidential, get_code, token_request
from tests.support.threads import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 10


def test_one_code_one_winner_and_the_replays_revoke_it(user: Any) -> None:
    app = confidential()
    browser = Client()
    browser.force_login(user)
    pkce = Pkce()
    code = get_code(browser, app.client.client_id, pkce)
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": pkce.verifier}
    responses = run_in_threads(
        THREADS, lambda: token_request(Client(), data, **basic(app.client.client_id, app.secret))
    )

    assert sorted(r.status_code for r in responses) == [200] + [400] * (THREADS - 1)
    assert all(r.json()["error"] == "invalid_grant" for r in responses if r.status_code == 400)
    family = RefreshTokenFamily.objects.get()  # one family issued, never two
    assert family.revoked_reason == RevocationReason.CODE_REUSED
    assert AuthorizationCode.objects.get().family_id == family.pk
