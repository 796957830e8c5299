"""A PostgreSQL server that cannot be reached: every endpoint answers 503 ``temporarily_unavailable`` with
``Retry-After`` (JSON), never a 500, and nothing was consumed, so the client's retry succeeds once the server
answers again.

The outage is real: the connection is pointed at a local port nobody listens on, so psycopg's connection attempt
is refused exactly as when the server is down.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from django.contrib.auth.models import User
from django.db import OperationalError, connection
from django.test import Client
from rest_framework.test import APIClient

from django_apiauth.api_keys.service import create_api_key
from django_apiauth.db_contention import busy_refusal, is_unavailable
from django_apiauth.exceptions import TemporarilyUnavailable
from tests.support.oauth import basic, confidential, token_request
from tests.support.refresh_tokens import LOGOUT_ALL, REFRESH, bearer, login, login_pair


class Database:
    """``stop()``: every new connection of this thread is refused; ``start()``: the server answers again."""

    def __init__(self, free_port: Callable[[], int]) -> None:
        self.port = connection.settings_dict["PORT"]
        self.free_port = free_port

    def stop(self) -> None:
        connection.close()
        connection.settings_dict["PORT"] = str(self.free_port())

    def start(self) -> None:
        connection.close()
        connection.settings_dict["PORT"] = self.port


@pytest.fixture
def database(free_port: Callable[[], int]) -> Iterator[Database]:
    server = Database(free_port)
    yield server
    server.start()


def assert_unavailable(response: Any) -> None:
    assert response.status_code == 503, response.content
    assert response.json() == {
        "error": "temporarily_unavailable",
        "error_description": "The service is temporarily unavailable; retry later.",
    }
    assert int(response["Retry-After"]) >= 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_every_credential_endpoint_answers_503_and_the_retry_succeeds(user: User, database: Database) -> None:
    pair = login_pair(APIClient())
    key = create_api_key(owner=user, name="outage", scopes=[]).plaintext
    app = confidential()
    database.stop()

    answers = {
        "login": login(APIClient()),
        "refresh": APIClient().post(REFRESH, {"refresh_token": pair["refresh_token"]}, format="json"),
        "api key": APIClient().get("/api/whoami/", HTTP_X_API_KEY=key),
        "logout-all": bearer(APIClient(), pair["access_token"]).post(LOGOUT_ALL),
        "key creation": bearer(APIClient(), pair["access_token"]).post(
            "/auth/api-keys/", {"name": "during", "scopes": []}, format="json"
        ),
        "client credentials": token_request(
            Client(), {"grant_type": "client_credentials"}, **basic(app.client.client_id, app.secret)
        ),
        "jwks": Client().get("/auth/jwks.json"),
    }
    for name, response in answers.items():
        assert response.status_code == 503, name
        assert_unavailable(response)

    database.start()
    retried = APIClient().post(REFRESH, {"refresh_token": pair["refresh_token"]}, format="json")
    assert retried.status_code == 200  # the refresh refused during the outage consumed nothing
    assert bearer(APIClient(), retried.json()["access_token"]).get("/auth/api-keys/").status_code == 200


def driver_error(cause: BaseException) -> OperationalError:
    """Django's ``OperationalError`` wrapping ``cause``, as Django's database wrapper raises it."""
    error = OperationalError(str(cause))
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    "cause",
    [
        psycopg.OperationalError("connection failed: Connection refused"),  # no SQLSTATE: never reached a server
        psycopg.errors.CannotConnectNow("the database system is starting up"),
        psycopg.errors.TooManyConnections("sorry, too many clients already"),
        psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
        psycopg.errors.ConnectionFailure("connection failure"),
    ],
)
def test_a_server_that_cannot_be_reached_is_answered_503(
    cause: BaseException, caplog: pytest.LogCaptureFixture
) -> None:
    error = driver_error(cause)
    assert is_unavailable(error)
    assert isinstance(busy_refusal(error, "View"), TemporarilyUnavailable)
    assert "database unreachable in View" in caplog.text


@pytest.mark.parametrize(
    "cause",
    [psycopg.errors.UndefinedTable("relation does not exist"), ValueError("not a database driver's error")],
)
def test_other_database_errors_stay_bugs(cause: BaseException) -> None:
    error = driver_error(cause)
    assert not is_unavailable(error)
    with pytest.raises(OperationalError):
        busy_refusal(error, "View")
