"""Assertions on the app's error answers: a 4xx JSON body ``{"error": <code>, "error_description": <text>}``."""

from __future__ import annotations

from typing import Any


def assert_oauth_error(response: Any, status: int | None = None, error: str | None = None) -> dict[str, Any]:
    """Assert ``response`` is a JSON client error in the OAuth shape (with that status and code, if given).

    Returns the body, for assertions on the description or extra members.
    """
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:200])
    if status is not None:
        assert response.status_code == status, response.content[:200]
    assert response["Content-Type"] == "application/json", response["Content-Type"]
    body: dict[str, Any] = response.json()
    assert isinstance(body["error"], str)
    assert isinstance(body["error_description"], str)
    assert body["error_description"]
    if error is not None:
        assert body["error"] == error, body
    return body
