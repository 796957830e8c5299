"""Ending a client's access: deactivation, deletion and RFC 7009 revocation refuse its tokens durably.

"Durably" means from the client's row: neither eviction nor a cleared shared cache can bring a refused
token back, and another process sees the change within the per-process bound (``JWT_USER_CACHE_TTL``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
import time_machine
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from django_apiauth.conf import apiauth_settings
from django_apiauth.drf.jwt_authentication import JWTAuthentication
from django_apiauth.models import AuthEvent, EventType, RefreshTokenFamily
from django_apiauth.models.oauth import OAuthClient
from django_apiauth.models.refresh import RevocationReason
from django_apiauth.oauth import principal
from django_apiauth.oauth.lifecycle import deactivate_clients, delete_clients
from tests.support.clock import FakeClock, hand_clock
from tests.support.oauth import Pkce, basic, confidential, get_code, token_request

pytestmark = pytest.mark.django_db
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The client-state cache's clock, moved by hand (time-machine leaves ``monotonic`` alone)."""
    return hand_clock(monkeypatch, principal.client_states)


@pytest.fixture
def app() -> Any:
    return confidential()


def own_token(app: Any) -> str:
    response = token_request(Client(), {"grant_type": "client_credentials"}, **basic(app.client.client_id, app.secret))
    assert response.status_code == 200, response.content
    return str(response.json()["access_token"])


def user_tokens(app: Any, user: Any) -> dict[str, Any]:
    browser = Client()
    browser.force_login(user)
    pkce = Pkce()
    code = get_code(browser, app.client.client_id, pkce)
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": "https://client.example.com/callback"}
    data["code_verifier"] = pkce.verifier
    response = token_request(Client(), data, **basic(app.client.client_id, app.secret))
    assert response.status_code == 200, response.content
    return dict(response.json())


def status(token: str) -> int:
    """200 when ``JWTAuthentication`` accepts the token (a user's or a client's own), else 401."""
    request = Request(APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}"))
    try:
        JWTAuthentication().authenticate(request)
    except AuthenticationFailed:
        return 401
    return 200


def form_post(path: str, app: Any, token: str) -> Any:
    creds = basic(app.client.client_id, app.secret)
    return Client().post(path, urlencode({"token": token}), content_type=FORM, **creds)


def introspect(app: Any, token: str) -> dict[str, Any]:
    return dict(form_post("/auth/oauth/introspect/", app, token).json())


def test_deactivating_a_client_refuses_its_own_tokens_at_once(app: Any) -> None:
    token = own_token(app)
    assert status(token) == 200
    assert deactivate_clients([app.client]) == [app.client.client_id]
    assert status(token) == 401
    assert introspect(confidential(name="RS", may_introspect=True), token) == {"active": False}


def test_deactivating_a_client_ends_its_users_sessions(app: Any, user: Any) -> None:
    tokens = user_tokens(app, user)
    assert status(tokens["access_token"]) == 200
    deactivate_clients([app.client])
    assert status(tokens["access_token"]) == 401
    family = RefreshTokenFamily.objects.get(client_id=app.client.client_id)
    assert family.revoked_reason == RevocationReason.CLIENT_DEACTIVATED
    event = AuthEvent.objects.get(type=EventType.OAUTH_CLIENT_DEACTIVATED)
    assert event.details["client_id"] == app.client.client_id
    assert event.details["family_ids"] == [str(family.public_id)]


def test_first_party_tokens_do_not_depend_on_any_client(api_client: APIClient, user: Any, password: str) -> None:
    login = api_client.post("/auth/login/", {"username": user.get_username(), "password": password})
    assert login.status_code == 200, login.content
    with CaptureQueriesContext(connection) as ctx:
        assert status(login.json()["access_token"]) == 200
    assert ctx.captured_queries  # the user was loaded ...
    assert not [q for q in ctx.captured_queries if "apiauth_oauthclient" in q["sql"]]  # ... but no client row


def test_a_cleared_shared_cache_does_not_revive_a_deactivated_clients_token(app: Any) -> None:
    token = own_token(app)
    deactivate_clients([app.client])
    caches[apiauth_settings.CACHE_ALIAS].clear()
    principal.client_states.clear()
    assert status(token) == 401


def test_another_process_deactivation_is_seen_within_the_cache_bound(app: Any, clock: FakeClock) -> None:
    token = own_token(app)
    assert status(token) == 200  # the live state is now remembered in this process
    OAuthClient.objects.filter(pk=app.client.pk).update(is_active=False)  # as another process would
    clock.now += 0.5
    assert status(token) == 200  # within JWT_USER_CACHE_TTL (1 s)
    clock.now += 0.6
    assert status(token) == 401


def test_rfc7009_revocation_of_a_client_token_survives_a_cleared_cache(app: Any) -> None:
    first, second = own_token(app), own_token(app)
    assert form_post("/auth/oauth/revoke/", app, first).status_code == 200
    caches[apiauth_settings.CACHE_ALIAS].clear()
    principal.client_states.clear()
    assert status(first) == 401
    assert status(second) == 401  # a client's own tokens are revoked together


def test_a_token_issued_after_the_revocation_second_works(app: Any) -> None:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        token = own_token(app)
        assert form_post("/auth/oauth/revoke/", app, token).status_code == 200
        traveller.shift(1)
        fresh = own_token(app)
        assert status(fresh) == 200
        assert status(token) == 401


def test_deleting_clients_revokes_sessions_and_refuses_tokens(app: Any, user: Any) -> None:
    tokens = user_tokens(app, user)
    own = own_token(app)
    assert delete_clients(OAuthClient.objects.filter(pk=app.client.pk)) == 1
    assert status(own) == 401
    assert status(tokens["access_token"]) == 401
    assert RefreshTokenFamily.objects.get(client_id=app.client.client_id).revoked_at is not None


def test_deactivating_twice_records_once(app: Any) -> None:
    assert deactivate_clients([app.client]) == [app.client.client_id]
    assert deactivate_clients([app.client]) == []
    assert AuthEvent.objects.filter(type=EventType.OAUTH_CLIENT_DEACTIVATED).count() == 1


def test_a_reactivated_client_gets_new_tokens_but_not_the_old_ones(app: Any) -> None:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        old = own_token(app)
        deactivate_clients([app.client])
        OAuthClient.objects.filter(pk=app.client.pk).update(is_active=True)
        principal.forget_client(app.client.client_id)
        traveller.shift(1)
        assert status(own_token(app)) == 200
        assert status(old) == 401
