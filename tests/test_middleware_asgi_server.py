"""An async view protected by ``AuthenticationMiddleware`` under a real ASGI server (uvicorn, started here on a
port chosen by the OS) answers concurrent requests like the same view under WSGI (Django's test client)."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from django_apiauth.jwt.access import issue_access_token
from tests.support.threads import run_in_threads

ROOT = Path(__file__).resolve().parent.parent
CONCURRENT = 12


class Server:
    def __init__(self, port: int, credentials: dict[str, str]) -> None:
        self.port = port
        self.token = credentials["token"]
        self.key = credentials["key"]

    def get(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, Any], str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            return response.status, json.loads(response.read()), response.getheader("WWW-Authenticate") or ""
        finally:
            connection.close()


@pytest.fixture(scope="module")
def asgi_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = int(listener.getsockname()[1])
    database = tmp_path_factory.mktemp("asgi") / "server.sqlite3"
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "tests.support.asgi_server", str(listener.fileno()), str(database)],
        cwd=ROOT,
        pass_fds=[listener.fileno()],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, "the ASGI server exited before it was ready"
        yield Server(port, json.loads(line))
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()
        listener.close()


def _concurrently(call: Callable[[], tuple[int, dict[str, Any], str]]) -> list[tuple[int, dict[str, Any], str]]:
    """``call``'s answer from each of ``CONCURRENT`` threads released together (a raised error fails here)."""
    answers = run_in_threads(CONCURRENT, call)
    assert len(answers) == CONCURRENT, answers
    assert all(isinstance(answer, tuple) for answer in answers), answers
    return answers


def test_asgi_valid_jwt(asgi_server: Server) -> None:
    answers = _concurrently(lambda: asgi_server.get("/async/", {"Authorization": f"Bearer {asgi_server.token}"}))
    assert {(status, body["user"], body["auth"]) for status, body, _ in answers} == {(200, "server-user", "dict")}


def test_asgi_valid_api_key(asgi_server: Server) -> None:
    answers = _concurrently(lambda: asgi_server.get("/async/", {"X-API-Key": asgi_server.key}))
    assert {(status, body["user"], body["auth"]) for status, body, _ in answers} == {
        (200, "server-user", "AuthenticatedKey")
    }


def test_asgi_without_credential(asgi_server: Server) -> None:
    answers = _concurrently(lambda: asgi_server.get("/async/", {}))
    assert {(status, body["error"], challenge) for status, body, challenge in answers} == {
        (401, "unauthorized", "Bearer")
    }


def test_asgi_forged_credentials(asgi_server: Server) -> None:
    status, body, challenge = asgi_server.get("/async/", {"Authorization": "Bearer not.a.jwt"})
    assert (status, body["error"], challenge) == (401, "invalid_token", 'Bearer error="invalid_token"')
    status, body, challenge = asgi_server.get("/async/", {"X-API-Key": asgi_server.key[:-3] + "AAA"})
    assert (status, body["error"], challenge) == (401, "invalid_token", 'Api-Key realm="api"')


def test_asgi_mixed_concurrent_requests(asgi_server: Server) -> None:
    cases = [
        ({"Authorization": f"Bearer {asgi_server.token}"}, 200),
        ({"X-API-Key": asgi_server.key}, 200),
        ({}, 401),
        ({"Authorization": "Bearer not.a.jwt"}, 401),
    ] * 4
    pending = iter(cases)
    take = threading.Lock()

    def one_case() -> tuple[int, int]:
        with take:
            headers, expected = next(pending)
        return expected, asgi_server.get("/async/", headers)[0]

    answers = run_in_threads(len(cases), one_case)
    assert len(answers) == len(cases)
    assert all(isinstance(answer, tuple) and answer[0] == answer[1] for answer in answers), answers


# --- the same view under WSGI -------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.urls("tests.support.middleware_urls")
def test_wsgi_same_view_same_answers(user: User, issue_key: Callable[..., Any]) -> None:
    client = Client()
    token = issue_access_token(user, scopes=["read"]).token
    key = issue_key(scopes=["read"]).plaintext
    assert client.get("/async/", HTTP_AUTHORIZATION=f"Bearer {token}").json()["auth"] == "dict"
    assert client.get("/async/", HTTP_X_API_KEY=key).json()["auth"] == "AuthenticatedKey"
    refused = client.get("/async/")
    assert (refused.status_code, refused.json()["error"], refused["WWW-Authenticate"]) == (
        401,
        "unauthorized",
        "Bearer",
    )
