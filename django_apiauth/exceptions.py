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


class RateLimited(ApiAuthError):
    """Too many requests, or too many failed attempts: answered 429 with ``Retry-After`` (RFC 6585 §4).

    ``retry_after`` is a whole number of seconds, at least 1: when the client may try again.
    """

    error = "rate_limited"
    status_code = 429
    default_description = "Too many requests; retry later."

    def __init__(self, description: str | None = None, *, retry_after: int = 1) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(description)


class TemporarilyUnavailable(ApiAuthError):
    """A dependency the decision needs (the shared cache, the database) cannot answer right now.

    Answered 503 with ``Retry-After``, never a 500 and never a hanging request. The description never names
    settings or servers: the operator learns the cause from the log line, not the client from the body.
    """

    error = "temporarily_unavailable"
    status_code = 503
    default_description = "The service is temporarily unavailable; retry later."

    def __init__(self, description: str | None = None, *, retry_after: int = 5) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(description)


class InvalidOTP(ApiAuthError):
    """A second-factor code that is wrong, replayed, or for a device the user does not have."""

    error = "invalid_grant"
    status_code = 400
    default_description = "The code is invalid or was already used."


class MFAAlreadyEnrolled(ApiAuthError):
    """Enrolment was asked for while a confirmed device exists: it is never replaced silently."""

    error = "mfa_already_enrolled"
    status_code = 409
    default_description = "Multi-factor authentication is already enabled; disable it first."


class MFANotEnrolled(ApiAuthError):
    """The operation needs an enrolment (pending or confirmed) that the user does not have."""

    error = "mfa_not_enrolled"
    status_code = 409
    default_description = "Multi-factor authentication is not enabled for this account."


class MFAConcurrentChange(ApiAuthError):
    """Another request changed the same second factor while this one waited for it, and won.

    The winner's secret (or backup codes) stays the valid one, and this request changed nothing, so no client
    holds a secret that a request it could not see has already replaced.
    """

    error = "mfa_concurrent_change"
    status_code = 409
    default_description = "Another request changed multi-factor authentication at the same time; nothing was changed."


class RecentAuthenticationRequired(ApiAuthError):
    """Starting enrolment needs a fresh login or the password: a stolen access token is not enough."""

    error = "login_required"
    status_code = 403
    default_description = "Log in again, or send your password, to change multi-factor authentication."


class InvalidScope(ApiAuthError):
    """A ``scope`` parameter that is malformed, or asks for more than may be granted (RFC 6749 §5.2)."""

    error = "invalid_scope"
    default_description = "The requested scope is invalid."


class InvalidClient(ApiAuthError):
    """OAuth client authentication failed: unknown client, wrong secret, none sent (RFC 6749 §5.2)."""

    error = "invalid_client"
    status_code = 401
    default_description = "Client authentication failed."


class UnauthorizedClient(ApiAuthError):
    """The authenticated client may not use this grant type (RFC 6749 §5.2)."""

    error = "unauthorized_client"
    default_description = "The client is not allowed to use this grant type."


class UnsupportedGrantType(ApiAuthError):
    error = "unsupported_grant_type"
    default_description = "The grant type is not supported."
