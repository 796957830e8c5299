"""Methods a view does not serve: 405 with an ``Allow`` header, never CSRF's HTML 403 nor a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.support.oauth_errors import assert_oauth_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/auth/jwks.json", "/.well-known/jwks.json"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_jwks_write_methods_get_405_json_even_with_csrf_checks(path: str, method: str) -> None:
    """CsrfViewMiddleware answered these with Django's HTML 403 page before the view could say 405."""
    response = getattr(Client(enforce_csrf_checks=True), method)(path)

    assert_oauth_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, HEAD, OPTIONS"
