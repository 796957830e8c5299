"""Schemas of the app's DRF endpoints, attached without touching the views: one ``OpenApiViewExtension`` per
view class replaces it, for schema generation only, with a subclass carrying ``extend_schema``.

Every operation lists the error statuses it can answer, each with the ``{error, error_description}`` body:
401/403 where a credential or a permission is checked, 404 for an unknown id, 400/413/415 for a body,
and 429 (throttled, ``Retry-After``) and 503 (cache or database outage) everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.extensions import OpenApiViewExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema, extend_schema_view

from django_apiauth.openapi import serializers as shapes

ERROR_DESCRIPTIONS = {
    400: "The request is malformed or refused (invalid_request, invalid_grant, invalid_scope, ...).",
    401: "No credential, or a refused one (invalid_token, invalid_grant); see WWW-Authenticate.",
    403: "The credential may not do this (insufficient_scope, mfa_required, access_denied, ...).",
    404: "No such resource of the signed-in user.",
    409: "The second factor is in another state (mfa_already_enrolled, mfa_not_enrolled, mfa_concurrent_change).",
    413: "The request body is too large.",
    415: "The request body is not JSON.",
    429: "Too many requests; retry after Retry-After seconds.",
    503: "A backing service (cache, database) is unavailable; retry after Retry-After seconds.",
}
BODY_ERRORS = (400, 401, 403, 413, 415, 429, 503)
READ_ERRORS = (401, 403, 429, 503)
MFA_STATE_ERRORS = (*BODY_ERRORS, 409)

LOGIN_RESULT = PolymorphicProxySerializer(
    component_name="LoginResult",
    serializers=[shapes.TokenPair, shapes.MFAChallenge],
    resource_type_field_name=None,
)


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    return {status: OpenApiResponse(shapes.Error, description=ERROR_DESCRIPTIONS[status]) for status in statuses}


def operation(
    summary: str,
    success: Mapping[int, Any],
    *,
    request: Any = None,
    errors: tuple[int, ...] = READ_ERRORS,
    **extra: Any,
) -> Any:
    """``extend_schema`` for one method: its success answers plus the error answers it can give."""
    responses: dict[int, Any] = {**success, **error_responses(*errors)}
    return extend_schema(summary=summary, request=request, responses=responses, tags=["auth"], **extra)


def document(target: str, **methods: Any) -> type[OpenApiViewExtension]:
    """An extension replacing the view at ``target`` with a subclass carrying ``methods``' schemas."""

    def view_replacement(self: OpenApiViewExtension) -> type[Any]:
        return extend_schema_view(**methods)(type(self.target.__name__, (self.target,), {}))

    name = target.rsplit(".", 1)[1] + "Schema"
    return type(name, (OpenApiViewExtension,), {"target_class": target, "view_replacement": view_replacement})


NO_CONTENT = {204: OpenApiResponse(description="Done; no body.")}
TOKENS = "django_apiauth.views.tokens"
SESSIONS = "django_apiauth.views.sessions"
KEYS = "django_apiauth.views.api_keys"
MFA = "django_apiauth.views.mfa"
OAUTH = "django_apiauth.views.oauth_endpoints"

EXTENSIONS = [
    document(
        f"{TOKENS}.LoginView",
        post=operation(
            "Sign in with a password: a token pair, or an MFA challenge",
            {200: LOGIN_RESULT},
            request=shapes.LoginInput,
            errors=BODY_ERRORS,
        ),
    ),
    document(
        f"{TOKENS}.RefreshView",
        post=operation(
            "Exchange a refresh token (body or cookie) for a new pair",
            {200: shapes.TokenPair},
            request=shapes.RefreshInput,
            errors=BODY_ERRORS,
        ),
    ),
    document(
        f"{TOKENS}.LogoutView",
        post=operation(
            "End one session (by its refresh token, or the access token's)",
            NO_CONTENT,
            request=shapes.LogoutInput,
            errors=BODY_ERRORS,
        ),
    ),
    document(
        f"{TOKENS}.LogoutAllView",
        post=operation("End every session of the user", NO_CONTENT, request=None, errors=BODY_ERRORS),
    ),
    document(f"{SESSIONS}.SessionListView", get=operation("The user's live sessions", {200: shapes.SessionList})),
    document(
        f"{SESSIONS}.SessionDetailView",
        delete=operation("Revoke one of the user's sessions", NO_CONTENT, errors=(*READ_ERRORS, 404)),
    ),
    document(
        f"{KEYS}.APIKeyListView",
        get=operation("The user's API keys", {200: shapes.APIKey(many=True)}),
        post=operation(
            "Create an API key (the full key is in this response only)",
            {201: shapes.IssuedAPIKey},
            request=shapes.APIKeyInput,
            errors=BODY_ERRORS,
        ),
    ),
    document(
        f"{KEYS}.APIKeyDetailView",
        get=operation("One of the user's API keys", {200: shapes.APIKey}, errors=(*READ_ERRORS, 404)),
        delete=operation("Revoke an API key", NO_CONTENT, errors=(*READ_ERRORS, 404)),
    ),
    document(
        f"{KEYS}.APIKeyRotateView",
        post=operation(
            "Rotate an API key: a new secret, the old one valid for the overlap",
            {200: shapes.IssuedAPIKey},
            request=None,
            errors=(*BODY_ERRORS, 404),
        ),
    ),
    document(f"{MFA}.MFAStatusView", get=operation("The user's second factors", {200: shapes.MFAStatus})),
    document(
        f"{MFA}.TOTPView",
        post=operation(
            "Start TOTP enrolment (the secret is in this response only)",
            {201: shapes.TOTPEnrolment},
            request=shapes.PasswordInput,
            errors=MFA_STATE_ERRORS,
        ),
        delete=operation("Turn MFA off (needs a recent second factor)", NO_CONTENT, errors=(*READ_ERRORS, 409)),
    ),
    document(
        f"{MFA}.TOTPConfirmView",
        post=operation(
            "Confirm TOTP enrolment with a code: the backup codes, once",
            {200: shapes.BackupCodes},
            request=shapes.TOTPConfirmInput,
            errors=MFA_STATE_ERRORS,
        ),
    ),
    document(
        f"{MFA}.BackupCodesView",
        post=operation("Replace the backup codes", {200: shapes.BackupCodes}, request=None, errors=MFA_STATE_ERRORS),
    ),
    document(
        f"{MFA}.MFAVerifyView",
        post=operation(
            "Second step of login: the MFA token and a code for a token pair",
            {200: shapes.TokenPair},
            request=shapes.MFAVerifyInput,
            errors=BODY_ERRORS,
        ),
    ),
    document(
        f"{MFA}.StepUpView",
        post=operation(
            "A fresh pair for the same session, carrying the second factor",
            {200: shapes.TokenPair},
            request=shapes.CodeInput,
            errors=BODY_ERRORS,
        ),
    ),
    document(f"{OAUTH}.GrantListView", get=operation("The OAuth clients the user authorised", {200: shapes.GrantList})),
    document(
        f"{OAUTH}.GrantDetailView",
        delete=operation("Forget a client's consent and end its sessions", NO_CONTENT, errors=(*READ_ERRORS, 404)),
    ),
]


class AppEndpointFallback(OpenApiViewExtension):
    """Any other endpoint built on ``AppEndpoint`` (a project's own, or one without a description above): a JSON
    object in and out, with every error answer, rather than a schema-generation error."""

    target_class = "django_apiauth.views.base.AppEndpoint"
    match_subclasses = True
    priority = -1

    def view_replacement(self) -> type[Any]:
        schema = extend_schema(
            request=OpenApiTypes.OBJECT,
            responses={200: OpenApiTypes.OBJECT, 204: None, **error_responses(*BODY_ERRORS, 404)},
        )
        return schema(type(self.target.__name__, (self.target,), {}))
