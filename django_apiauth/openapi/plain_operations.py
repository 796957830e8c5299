"""OpenAPI operations of the app's endpoints that are plain Django views, written out by hand.

The OAuth token, revocation and introspection endpoints read form bodies (RFC 6749 §3.2), the metadata and
JWKS documents are public, and the authorization and OAuth login pages answer HTML: drf-spectacular does not
discover them, so ``hooks.add_plain_view_endpoints`` adds these operations to the generated schema.
"""

from __future__ import annotations

from typing import Any

FORM = "application/x-www-form-urlencoded"
ERROR_REF = {"$ref": "#/components/schemas/Error"}
CLIENT_BASIC_SCHEME = "oauthClientBasic"
CLIENT_AUTH: list[dict[str, list[str]]] = [
    {CLIENT_BASIC_SCHEME: []},
    {},
]  # HTTP Basic, or client_id (+ client_secret) in the form
HTML = {"text/html": {"schema": {"type": "string"}}}
STRING = {"type": "string"}


def error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


def form_body(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return {"content": {FORM: {"schema": schema}}, "required": True}


def json_body(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


OAUTH_ERRORS = {
    "400": error("RFC 6749 §5.2 error: invalid_request, invalid_grant, unsupported_grant_type, ..."),
    "401": error("invalid_client: the client failed to authenticate (WWW-Authenticate: Basic)."),
    "429": error("Too many requests; retry after Retry-After seconds."),
    "503": error("A backing service is unavailable; retry after Retry-After seconds."),
}
CLIENT_FIELDS = {"client_id": STRING, "client_secret": STRING}
TOKEN_HINT = {"type": "string", "enum": ["access_token", "refresh_token"]}

TOKEN = {
    "operationId": "oauth_token",
    "summary": "OAuth token endpoint (authorization_code with PKCE, refresh_token, client_credentials)",
    "requestBody": form_body(
        {
            "grant_type": {"type": "string", "enum": ["authorization_code", "refresh_token", "client_credentials"]},
            "code": STRING,
            "redirect_uri": STRING,
            "code_verifier": STRING,
            "refresh_token": STRING,
            "scope": STRING,
            **CLIENT_FIELDS,
        },
        ["grant_type"],
    ),
    "responses": {
        "200": json_body(
            {
                "type": "object",
                "properties": {
                    "access_token": STRING,
                    "token_type": {"type": "string", "enum": ["Bearer"]},
                    "expires_in": {"type": "integer"},
                    "refresh_token": STRING,
                    "scope": STRING,
                },
                "required": ["access_token", "token_type", "expires_in"],
            },
            "RFC 6749 §5.1 token response.",
        ),
        **OAUTH_ERRORS,
    },
    "security": CLIENT_AUTH,
}

REVOKE = {
    "operationId": "oauth_revoke",
    "summary": "OAuth token revocation (RFC 7009): 200 also for unknown tokens",
    "requestBody": form_body({"token": STRING, "token_type_hint": TOKEN_HINT, **CLIENT_FIELDS}, ["token"]),
    "responses": {"200": {"description": "Revoked, or there was nothing to revoke."}, **OAUTH_ERRORS},
    "security": CLIENT_AUTH,
}

INTROSPECT = {
    "operationId": "oauth_introspect",
    "summary": "OAuth token introspection (RFC 7662), for confidential clients",
    "requestBody": form_body({"token": STRING, "token_type_hint": TOKEN_HINT, **CLIENT_FIELDS}, ["token"]),
    "responses": {
        "200": json_body(
            {"type": "object", "properties": {"active": {"type": "boolean"}}, "required": ["active"]},
            "The token's state and, when active, its claims.",
        ),
        **OAUTH_ERRORS,
    },
    "security": CLIENT_AUTH,
}

METADATA = {
    "operationId": "oauth_authorization_server_metadata",
    "summary": "Authorization server metadata (RFC 8414)",
    "responses": {
        "200": json_body(
            {"type": "object", "properties": {"issuer": STRING}, "required": ["issuer"]}, "The metadata document."
        )
    },
    "security": [{}],
}


def jwks(operation_id: str) -> dict[str, Any]:
    return {
        "operationId": operation_id,
        "summary": "The public keys that verify access tokens (JWK Set, RFC 7517)",
        "parameters": [{"name": "If-None-Match", "in": "header", "required": False, "schema": STRING}],
        "responses": {
            "200": json_body(
                {
                    "type": "object",
                    "properties": {"keys": {"type": "array", "items": {"type": "object"}}},
                    "required": ["keys"],
                },
                "The key set (Cache-Control: public; ETag).",
            ),
            "304": {"description": "Not modified since the ETag given in If-None-Match."},
        },
        "security": [{}],
    }


AUTHORIZE_PARAMETERS = [
    {"name": name, "in": "query", "required": False, "schema": STRING}
    for name in ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge")
] + [
    {"name": "code_challenge_method", "in": "query", "required": False, "schema": {"type": "string", "enum": ["S256"]}}
]

PAGE_ANSWERS = {
    "200": {"description": "The page (consent or sign-in form).", "content": HTML},
    "302": {"description": "To the sign-in page, or back to the client with a code or an error."},
    "400": {
        "description": "The client or its redirect URI is invalid: an error page, never a redirect.",
        "content": HTML,
    },
}
FORM_POST_ANSWERS = {
    "303": {"description": "Back to the client (consent) or to the authorization request (sign-in)."},
    "400": {"description": "An error page.", "content": HTML},
    "403": error("CSRF verification failed (the form's token is missing or wrong)."),
}


AUTHORIZE_GET = {
    "operationId": "oauth_authorize",
    "summary": "OAuth authorization request (RFC 6749 §4.1.1): validates it and shows the consent page",
    "parameters": AUTHORIZE_PARAMETERS,
    "responses": PAGE_ANSWERS,
    "security": [{}],
}
AUTHORIZE_POST = {
    "operationId": "oauth_authorize_decide",
    "summary": "The consent decision (a CSRF-protected form of the consent page)",
    "requestBody": form_body({"decision": {"type": "string", "enum": ["allow", "deny"]}}, []),
    "responses": {**FORM_POST_ANSWERS, "200": {"description": "The consent page again.", "content": HTML}},
    "security": [{}],
}
LOGIN_GET = {
    "operationId": "oauth_login_page",
    "summary": "The sign-in page of the authorization flow",
    "parameters": [{"name": "next", "in": "query", "required": False, "schema": STRING}],
    "responses": PAGE_ANSWERS,
    "security": [{}],
}
LOGIN_POST = {
    "operationId": "oauth_login",
    "summary": "Sign in (a CSRF-protected form of the sign-in page)",
    "requestBody": form_body(
        {"username": STRING, "password": STRING, "code": STRING, "step": {"type": "string"}, "next": STRING}, []
    ),
    "responses": {
        **FORM_POST_ANSWERS,
        "200": {"description": "The form again, with an error.", "content": HTML},
        "429": {"description": "Too many attempts: the form again, with Retry-After.", "content": HTML},
        "503": {"description": "A backing service is unavailable: the form again.", "content": HTML},
    },
    "security": [{}],
}

#: ``"module.ViewClass"`` -> method -> operation (``{operation_id}`` is filled for views routed twice).
OPERATIONS: dict[str, dict[str, Any]] = {
    "django_apiauth.views.oauth_endpoints.TokenView": {"post": TOKEN},
    "django_apiauth.views.oauth_endpoints.RevokeView": {"post": REVOKE},
    "django_apiauth.views.oauth_endpoints.IntrospectView": {"post": INTROSPECT},
    "django_apiauth.views.oauth_endpoints.MetadataView": {"get": METADATA},
    "django_apiauth.views.jwks.JWKSView": {"get": jwks},
    "django_apiauth.views.oauth_pages.AuthorizeView": {"get": AUTHORIZE_GET, "post": AUTHORIZE_POST},
    "django_apiauth.views.oauth_pages.LoginView": {"get": LOGIN_GET, "post": LOGIN_POST},
}
