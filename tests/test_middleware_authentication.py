"""``AuthenticationMiddleware`` and ``@require_auth``/``@require_scopes`` on plain Django views (sync and async
views, served here through Django's WSGI test client)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.test import Client

from django_apiauth.exceptions import ApiAuthError
from django_apiauth.jwt.access import issue_access_token
from django_apiauth.models.events import AuthEvent, EventType

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.support.middleware_urls")]


@pytest.fixture
def token(user: User) -> str:
    return issue_access_token(user, scopes=["read"]).token


@pytest.fixture
def key(issue_key: Callable[..., Any]) -> str:
    return str(issue_key(scopes=["read"]).plaintext)


@pytest.mark.parametrize("path", ["/sync/", "/async/"])
def test_a_valid_jwt_is_accepted(client: Client, token: str, path: str, user: User) -> None:
    response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json() == {"user": user.get_username(), "auth": "dict", "scopes": ["read"]}


@pytest.mark.parametrize("path", ["/sync/", "/async/"])
def test_a_valid_api_key_is_accepted(client: Client, key: str, path: str, user: User) -> None:
    for headers in ({"HTTP_X_API_KEY": key}, {"HTTP_AUTHORIZATION": f"Api-Key {key}"}):
        response = client.get(path, **headers)
        assert response.status_code == 200
        assert response.json() == {"user": user.get_username(), "auth": "AuthenticatedKey", "scopes": ["read"]}


@pytest.mark.parametrize("path", ["/sync/", "/async/"])
def test_no_credential_answers_401_json_with_a_challenge(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert response["WWW-Authenticate"] == "Bearer"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/sync/", "/async/"])
def test_a_forged_jwt_answers_invalid_token_and_is_recorded(client: Client, path: str) -> None:
    response = client.get(path, HTTP_AUTHORIZATION="Bearer not.a.jwt")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert AuthEvent.objects.filter(type=EventType.TOKEN_REJECTED).count() == 1


@pytest.mark.parametrize("path", ["/sync/", "/async/"])
def test_a_bad_api_key_answers_invalid_token_with_the_api_key_challenge(client: Client, path: str, key: str) -> None:
    response = client.get(path, HTTP_X_API_KEY=key[:-3] + "AAA")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert response["WWW-Authenticate"] == 'Api-Key realm="api"'


def test_two_different_keys_are_refused(client: Client, key: str) -> None:
    response = client.get("/sync/", HTTP_X_API_KEY=key, HTTP_AUTHORIZATION="Api-Key apiauth_other_x")
    assert response.status_code == 401


def test_required_scopes(client: Client, key: str, token: str) -> None:
    assert client.get("/sync-read/", HTTP_X_API_KEY=key).status_code == 200
    assert client.get("/sync-read/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    response = client.get("/async-write/", HTTP_X_API_KEY=key)
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"
    assert response["WWW-Authenticate"] == 'Bearer error="insufficient_scope", scope="write"'


def test_require_scopes_splits_space_delimited_lists() -> None:
    from django_apiauth.decorators import _flatten

    assert _flatten(["read write", "admin"]) == ["read", "write", "admin"]


def test_a_session_alone_does_not_satisfy_require_auth(client: Client, user: User) -> None:
    client.force_login(user)
    assert client.get("/sync/").status_code == 401
    assert client.get("/whoever/").json()["user"] == user.get_username()  # the session user is left in place


def test_a_view_that_never_reads_the_identity_costs_no_verification(client: Client) -> None:
    assert client.get("/untouched/", HTTP_AUTHORIZATION="Bearer not.a.jwt").status_code == 200
    assert not AuthEvent.objects.exists()  # the forged token was never looked at
    assert client.get("/whoever/", HTTP_AUTHORIZATION="Bearer not.a.jwt").json()["user"] is None
    assert AuthEvent.objects.count() == 1


def test_another_schemes_authorization_header_leaves_the_session_user(client: Client, user: User) -> None:
    client.force_login(user)
    response = client.get("/whoever/", HTTP_AUTHORIZATION="Basic YWxpY2U6eA==")
    assert response.json()["user"] == user.get_username()


def test_a_refused_credential_replaces_the_session_user_with_anonymous(client: Client, user: User) -> None:
    client.force_login(user)
    assert client.get("/whoever/", HTTP_AUTHORIZATION="Bearer not.a.jwt").json()["user"] is None


def test_async_view_reads_the_identity_through_auser(client: Client, token: str, user: User) -> None:
    assert client.get("/awhoever/", HTTP_AUTHORIZATION=f"Bearer {token}").json() == {"user": user.get_username()}
    client.force_login(user)
    assert client.get("/awhoever/").json() == {"user": user.get_username()}


# --- what the middleware must not do -----------------------------------------------------------------------
def test_admin_session_login_still_works(client: Client, password: str, make_staff: Callable[[], Any]) -> None:
    staff = make_staff()
    response = client.post("/admin/login/?next=/admin/", {"username": staff.get_username(), "password": password})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_the_admin_never_accepts_an_api_credential(client: Client, make_staff: Callable[[], Any]) -> None:
    staff = make_staff()
    token = issue_access_token(staff).token
    response = client.get("/admin/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_drf_view_trusting_sessions_does_not_see_middleware_identities(client: Client, key: str) -> None:
    response = client.get("/drf-session-only/", HTTP_X_API_KEY=key)
    assert response.status_code == 403  # DRF: not authenticated by its own classes


def test_no_csrf_exemption_is_turned_on(user: User, token: str) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post("/unexempt-post/").status_code == 403  # CSRF still guards the view
    assert client.post("/unexempt-post/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 403
    assert client.post("/exempt-post/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    assert client.post("/exempt-post/").status_code == 401  # the exempt view never accepts the cookie


def test_decorators_work_without_the_middleware(client: Client, settings: Any, token: str, user: User) -> None:
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.startswith("django_apiauth.middleware.Auth")]
    assert client.get("/sync/", HTTP_AUTHORIZATION=f"Bearer {token}").json()["user"] == user.get_username()
    assert client.get("/async/", HTTP_AUTHORIZATION=f"Bearer {token}").json()["user"] == user.get_username()
    assert client.get("/sync/").status_code == 401


@pytest.fixture
def make_staff(password: str) -> Callable[[], Any]:
    def make() -> Any:
        model = get_user_model()
        fields = {model.USERNAME_FIELD: "staffer@example.com", "password": password}
        return model._default_manager.create_user(**fields, is_staff=True, is_superuser=True)

    return make


class _Outage(ApiAuthError):
    error = "temporarily_unavailable"
    status_code = 503

    def __init__(self) -> None:
        self.retry_after = 7
        super().__init__("The service is temporarily unavailable; retry later.")


def test_an_undecidable_credential_answers_its_own_status_with_retry_after() -> None:
    import json

    from django_apiauth.authn.request_state import Outcome
    from django_apiauth.decorators import refusal

    response = refusal(Outcome(error=_Outage()))
    assert response is not None
    assert (response.status_code, response["Retry-After"]) == (503, "7")
    assert json.loads(response.content)["error"] == "temporarily_unavailable"
    assert "WWW-Authenticate" not in response
