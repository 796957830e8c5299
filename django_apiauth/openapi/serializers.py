"""The documented shapes of request and response bodies. Used for the schema only: the views parse and
shape bodies themselves (strictly, see ``views.body``), and these classes mirror what they accept and answer."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from django_apiauth.views.mfa import MAX_CODE_FIELD, MAX_MFA_TOKEN_LENGTH
from django_apiauth.views.tokens import MAX_PASSWORD_LENGTH, MAX_REFRESH_TOKEN_LENGTH, MAX_USERNAME_LENGTH


class Error(serializers.Serializer[Any]):
    """Every error of the app (RFC 6749 §5.2's shape)."""

    error = serializers.CharField(help_text="A machine-readable code: invalid_request, invalid_token, ...")
    error_description = serializers.CharField(help_text="A human-readable explanation.")
    # DRF's metaclass moves declared fields out of the class, so this does not shadow ``Serializer.fields``.
    fields = serializers.DictField(required=False, help_text="Per-field messages of a refused body.")  # type: ignore[assignment]


class LoginInput(serializers.Serializer[Any]):
    username = serializers.CharField(
        min_length=1, max_length=MAX_USERNAME_LENGTH, help_text="Or the field named after USERNAME_FIELD."
    )
    password = serializers.CharField(min_length=1, max_length=MAX_PASSWORD_LENGTH)
    scope = serializers.CharField(required=False, allow_blank=True, help_text="Space-delimited scope names.")
    refresh_transport = serializers.ChoiceField(
        choices=["body", "cookie"], required=False, help_text='Under REFRESH_TOKEN_TRANSPORT="both" only.'
    )


class TokenPair(serializers.Serializer[Any]):
    """RFC 6749 §5.1: the refresh token is in the body unless its family travels in the cookie."""

    access_token = serializers.CharField()
    token_type = serializers.ChoiceField(choices=["Bearer"])
    expires_in = serializers.IntegerField()
    refresh_token = serializers.CharField(required=False)
    refresh_expires_in = serializers.IntegerField()
    scope = serializers.CharField(allow_blank=True)


class MFAChallenge(serializers.Serializer[Any]):
    """A correct password of a user with a second factor: send the code to ``mfa/verify/``."""

    mfa_required = serializers.BooleanField()
    mfa_token = serializers.CharField(min_length=1, max_length=MAX_MFA_TOKEN_LENGTH)
    methods = serializers.ListField(child=serializers.CharField())


class RefreshInput(serializers.Serializer[Any]):
    refresh_token = serializers.CharField(
        required=False,
        allow_null=True,
        min_length=1,
        max_length=MAX_REFRESH_TOKEN_LENGTH,
        help_text="Absent (or null) when the cookie carries it.",
    )
    scope = serializers.CharField(required=False, allow_blank=True, help_text="A narrower scope (RFC 6749 §6).")


class LogoutInput(serializers.Serializer[Any]):
    refresh_token = serializers.CharField(
        required=False,
        allow_null=True,
        min_length=1,
        max_length=MAX_REFRESH_TOKEN_LENGTH,
        help_text="Absent or null: the cookie's, else the session of the access token.",
    )


class Session(serializers.Serializer[Any]):
    id = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField()
    ip_address = serializers.CharField(allow_null=True)
    user_agent = serializers.CharField(allow_null=True, allow_blank=True)
    current = serializers.BooleanField()


class SessionList(serializers.Serializer[Any]):
    sessions = Session(many=True)


class APIKeyInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    expires_in = serializers.JSONField(
        required=False, allow_null=True, help_text='Seconds, a duration such as "90d", or null for no expiry.'
    )


class APIKey(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    key_prefix = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())
    state = serializers.CharField()
    created_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(allow_null=True)
    rotated_at = serializers.DateTimeField(allow_null=True)
    previous_key_expires_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class IssuedAPIKey(APIKey):
    key = serializers.CharField(help_text="The full key, shown in this response only.")


class MFAMethod(serializers.Serializer[Any]):
    type = serializers.CharField()
    confirmed = serializers.BooleanField(required=False)
    created_at = serializers.DateTimeField(required=False)
    last_used_at = serializers.DateTimeField(required=False, allow_null=True)
    remaining = serializers.IntegerField(required=False)


class MFAStatus(serializers.Serializer[Any]):
    methods = MFAMethod(many=True)


class PasswordInput(serializers.Serializer[Any]):
    password = serializers.CharField(
        required=False, min_length=1, max_length=MAX_PASSWORD_LENGTH, help_text="Needed unless the login is recent."
    )


class TOTPEnrolment(serializers.Serializer[Any]):
    secret = serializers.CharField()
    otpauth_uri = serializers.CharField()
    qr_svg = serializers.CharField()
    qr_png = serializers.CharField()


class CodeInput(serializers.Serializer[Any]):
    code = serializers.CharField(min_length=1, max_length=MAX_CODE_FIELD)


class TOTPConfirmInput(CodeInput):
    revoke_other_sessions = serializers.BooleanField(required=False)


class BackupCodes(serializers.Serializer[Any]):
    backup_codes = serializers.ListField(child=serializers.CharField())


class MFAVerifyInput(CodeInput):
    mfa_token = serializers.CharField(min_length=1, max_length=MAX_MFA_TOKEN_LENGTH)


class Grant(serializers.Serializer[Any]):
    client_id = serializers.CharField()
    name = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())
    granted_at = serializers.DateTimeField(allow_null=True)


class GrantList(serializers.Serializer[Any]):
    grants = Grant(many=True)
