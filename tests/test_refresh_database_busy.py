"""A lock held longer than the database's timeout answers 503 ``temporarily_unavailable``, never 500."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import OperationalError, connection
from rest_framework.test import APIClient

from django_apiauth.db_contention import is_contention, unavailable_when_busy
from django_apiauth.models.refresh import RefreshToken
from tests.support.refresh_tokens import login_pair, refresh

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def locked_elsewhere(user: Any) -> Iterator[str]:
    """A refresh token whose row another connection holds locked; this connection gives up after 0.2 s."""
    token = login_pair(APIClient())["refresh_token"]
    if connection.vendor == "sqlite":
        other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # the whole database's write lock
        connection.close()
        connection.settings_dict["OPTIONS"]["timeout"] = 0.2
        try:
            yield token
        finally:
            other.execute("ROLLBACK")
            other.close()
            connection.close()
            connection.settings_dict["OPTIONS"]["timeout"] = 20
        return
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"]
    ) as other:
        other.execute(f"SELECT 1 FROM {RefreshToken._meta.db_table} FOR UPDATE")  # noqa: S608 - our table
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        try:
            yield token
        finally:
            other.rollback()
            connection.close()


def test_a_refresh_that_waited_in_vain_answers_503_and_changes_nothing(locked_elsewhere: str) -> None:
    response = refresh(APIClient(), locked_elsewhere)

    assert response.status_code == 503, response.content
    assert response.json() == {
        "error": "temporarily_unavailable",
        "error_description": "The service is temporarily unavailable; retry later.",
    }
    assert int(response["Retry-After"]) >= 1
    assert RefreshToken.objects.filter(used_at=None).count() == 1  # nothing was consumed


def test_other_database_errors_are_not_disguised() -> None:
    @unavailable_when_busy
    def broken() -> None:
        raise OperationalError("no such table: apiauth_nothing")

    with pytest.raises(OperationalError):
        broken()


def test_postgres_contention_is_recognised_by_its_sqlstate() -> None:
    exc = OperationalError("deadlock")
    exc.__cause__ = psycopg.errors.DeadlockDetected("deadlock detected")
    assert is_contention(exc)
    assert not is_contention(OperationalError("server closed the connection unexpectedly"))
