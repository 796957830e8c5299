"""The OpenAPI description drf-spectacular generates for the app: security schemes, every endpoint, errors."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import yaml
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from django_apiauth.openapi import register_extensions
from django_apiauth.openapi.hooks import add_plain_view_endpoints
from django_apiauth.testing import override_apiauth
from tests.support.servers import ROOT

AUTHENTICATED_DRF_OPERATIONS = {
    ("/auth/sessions/", "get"),
    ("/auth/api-keys/", "post"),
    ("/auth/api-keys/{key_id}/rotate/", "post"),
    ("/auth/mfa/totp/", "delete"),
    ("/auth/oauth/grants/", "get"),
    ("/auth/logout-all/", "post"),
}


def schema() -> dict[str, Any]:
    generated = SchemaGenerator(urlconf="tests.urls").get_schema(request=None, public=True)
    return add_plain_view_endpoints(generated, None, None, True)


def test_the_example_project_schema_validates_without_errors_or_warnings() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null"],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "example_project.settings", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Warnings: 0" in result.stderr or "Schema generation summary" not in result.stderr


def test_access_tokens_are_a_jwt_bearer_scheme_or_the_oauth_authorization_code_flow() -> None:
    with override_apiauth(SCOPES={"read": {"description": "Read things", "grant": "anyone"}}):
        schemes = schema()["components"]["securitySchemes"]
    assert schemes["jwtAuth"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    flow = schemes["oauth2"]["flows"]["authorizationCode"]
    assert flow["authorizationUrl"].endswith("/auth/oauth/authorize/")
    assert flow["tokenUrl"].endswith("/auth/oauth/token/")
    assert flow["scopes"] == {"read": "Read things"}


def test_the_api_key_query_parameter_is_a_scheme_only_when_enabled() -> None:
    schemes = schema()["components"]["securitySchemes"]
    assert schemes["apiKeyAuth"] == {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    assert "apiKeyQuery" not in schemes
    with override_apiauth(API_KEY_QUERY_PARAM="api_key", API_KEY_HEADER="X-Key"):
        schemes = schema()["components"]["securitySchemes"]
    assert schemes["apiKeyAuth"]["name"] == "X-Key"
    assert schemes["apiKeyQuery"] == {"type": "apiKey", "in": "query", "name": "api_key"}


def test_user_endpoints_accept_tokens_but_not_api_keys() -> None:
    paths = schema()["paths"]
    security = paths["/auth/sessions/"]["get"]["security"]
    assert {"jwtAuth": []} in security
    assert {"oauth2": []} in security
    assert {"apiKeyAuth": []} not in security
    assert {"apiKeyAuth": []} in paths["/api/whoami/"]["get"]["security"]
    assert paths["/auth/login/"]["post"]["security"] == [{}]


def test_every_endpoint_of_the_app_is_documented_with_the_error_shape() -> None:
    generated = schema()
    paths = generated["paths"]
    expected = {
        "/auth/jwks.json", "/auth/login/", "/auth/refresh/", "/auth/logout/", "/auth/logout-all/",
        "/auth/sessions/", "/auth/sessions/{sid}/", "/auth/api-keys/", "/auth/api-keys/{key_id}/",
        "/auth/api-keys/{key_id}/rotate/", "/auth/mfa/", "/auth/mfa/totp/", "/auth/mfa/totp/confirm/",
        "/auth/mfa/backup-codes/", "/auth/mfa/verify/", "/auth/mfa/step-up/", "/auth/oauth/authorize/",
        "/auth/oauth/login/", "/auth/oauth/token/", "/auth/oauth/revoke/", "/auth/oauth/introspect/",
        "/auth/oauth/grants/", "/auth/oauth/grants/{client_id}/", "/.well-known/jwks.json",
        "/.well-known/oauth-authorization-server",
    }  # fmt: skip
    assert expected <= set(paths)
    assert generated["components"]["schemas"]["Error"]["required"] == ["error", "error_description"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                json = response.get("content", {}).get("application/json")
                if int(status) >= 400 and json is not None:
                    assert json["schema"] == {"$ref": "#/components/schemas/Error"}, (path, method, status)
    for path, method in AUTHENTICATED_DRF_OPERATIONS:
        assert {"401", "403", "429", "503"} <= set(paths[path][method]["responses"]), (path, method)
    assert {"400", "401", "429", "503"} <= set(paths["/auth/oauth/token/"]["post"]["responses"])


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="example_project.urls")
def test_the_example_project_serves_its_schema_without_credentials(api_client: APIClient) -> None:
    response = api_client.get("/api/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert yaml.safe_load(response.content)["openapi"].startswith("3.")
    response = api_client.get("/api/schema/?format=json")
    assert response.status_code == 200
    assert response.json()["paths"]["/auth/login/"]["post"]["operationId"]
    page = api_client.get("/api/docs/")
    assert page.status_code == 200
    assert b"swagger-ui" in page.content


def test_an_undescribed_app_endpoint_gets_the_generic_shape_instead_of_an_error() -> None:
    from django.urls import path
    from rest_framework.request import Request
    from rest_framework.response import Response

    from django_apiauth.views.base import AppEndpoint

    class Extra(AppEndpoint):
        def get(self, request: Request) -> Response:
            return Response({})

    generator = SchemaGenerator(patterns=[path("extra/", Extra.as_view())])
    operation = generator.get_schema(request=None, public=True)["paths"]["/extra/"]["get"]
    assert operation["responses"]["401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


@pytest.mark.urls("tests.support.scopes_urls")
def test_without_the_oauth_routes_tokens_are_only_a_jwt_bearer_scheme() -> None:
    """A project that routes only its own views (the app's URLs not included) has no OAuth flow to describe."""
    generated = SchemaGenerator(urlconf="tests.support.scopes_urls").get_schema(request=None, public=True)

    schemes = generated["components"]["securitySchemes"]
    assert schemes["jwtAuth"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert "oauth2" not in schemes
    assert {"oauth2": []} not in generated["paths"]["/b/me/"]["get"]["security"]
    assert {"jwtAuth": []} in generated["paths"]["/b/me/"]["get"]["security"]


def test_without_drf_spectacular_no_extension_module_is_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    """The extension modules import drf-spectacular: with it missing, ``ready`` must not import them."""
    monkeypatch.setitem(sys.modules, "drf_spectacular", None)  # what an uninstalled package looks like
    for name in ("django_apiauth.openapi.authentication", "django_apiauth.openapi.views"):
        monkeypatch.delitem(sys.modules, name)

    register_extensions()

    assert "django_apiauth.openapi.authentication" not in sys.modules
    assert "django_apiauth.openapi.views" not in sys.modules
