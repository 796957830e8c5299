"""The example project's scope model over HTTP: its own SCOPES, LOGIN_SCOPES and ``GET /api/reports/``."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from example_project import settings as example_settings
from tests.support.scopes import REPORTS, bearer_get, login_as

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _example_scopes(apiauth: Any, settings: Any) -> None:
    settings.ROOT_URLCONF = "example_project.urls"  # the example's own views (the suite has its own URLconf)
    apiauth(SCOPES=example_settings.APIAUTH["SCOPES"], LOGIN_SCOPES=example_settings.APIAUTH["LOGIN_SCOPES"])


def test_the_registry_is_the_documented_one() -> None:
    grants = {name: entry["grant"] for name, entry in example_settings.APIAUTH["SCOPES"].items()}  # type: ignore[attr-defined]
    assert grants == {"read": "anyone", "write": "anyone", "admin": "staff", "reports:read": "staff"}


def test_staff_reads_reports(api_client: APIClient, staff_user: Any) -> None:
    body = login_as(api_client, staff_user, scope="read reports:read").json()

    response = bearer_get(REPORTS, body["access_token"])

    assert response.status_code == 200
    assert set(response.json()) == {"reports"}
    assert response.json()["reports"]


def test_an_ordinary_user_gets_the_default_set_and_no_reports(api_client: APIClient, user: Any) -> None:
    body = login_as(api_client, user).json()

    assert body["scope"] == "read write"
    refused = bearer_get(REPORTS, body["access_token"])
    assert refused.status_code == 403
    assert refused.json()["error"] == "insufficient_scope"
    assert refused["WWW-Authenticate"] == 'Bearer error="insufficient_scope", scope="reports:read"'  # RFC 6750 §3.1


def test_reports_refuse_anonymous_callers(api_client: APIClient) -> None:
    assert api_client.get(REPORTS).status_code == 401
