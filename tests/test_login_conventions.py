"""Django's login conventions at ``POST /auth/login/``: USERNAME_FIELD, last_login, auth signals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model, user_logged_in, user_login_failed
from rest_framework.test import APIClient

from tests.support.scopes import LOGIN, PASSWORD, login_as, username_field
from tests.support.users import login_name

pytestmark = pytest.mark.django_db


@pytest.fixture
def received() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    calls: list[tuple[str, dict[str, Any]]] = []

    def on_login(sender: Any, **kwargs: Any) -> None:
        calls.append(("logged_in", kwargs))

    def on_failure(sender: Any, **kwargs: Any) -> None:
        calls.append(("failed", kwargs))

    user_logged_in.connect(on_login, dispatch_uid="test-login")
    user_login_failed.connect(on_failure, dispatch_uid="test-failure")
    yield calls
    user_logged_in.disconnect(dispatch_uid="test-login")
    user_login_failed.disconnect(dispatch_uid="test-failure")


def test_login_body_field_is_named_after_username_field(api_client: APIClient, user: Any) -> None:
    field = username_field()
    response = api_client.post(LOGIN, {field: user.get_username(), "password": PASSWORD}, format="json")
    assert response.status_code == 200


def test_username_keeps_working(api_client: APIClient, user: Any) -> None:
    assert login_as(api_client, user).status_code == 200


def test_email_field_login_with_a_custom_field_name(api_client: APIClient, user: Any, monkeypatch: Any) -> None:
    """With ``USERNAME_FIELD = "email"`` the body may say ``email``; both fields disagreeing is refused."""
    monkeypatch.setattr(get_user_model(), "USERNAME_FIELD", "email")
    user.email = "alice@example.com"
    user.save(update_fields=["email"])

    ok = api_client.post(LOGIN, {"email": "alice@example.com", "password": PASSWORD}, format="json")
    both = api_client.post(
        LOGIN, {"email": "alice@example.com", "username": login_name("x"), "password": PASSWORD}, format="json"
    )
    missing = api_client.post(LOGIN, {"password": PASSWORD}, format="json")

    assert ok.status_code == 200
    assert both.status_code == 400
    assert both.json()["error"] == "invalid_request"
    assert missing.status_code == 400
    assert missing.json() == {
        "error": "invalid_request",
        "error_description": "The email (or username) field is required.",
    }


def test_last_login_is_updated(api_client: APIClient, user: Any) -> None:
    assert user.last_login is None
    login_as(api_client, user)
    user.refresh_from_db()
    assert user.last_login is not None


def test_last_login_can_be_left_alone(api_client: APIClient, user: Any, apiauth: Any, client: Any) -> None:
    apiauth(UPDATE_LAST_LOGIN=False)

    login_as(api_client, user)
    user.refresh_from_db()
    assert user.last_login is None
    client.force_login(user)  # Django's own login still updates it: the setting is about our endpoint
    user.refresh_from_db()
    assert user.last_login is not None


def test_user_logged_in_is_sent_with_the_request(api_client: APIClient, user: Any, received: list[Any]) -> None:
    login_as(api_client, user)

    (kind, kwargs), *rest = received
    assert kind == "logged_in"
    assert not rest
    assert kwargs["user"].pk == user.pk
    assert kwargs["request"].path == LOGIN


@pytest.mark.parametrize("username", ["alice", "nobody"])
def test_user_login_failed_is_sent_with_the_request(
    api_client: APIClient, user: Any, received: list[Any], username: str
) -> None:
    name = user.get_username() if username == "alice" else "nobody"

    response = api_client.post(LOGIN, {"username": name, "password": "wrong"}, format="json")

    assert response.status_code == 401
    (kind, kwargs), *rest = received
    assert kind == "failed"
    assert not rest
    assert kwargs["request"].path == LOGIN
    assert "wrong" not in str(kwargs["credentials"])  # Django cleanses the password


def test_an_inactive_user_accepted_by_a_backend_is_refused_and_reported(
    api_client: APIClient, user: Any, received: list[Any], settings: Any
) -> None:
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.AllowAllUsersModelBackend"]
    user.is_active = False
    user.save(update_fields=["is_active"])

    response = login_as(api_client, user)

    assert response.status_code == 401
    assert [kind for kind, _ in received] == ["failed"]
    assert received[0][1]["request"].path == LOGIN


def test_refresh_sends_no_login_signal(api_client: APIClient, user: Any, received: list[Any]) -> None:
    pair = login_as(api_client, user).json()
    received.clear()

    APIClient().post("/auth/refresh/", {"refresh_token": pair["refresh_token"]}, format="json")

    assert received == []


def test_user_models_without_last_login_keep_django_wiring(monkeypatch: pytest.MonkeyPatch) -> None:
    from django_apiauth.login import complete

    class NoLastLogin:
        pass

    before = list(user_logged_in.receivers)
    monkeypatch.setattr(complete, "get_user_model", lambda: NoLastLogin)
    complete.connect()
    assert list(user_logged_in.receivers) == before
