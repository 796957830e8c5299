"""The async path: ``aauthenticate`` and ``AuthenticationMiddleware`` under Django's ASGI handler.

A credential answered by the per-process caches is verified on the event loop: the thread switches are
counted by wrapping ``sync_to_async`` where the async core calls it (nothing is mocked: the same database,
cache and verification run).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.contrib.auth.models import User
from django.test import AsyncClient, RequestFactory
from rest_framework.test import APIClient

from django_apiauth import authn
from django_apiauth.authn import asynchronous
from django_apiauth.exceptions import InvalidToken
from django_apiauth.jwt.access import issue_access_token
from django_apiauth.models.events import AuthEvent
from tests.support.refresh_tokens import login_pair

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every thread switch the async core makes, by function name."""
    switched: list[str] = []

    def counting(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        switched.append(func.__name__)
        return sync_to_async(func, *args, **kwargs)

    monkeypatch.setattr(asynchronous, "sync_to_async", counting)
    return switched


@pytest.fixture
def frozen_local_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Per-process cache entries never expire during the test, however slow the machine is."""
    from django_apiauth.api_keys.cache import verified_keys
    from django_apiauth.jwt.subjects import user_cache
    from django_apiauth.refresh.revocation import known_live

    for cache in (verified_keys, user_cache, known_live):
        monkeypatch.setattr(cache, "clock", lambda: 1_000.0)


def _request(**headers: str) -> Any:
    return RequestFactory().get("/", **headers)


def _authenticate(**headers: str) -> Any:
    return async_to_sync(authn.aauthenticate)(_request(**headers))


@pytest.mark.usefixtures("frozen_local_caches")
def test_a_cached_jwt_costs_no_thread_switch(user: User, hops: list[str]) -> None:
    token = login_pair(APIClient())["access_token"]  # a live session
    hops.clear()
    assert _authenticate(HTTP_AUTHORIZATION=f"Bearer {token}").user == user
    assert hops == ["authenticate"]  # cold: user query and revocation-list read, off the loop

    for _ in range(5):
        identity = _authenticate(HTTP_AUTHORIZATION=f"Bearer {token}")
        assert identity.user == user
        assert identity.scheme == "jwt"
    assert hops == ["authenticate"]  # warm: no further switch


@pytest.mark.usefixtures("frozen_local_caches")
def test_a_cached_api_key_costs_no_thread_switch(issue_key: Callable[..., Any], user: User, hops: list[str]) -> None:
    key = issue_key(scopes=["read"]).plaintext
    assert _authenticate(headers={"X-API-Key": key}).user == user
    assert hops == ["authenticate"]  # cold: the row query and the last_used_at write

    for _ in range(5):
        identity = _authenticate(headers={"X-API-Key": key})
        assert identity.auth.scopes == frozenset({"read"})
    assert hops == ["authenticate"]


def test_a_refusal_records_its_event_off_the_loop(hops: list[str]) -> None:
    with pytest.raises(InvalidToken):
        _authenticate(headers={"Authorization": "Bearer not.a.jwt"})
    assert hops == ["authenticate"]
    assert AuthEvent.objects.count() == 1


def test_no_credential_costs_nothing(hops: list[str]) -> None:
    assert _authenticate() is None
    assert hops == []


def test_a_revocation_is_seen_on_the_async_path(user: User) -> None:
    from django_apiauth.jwt.access import verify_access_token
    from django_apiauth.refresh.revocation import remember_revoked

    token = login_pair(APIClient())["access_token"]
    remember_revoked([verify_access_token(token)["sid"]])
    with pytest.raises(InvalidToken):
        _authenticate(HTTP_AUTHORIZATION=f"Bearer {token}")


# --- the middleware under Django's ASGI handler ---------------------------------------------------------------
pytestmark_urls = pytest.mark.urls("tests.support.middleware_urls")


@pytestmark_urls
@pytest.mark.usefixtures("frozen_local_caches")
def test_async_middleware_path_on_a_warm_cache_switches_no_thread(user: User, hops: list[str]) -> None:
    token = issue_access_token(user, scopes=["read"]).token
    client = AsyncClient()

    async def fetch(path: str, **headers: str) -> Any:
        return await client.get(path, headers=headers)

    first = async_to_sync(fetch)("/async/", Authorization=f"Bearer {token}")
    assert first.status_code == 200
    assert first.json()["user"] == user.get_username()
    for _ in range(3):
        assert async_to_sync(fetch)("/async/", Authorization=f"Bearer {token}").status_code == 200
    assert hops == ["authenticate"]


@pytestmark_urls
@pytest.mark.parametrize(("path", "status"), [("/async/", 401), ("/sync/", 401), ("/whoever/", 200)])
def test_asgi_handler_without_credential(path: str, status: int) -> None:
    response = async_to_sync(AsyncClient().get)(path)
    assert response.status_code == status


@pytestmark_urls
def test_asgi_handler_with_api_key_and_refusals(issue_key: Callable[..., Any]) -> None:
    key = issue_key(scopes=["read"]).plaintext
    client = AsyncClient()
    assert async_to_sync(client.get)("/async/", headers={"X-API-Key": key}).json()["auth"] == "AuthenticatedKey"
    assert async_to_sync(client.get)("/sync/", headers={"X-API-Key": key}).status_code == 200
    assert async_to_sync(client.get)("/async-write/", headers={"X-API-Key": key}).status_code == 403
    refused = async_to_sync(client.get)("/whoever/", headers={"Authorization": "Bearer not.a.jwt"})
    assert refused.json()["user"] is None
    basic = async_to_sync(client.get)("/whoever/", headers={"Authorization": "Basic eDp5"})
    assert basic.json()["user"] is None
    assert async_to_sync(client.get)("/admin/", headers={"X-API-Key": key}).status_code == 302
    # DRF views authenticate themselves: a session-only DRF view does not see the key
    assert async_to_sync(client.get)("/drf-session-only/", headers={"X-API-Key": key}).status_code == 403


@pytestmark_urls
def test_asgi_handler_auser_returns_the_credentials_user(user: User) -> None:
    token = issue_access_token(user).token
    answer = async_to_sync(AsyncClient().get)("/awhoever/", headers={"Authorization": f"Bearer {token}"})
    assert answer.json() == {"user": user.get_username()}


def test_a_refused_key_counts_once_against_its_network(apiauth: Callable[..., None]) -> None:
    """A refusal that reruns off the loop is counted by the rerun only: the network waits after exactly
    ``LOCKOUT_IP_FAILURES`` refused keys, as on the sync path."""
    from django_apiauth.api_keys.exceptions import APIKeyRejected
    from django_apiauth.api_keys.format import generate_key
    from django_apiauth.exceptions import RateLimited

    apiauth(LOCKOUT_IP_FAILURES=3)
    made_up = generate_key("apiauth").full
    for _ in range(3):
        with pytest.raises(APIKeyRejected):
            _authenticate(HTTP_X_API_KEY=made_up)
    with pytest.raises(RateLimited):
        _authenticate(HTTP_X_API_KEY=made_up)
