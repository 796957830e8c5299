"""The example project boots and answers its public contract."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponse
from rest_framework.test import APIClient

from tests.support.users import login_name

pytestmark = pytest.mark.django_db


def test_whoami_anonymous_is_refused_with_oauth_json(api_client: APIClient) -> None:
    response = api_client.get("/api/whoami/")
    assert response.status_code in (401, 403)
    body = response.json()
    assert set(body) >= {"error", "error_description"}


def test_whoami_reports_session_user(api_client: APIClient, user: User) -> None:
    api_client.force_login(user)
    response = api_client.get("/api/whoami/")
    assert response.status_code == 200
    assert response.json() == {"user": login_name("alice"), "auth": "session", "scopes": []}


def test_admin_is_served(api_client: APIClient) -> None:
    response = api_client.get("/admin/login/")
    assert response.status_code == 200
    assert b"Django" in response.content


def test_unknown_url_answers_json_404(api_client: APIClient) -> None:
    response = api_client.get("/no/such/page/")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize(
    ("handler", "status", "error"),
    [
        ("bad_request", 400, "invalid_request"),
        ("permission_denied", 403, "access_denied"),
        ("page_not_found", 404, "not_found"),
    ],
)
def test_json_error_handlers(handler: str, status: int, error: str) -> None:
    from django.test import RequestFactory

    from django_apiauth.views import errors

    response = getattr(errors, handler)(RequestFactory().get("/"), Exception("x"))
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert b'"error": "' + error.encode() + b'"' in response.content


def test_json_server_error_handler() -> None:
    from django.test import RequestFactory

    from django_apiauth.views.errors import error_response, server_error

    assert server_error(RequestFactory().get("/")).status_code == 500
    extra = error_response("invalid_token", "no", 401, headers={"WWW-Authenticate": "Bearer"})
    assert extra["WWW-Authenticate"] == "Bearer"


def test_security_headers_present(api_client: APIClient) -> None:
    response = api_client.get("/api/whoami/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"


def test_csrf_failure_answers_json(db: None) -> None:
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/admin/login/", {"username": login_name("x"), "password": "y"})
    assert response.status_code == 403
    assert response.json()["error"] == "access_denied"


def test_rates_and_lockout_thresholds_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    import example_project.settings as example_settings

    monkeypatch.setenv("APIAUTH_THROTTLE_RATES", "login=1000/min, refresh=500/min,junk")
    monkeypatch.setenv("APIAUTH_LOCKOUT_FAILURES", "1000")
    monkeypatch.setenv("APIAUTH_LOCKOUT_IP_FAILURES", "lots")
    monkeypatch.setenv("APIAUTH_PASSWORD_HASHERS", "tests.support.hashers.CountingHasher")
    try:
        reloaded = importlib.reload(example_settings)
        assert reloaded.APIAUTH["THROTTLE_RATES"] == {"login": "1000/min", "refresh": "500/min"}
        assert reloaded.APIAUTH["LOCKOUT_FAILURES"] == 1000
        assert "LOCKOUT_IP_FAILURES" not in reloaded.APIAUTH
        assert reloaded.PASSWORD_HASHERS == ["tests.support.hashers.CountingHasher"]
    finally:
        monkeypatch.undo()
        importlib.reload(example_settings)


def test_the_demo_starts_without_warnings_before_collectstatic(settings: Any) -> None:
    import importlib

    from whitenoise.middleware import WhiteNoiseMiddleware

    import example_project.settings as example_settings

    if example_settings.STATIC_ROOT.exists():
        pytest.skip("collectstatic has run in this checkout")
    with warnings.catch_warnings(record=True) as caught:  # restores the filters the reload installs
        warnings.simplefilter("always")
        importlib.reload(example_settings)
        settings.STATIC_ROOT = example_settings.STATIC_ROOT
        WhiteNoiseMiddleware(lambda request: HttpResponse())
    assert [str(warning.message) for warning in caught] == []
