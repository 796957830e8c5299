"""``APIKeyAuthentication`` over HTTP: carriers, rejections (401 JSON, never 500), scopes, events."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from django_apiauth.api_keys.cache import AuthenticatedKey
from django_apiauth.api_keys.format import generate_key
from django_apiauth.api_keys.service import IssuedKey, revoke_api_key
from django_apiauth.drf.api_key_authentication import APIKeyAuthentication
from django_apiauth.drf.scopes import HasScope
from django_apiauth.models import APIKey, AuthEvent, EventType
from tests.support.users import login_name

pytestmark = pytest.mark.django_db
WHOAMI = "/api/whoami/"


def assert_refused(response: Any, status: int = 401) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert body["error"] == "invalid_token"
    assert body["error_description"]
    # The scheme that refused names itself, although JWT is first in DEFAULT_AUTHENTICATION_CLASSES.
    assert response["WWW-Authenticate"] == 'Api-Key realm="api"'
    return body


def rejections(reason: str) -> list[AuthEvent]:
    return [e for e in AuthEvent.objects.filter(type=EventType.API_KEY_REJECTED) if e.details.get("reason") == reason]


# --- carriers --------------------------------------------------------------------------------------------------


def test_x_api_key_header(api_client: APIClient, issue_key: Callable[..., IssuedKey]) -> None:
    issued = issue_key(scopes=["write", "read"])
    response = api_client.get(WHOAMI, HTTP_X_API_KEY=issued.plaintext)
    assert response.status_code == 200
    assert response.json() == {"user": login_name("alice"), "auth": "api_key", "scopes": ["read", "write"]}


@pytest.mark.parametrize("scheme", ["Api-Key", "api-key", "API-KEY"])
def test_authorization_header(api_client: APIClient, issue_key: Callable[..., IssuedKey], scheme: str) -> None:
    issued = issue_key()
    response = api_client.get(WHOAMI, HTTP_AUTHORIZATION=f"{scheme} {issued.plaintext}")
    assert response.status_code == 200
    assert response.json()["auth"] == "api_key"


def test_other_authorization_schemes_are_left_to_other_classes(api_client: APIClient) -> None:
    response = api_client.get(WHOAMI, HTTP_AUTHORIZATION="Basic YWxpY2U6c2VjcmV0")
    assert response.status_code == 401
    assert not AuthEvent.objects.exists()


def test_challenge_names_the_api_key_scheme() -> None:
    response = ReadView.as_view()(APIRequestFactory().get("/", HTTP_X_API_KEY="garbage"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Api-Key realm="api"'
    anonymous = ReadView.as_view()(APIRequestFactory().get("/"))
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == 'Api-Key realm="api"'


def test_configurable_header_name(api_client: APIClient, issue_key: Callable[..., IssuedKey], apiauth: Any) -> None:
    issued = issue_key()
    apiauth(API_KEY_HEADER="X-Service-Key")
    assert api_client.get(WHOAMI, HTTP_X_SERVICE_KEY=issued.plaintext).status_code == 200
    assert api_client.get(WHOAMI, HTTP_X_API_KEY=issued.plaintext).status_code == 401


def test_query_parameter_fails_unless_enabled(api_client: APIClient, issue_key: Callable[..., IssuedKey]) -> None:
    issued = issue_key()
    response = api_client.get(WHOAMI, {"api_key": issued.plaintext})
    assert response.status_code == 401
    assert APIKey.objects.get().last_used_at is None


def test_query_parameter_when_enabled_is_flagged(
    api_client: APIClient, issue_key: Callable[..., IssuedKey], apiauth: Any, caplog: pytest.LogCaptureFixture
) -> None:
    issued = issue_key()
    apiauth(API_KEY_QUERY_PARAM="api_key")
    with caplog.at_level(logging.WARNING, logger="django_apiauth.api_keys"):
        response = api_client.get(WHOAMI, {"api_key": issued.plaintext})
    assert response.status_code == 200
    assert response.json()["auth"] == "api_key"
    assert any("query parameter" in r.getMessage() for r in caplog.records)
    assert all(issued.plaintext not in r.getMessage() for r in caplog.records)
    wrong = generate_key("apiauth", lookup_id=issued.key.lookup_id).full
    assert_refused(api_client.get(WHOAMI, {"api_key": wrong}))
    (event,) = rejections("invalid_secret")
    assert event.details["via_query_param"] is True


def test_headers_win_over_the_query_parameter(
    api_client: APIClient, issue_key: Callable[..., IssuedKey], apiauth: Any
) -> None:
    issued = issue_key()
    apiauth(API_KEY_QUERY_PARAM="api_key")
    response = api_client.get(WHOAMI, {"api_key": "garbage"}, HTTP_X_API_KEY=issued.plaintext)
    assert response.status_code == 200


def test_the_same_key_in_both_headers_is_fine(api_client: APIClient, issue_key: Callable[..., IssuedKey]) -> None:
    key = issue_key().plaintext
    response = api_client.get(WHOAMI, HTTP_X_API_KEY=key, HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert response.status_code == 200


def test_two_different_keys_are_refused(api_client: APIClient, issue_key: Callable[..., IssuedKey]) -> None:
    first, second = issue_key(name="a").plaintext, issue_key(name="b").plaintext
    body = assert_refused(api_client.get(WHOAMI, HTTP_X_API_KEY=first, HTTP_AUTHORIZATION=f"Api-Key {second}"))
    assert "more than one" in body["error_description"]


# --- rejections ------------------------------------------------------------------------------------------------


def _wrong_checksum(issued: IssuedKey) -> str:
    key = issued.plaintext
    return key[:-1] + ("A" if key[-1] != "A" else "B")


def _revoked(issued: IssuedKey) -> str:
    revoke_api_key(issued.key.pk)
    return issued.plaintext


def _inactive_owner(issued: IssuedKey) -> str:
    get_user_model().objects.filter(pk=issued.key.owner_id).update(is_active=False)
    return issued.plaintext


def _expired(issued: IssuedKey) -> str:
    APIKey.objects.filter(pk=issued.key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    return issued.plaintext


REJECTED: list[Any] = [
    pytest.param(lambda i: "garbage", None, "Authorization", id="malformed"),
    pytest.param(lambda i: "", None, "X-API-Key", id="empty"),
    pytest.param(lambda i: "x" * 100_000, None, "X-API-Key", id="huge"),
    pytest.param(lambda i: i.plaintext + " extra", None, "Authorization", id="two-values"),
    pytest.param(lambda i: i.plaintext.replace("apiauth", "other"), None, "X-API-Key", id="foreign-prefix"),
    pytest.param(_wrong_checksum, None, "X-API-Key", id="wrong-checksum"),
    pytest.param(lambda i: generate_key("apiauth").full, "unknown_key", "X-API-Key", id="unknown"),
    pytest.param(
        lambda i: generate_key("apiauth", lookup_id=i.key.lookup_id).full,
        "invalid_secret",
        "Authorization",
        id="forged",
    ),
    pytest.param(_revoked, "revoked", "X-API-Key", id="revoked"),
    pytest.param(_expired, "expired", "Authorization", id="expired"),
    pytest.param(_inactive_owner, "inactive_owner", "X-API-Key", id="inactive-owner"),
]


@pytest.mark.parametrize(("make_key", "reason", "carrier"), REJECTED)
def test_bad_keys_answer_401_json(
    api_client: APIClient,
    issue_key: Callable[..., IssuedKey],
    make_key: Callable[[IssuedKey], str],
    reason: str | None,
    carrier: str,
) -> None:
    issued = issue_key()
    raw = make_key(issued)
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {raw}"} if carrier == "Authorization" else {"HTTP_X_API_KEY": raw}
    assert_refused(api_client.get(WHOAMI, **headers))
    if reason is None:  # refused by the format check alone: no event, nothing stored
        assert not AuthEvent.objects.filter(type=EventType.API_KEY_REJECTED).exists()
    else:
        (event,) = rejections(reason)
        assert event.details["lookup_id"] == issued.key.lookup_id or reason == "unknown_key"
        assert raw not in str(event.details)


def test_malformed_keys_cost_no_query(
    api_client: APIClient, issue_key: Callable[..., IssuedKey], django_assert_num_queries: Any
) -> None:
    issued = issue_key()
    for bad in ("garbage", _wrong_checksum(issued), issued.plaintext[:-3]):
        with django_assert_num_queries(0):
            assert_refused(api_client.get(WHOAMI, HTTP_X_API_KEY=bad))


def test_rejections_are_aggregated_per_client_ip(api_client: APIClient) -> None:
    for _ in range(4):
        assert_refused(api_client.get(WHOAMI, HTTP_X_API_KEY=generate_key("apiauth").full))
    (event,) = AuthEvent.objects.filter(type=EventType.API_KEY_REJECTED)
    assert event.count == 4
    assert event.user is None
    assert event.client_ip == "127.0.0.1"


def test_rejection_names_the_owner_only_after_the_secret_verified(
    api_client: APIClient, issue_key: Callable[..., IssuedKey], user: User
) -> None:
    issued = issue_key()
    revoke_api_key(issued.key.pk)
    body = assert_refused(api_client.get(WHOAMI, HTTP_X_API_KEY=issued.plaintext))
    assert "revoked" in body["error_description"]
    (event,) = rejections("revoked")
    assert event.user == user
    assert event.details["api_key_id"] == issued.key.pk


def test_expired_after_its_lifetime(api_client: APIClient, issue_key: Callable[..., IssuedKey]) -> None:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        issued = issue_key(lifetime=timedelta(hours=1))
        assert api_client.get(WHOAMI, HTTP_X_API_KEY=issued.plaintext).status_code == 200
        traveller.shift(timedelta(minutes=59, seconds=59))
        assert api_client.get(WHOAMI, HTTP_X_API_KEY=issued.plaintext).status_code == 200
        traveller.shift(timedelta(seconds=1))
        body = assert_refused(api_client.get(WHOAMI, HTTP_X_API_KEY=issued.plaintext))
    assert "expired" in body["error_description"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(max_size=300), use_authorization=st.booleans())
def test_fuzzed_credentials_never_cause_a_server_error(
    api_client: APIClient, value: str, use_authorization: bool
) -> None:
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {value}"} if use_authorization else {"HTTP_X_API_KEY": value}
    response = api_client.get(WHOAMI, **headers)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


# --- what a view sees ------------------------------------------------------------------------------------------


class ReadView(APIView):
    authentication_classes = [APIKeyAuthentication]
    permission_classes = [HasScope]
    required_scopes = ["read"]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class WriteView(ReadView):
    required_scopes = ["read", "write"]


def test_has_scope_uses_the_key_scopes(issue_key: Callable[..., IssuedKey]) -> None:
    factory = APIRequestFactory()
    issued = issue_key(scopes=["read"])
    assert ReadView.as_view()(factory.get("/", HTTP_X_API_KEY=issued.plaintext)).status_code == 200
    response = WriteView.as_view()(factory.get("/", HTTP_X_API_KEY=issued.plaintext))
    assert response.status_code == 403
    assert response.data["error"] == "insufficient_scope"
    assert "WWW-Authenticate" not in response  # RFC 6750's scope challenge belongs to bearer tokens only


def test_request_auth_is_the_key_and_user_the_owner(issue_key: Callable[..., IssuedKey], user: User) -> None:
    issued = issue_key(name="deploy", scopes=["read"])
    request = Request(APIRequestFactory().get("/", HTTP_X_API_KEY=issued.plaintext))
    owner, key = APIKeyAuthentication().authenticate(request)  # type: ignore[misc]
    assert owner == user
    assert isinstance(key, AuthenticatedKey)
    assert (key.id, key.name, key.scopes, key.lookup_id) == (issued.key.pk, "deploy", {"read"}, issued.key.lookup_id)
    assert key.service is None
    assert issued.plaintext not in repr(key)
    assert issued.key.secret_hash not in repr(key)


def test_each_request_gets_its_own_user_object(issue_key: Callable[..., IssuedKey]) -> None:
    """The owner row is cached per process; a view changing ``request.user`` must not leak into other requests."""
    issued = issue_key()
    request = Request(APIRequestFactory().get("/", HTTP_X_API_KEY=issued.plaintext))
    first, _ = APIKeyAuthentication().authenticate(request)  # type: ignore[misc]
    first.is_staff = True
    second, _ = APIKeyAuthentication().authenticate(request)  # type: ignore[misc]
    assert second is not first
    assert second.is_staff is False
    assert second._state.adding is False
