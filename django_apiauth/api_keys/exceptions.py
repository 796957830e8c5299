"""Errors of the API-key service; each answers itself as ``{"error", "error_description"}`` with its status."""

from __future__ import annotations

from django_apiauth.exceptions import ApiAuthError, InvalidRequest, InvalidScope, InvalidToken


class APIKeyRejected(InvalidToken):
    """A presented key cannot authenticate. ``reason`` is for events, never for the client."""

    default_description = "The API key is invalid."

    def __init__(self, reason: str, description: str | None = None) -> None:
        self.reason = reason
        super().__init__(description)


class APIKeyNotFound(ApiAuthError):
    """No key with this id belongs to the caller (other users' keys are indistinguishable from missing ones)."""

    error = "not_found"
    status_code = 404
    default_description = "No such API key."


class ScopeNotGrantable(InvalidScope):
    """A requested scope is unknown or beyond what the creator may grant (RFC 6749 §5.2 ``invalid_scope``)."""

    default_description = "A requested scope is unknown or may not be granted."


class APIKeyLimitReached(InvalidRequest):
    default_description = "Too many usable API keys; revoke one first."


class APIKeyNotUsable(InvalidRequest):
    default_description = "The API key is revoked or expired."


class InvalidLifetime(InvalidRequest):
    default_description = "The requested lifetime is not allowed."
