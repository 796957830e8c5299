"""Why a token was refused: ``InvalidToken`` leaves with a short ``reason`` for events.

Every leaf is an ``InvalidToken`` (401, ``invalid_token``, RFC 6750 §3.1). Descriptions are fixed texts:
they never echo the token or any part of it.
"""

from __future__ import annotations

from django_apiauth.exceptions import InvalidToken


class TokenRejected(InvalidToken):
    """Base of the JWT leaves; ``reason`` is a stable machine-readable word recorded in events."""

    reason = "invalid"


class TokenTooLarge(TokenRejected):
    reason = "too_large"
    default_description = "The access token is too large."


class MalformedToken(TokenRejected):
    reason = "malformed"
    default_description = "The access token is malformed."


class UnacceptableHeader(TokenRejected):
    reason = "bad_header"
    default_description = "The access token header is not acceptable."


class UnknownSigningKey(TokenRejected):
    reason = "unknown_kid"
    default_description = "The access token was signed by an unknown or retired key."


class BadSignature(TokenRejected):
    reason = "bad_signature"
    default_description = "The access token signature is invalid."


class InvalidClaims(TokenRejected):
    reason = "bad_claims"
    default_description = "The access token claims are invalid."


class TokenExpired(TokenRejected):
    reason = "expired"
    default_description = "The access token has expired."


class TokenNotYetValid(TokenRejected):
    reason = "not_yet_valid"
    default_description = "The access token is not valid yet."


class UnknownUser(TokenRejected):
    reason = "user_inactive"
    default_description = "The user of the access token is inactive or does not exist."
