"""Helpers of the scope tests: log in through the public endpoint with any user model."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

LOGIN = "/auth/login/"
REFRESH = "/auth/refresh/"
REPORTS = "/api/reports/"
PASSWORD = "correct horse battery staple"  # the conftest ``password`` fixture's value


def login_as(client: APIClient, user: Any, password: str = PASSWORD, **body: Any) -> Any:
    """POST the login with the user's ``USERNAME_FIELD`` value under ``username`` plus ``body``."""
    return client.post(LOGIN, {"username": user.get_username(), "password": password, **body}, format="json")


def username_field() -> str:
    return str(get_user_model().USERNAME_FIELD)


def bearer_get(path: str, access_token: str) -> Any:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token}")
    return client.get(path)
