"""Our exception tree: one root, leaves named after what went wrong.

Each carries an OAuth-style ``error`` code and an HTTP status so views and DRF classes can answer with
``{"error": ..., "error_description": ...}`` without a lookup table. Messages never include secrets.
"""

from __future__ import annotations


class ApiAuthError(Exception):
    """Root of every error this package raises on purpose."""

    error = "invalid_request"
    status_code = 400
    default_description = "The request is invalid."

    def __init__(self, description: str | None = None) -> None:
        self.description = description or self.default_description
        super().__init__(self.description)


class InvalidRequest(ApiAuthError):
    """Malformed input: missing fields, wrong types, oversized values."""


class InvalidToken(ApiAuthError):
    """A bearer credential that is malformed, forged, expired or revoked (RFC 6750 §3.1)."""

    error = "invalid_token"
    status_code = 401
    default_description = "The access token is invalid."


class InvalidGrant(ApiAuthError):
    """A grant (refresh token, authorization code, credentials) that cannot be used (RFC 6749 §5.2)."""

    error = "invalid_grant"
    status_code = 401
    default_description = "The grant is invalid, expired or revoked."


class ConfigurationError(ApiAuthError):
    """The server is misconfigured; surfaced as 500 only by Django, system checks should catch it first."""

    error = "server_error"
    status_code = 500
    default_description = "The authentication service is misconfigured."


class NoSigningKey(ConfigurationError):
    """No ``active`` signing key of the algorithm exists: the JWT layer reads keys and never creates them."""

    default_description = "No signing key is active."


class CrossSiteRequestRejected(ApiAuthError):
    """A cookie-carrying request from a foreign ``Origin`` or without the required CSRF header."""

    error = "access_denied"
    status_code = 403
    default_description = "Cross-site requests may not use the refresh-token cookie."


class InvalidScope(ApiAuthError):
    """A ``scope`` parameter that is malformed, or asks for more than may be granted (RFC 6749 §5.2)."""

    error = "invalid_scope"
    default_description = "The requested scope is invalid."
