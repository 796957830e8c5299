"""Authorization server metadata (RFC 8414), served at ``/.well-known/oauth-authorization-server``."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from django_apiauth.oauth.rfc7636 import SUPPORTED_METHODS
from django_apiauth.oauth.rfc9207 import issuer

AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]


def metadata() -> dict[str, Any]:
    """The document; endpoint URLs are the issuer plus our routes, so they are what clients were told."""
    base = issuer().rstrip("/")

    def url(name: str) -> str:
        return base + reverse(name)

    return {
        "issuer": issuer(),
        "authorization_endpoint": url("apiauth:oauth-authorize"),
        "token_endpoint": url("apiauth:oauth-token"),
        "jwks_uri": url("apiauth:jwks"),
        "revocation_endpoint": url("apiauth:oauth-revoke"),
        "introspection_endpoint": url("apiauth:oauth-introspect"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": list(SUPPORTED_METHODS),
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": AUTH_METHODS[:2],
        "authorization_response_iss_parameter_supported": True,
    }
