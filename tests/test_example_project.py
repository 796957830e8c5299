"""The example project boots and answers its public contract."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

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
    assert response.json() == {"user": "alice", "auth": "session", "scopes": []}


def test_admin_is_served(api_client: APIClient) -> None:
    response = api_client.get("/admin/login/")
    assert response.status_code == 200
    assert b"Django" in response.content


def test_unknown_url_answers_json_404(api_client: APIClient) -> None:
    response = api_client.get("/no/such/page/")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
