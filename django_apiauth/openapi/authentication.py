"""Security schemes of our DRF authentication classes, read from settings when the schema is generated.

* ``JWTAuthentication`` (and subclasses such as ``StatelessJWTAuthentication``): HTTP bearer with
  ``bearerFormat: JWT``; the same access tokens come from the OAuth authorization server, so the operation
  also accepts the ``oauth2`` scheme (authorization code with PKCE, the real endpoint URLs and the scope
  registry's scopes). Either one satisfies the operation.
* ``APIKeyAuthentication``: an API key in the configured header, and in the query parameter only when
  ``API_KEY_QUERY_PARAM`` enables one.
"""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch
from drf_spectacular.extensions import OpenApiAuthenticationExtension

from django_apiauth.conf import apiauth_settings
from django_apiauth.oauth.rfc8414 import metadata
from django_apiauth.scopes.registry import registry

JWT_SCHEME = "jwtAuth"
OAUTH_SCHEME = "oauth2"
API_KEY_HEADER_SCHEME = "apiKeyAuth"
API_KEY_QUERY_SCHEME = "apiKeyQuery"


def oauth_flows() -> dict[str, Any] | None:
    """The authorization-code flow of our server; ``None`` when its URLs are not routed in this project."""
    try:
        document = metadata()
    except NoReverseMatch:
        return None
    scopes = {name: definition.description or name for name, definition in registry().items()}
    return {
        "authorizationCode": {
            "authorizationUrl": document["authorization_endpoint"],
            "tokenUrl": document["token_endpoint"],
            "refreshUrl": document["token_endpoint"],
            "scopes": scopes,
        }
    }


class JWTScheme(OpenApiAuthenticationExtension):
    target_class = "django_apiauth.drf.jwt_authentication.JWTAuthentication"
    match_subclasses = True
    priority = 1

    @property
    def name(self) -> list[str]:  # type: ignore[override]
        return [JWT_SCHEME, OAUTH_SCHEME] if oauth_flows() is not None else [JWT_SCHEME]

    def get_security_requirement(self, auto_schema: Any) -> list[dict[str, list[Any]]]:
        """Alternatives (OR), not a conjunction: a token from login or from the OAuth server will do."""
        return [{name: []} for name in self.name]

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, Any]]:
        bearer = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
        flows = oauth_flows()
        return [bearer] if flows is None else [bearer, {"type": "oauth2", "flows": flows}]


class APIKeyScheme(OpenApiAuthenticationExtension):
    target_class = "django_apiauth.drf.api_key_authentication.APIKeyAuthentication"
    match_subclasses = True
    priority = 1

    @property
    def name(self) -> list[str]:  # type: ignore[override]
        if apiauth_settings.API_KEY_QUERY_PARAM:
            return [API_KEY_HEADER_SCHEME, API_KEY_QUERY_SCHEME]
        return [API_KEY_HEADER_SCHEME]

    def get_security_requirement(self, auto_schema: Any) -> list[dict[str, list[Any]]]:
        return [{name: []} for name in self.name]

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, Any]]:
        definitions = [{"type": "apiKey", "in": "header", "name": apiauth_settings.API_KEY_HEADER}]
        param = apiauth_settings.API_KEY_QUERY_PARAM
        if param:
            definitions.append({"type": "apiKey", "in": "query", "name": param})
        return definitions
