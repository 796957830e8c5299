"""Helpers shared by the refresh-token tests: obtain tokens only through the public endpoints."""

from __future__ import annotations

from typing import Any

from django.db import connection
from rest_framework.test import APIClient

from django_apiauth.models.refresh import RefreshTokenFamily
from tests.support.users import login_name

LOGIN = "/auth/login/"
REFRESH = "/auth/refresh/"
LOGOUT = "/auth/logout/"
LOGOUT_ALL = "/auth/logout-all/"
SESSIONS = "/auth/sessions/"
PASSWORD = "correct horse battery staple"  # the conftest ``password`` fixture's value


def login(client: APIClient, username: str = "alice", password: str = PASSWORD) -> Any:
    """Log in; returns the response (assert its status yourself when it may fail)."""
    return client.post(LOGIN, {"username": login_name(username), "password": password}, format="json")


def login_pair(client: APIClient, username: str = "alice", password: str = PASSWORD) -> dict[str, Any]:
    response = login(client, username, password)
    assert response.status_code == 200, response.content
    return dict(response.json())


def refresh(client: APIClient, token: Any, **extra: Any) -> Any:
    return client.post(REFRESH, {"refresh_token": token}, format="json", **extra)


def bearer(client: APIClient, access_token: str) -> APIClient:
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token}")
    return client


def only_family() -> RefreshTokenFamily:
    return RefreshTokenFamily.objects.get()


def all_stored_text(table: str) -> str:
    """Every value of every row of ``table``, read with raw SQL, as one string."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - a model's table name
        return "\n".join(" ".join(str(value) for value in row) for row in cursor.fetchall())
