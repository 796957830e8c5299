"""Registering OAuth clients, their secrets (shown once, rotated with an overlap) and authenticating them.

A secret is 256 random bits stored as HMAC-SHA256 under the API-key pepper, bound to the client id: one
HMAC per token request (a password hasher here would let anyone burn the server's CPU through the token
endpoint), and a database dump alone verifies no guess.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from django_apiauth.api_keys.hashing import hash_secret, pepper_index
from django_apiauth.conf import apiauth_settings
from django_apiauth.models.oauth import ClientType, GrantType, OAuthClient
from django_apiauth.oauth import integration
from django_apiauth.oauth.rfc8252 import MAX_REDIRECT_URI_LENGTH

#: ``OAuthClient.client_id``'s column width.
CLIENT_ID_MAX_LENGTH = 64

SECRET_BYTES = 32
MAX_SECRET_LENGTH = 256


@dataclass(frozen=True)
class NewClient:
    """A registered client and its secret (empty for public clients); the secret stays out of ``repr``."""

    client: OAuthClient
    secret: str = field(default="", repr=False)


def _lookup(client_id: str) -> str:
    return f"oauth-client:{client_id}"


@sensitive_variables("secret")
def _digest(client_id: str, secret: str) -> str:
    return hash_secret(_lookup(client_id), secret)


def validate_registration(
    *, client_type: str, redirect_uris: Iterable[str], grant_types: Iterable[str], scopes: Iterable[str]
) -> list[str]:
    """Every reason the registration is unusable (empty when it is fine)."""
    problems: list[str] = []
    grants = list(grant_types)
    if client_type not in ClientType.values:
        problems.append(f"type must be one of {', '.join(ClientType.values)}")
    unknown = [g for g in grants if g not in GrantType.values]
    if unknown or not grants:
        problems.append(f"grant types must be among {', '.join(GrantType.values)}")
    if GrantType.CLIENT_CREDENTIALS in grants and client_type == ClientType.PUBLIC:
        problems.append("a public client cannot use client_credentials (it has no secret)")
    uris = list(redirect_uris)
    if GrantType.AUTHORIZATION_CODE in grants and not uris:
        problems.append("the authorization_code grant needs at least one redirect URI")
    problems.extend(f"invalid redirect URI {uri!r}" for uri in uris if not _acceptable_redirect_uri(uri))
    problems.extend(integration.invalid_client_scopes(list(scopes)))
    return problems


def _acceptable_redirect_uri(uri: str) -> bool:
    """Absolute, no fragment (RFC 6749 §3.1.2), https or http (loopback and local development)."""
    return (
        0 < len(uri) <= MAX_REDIRECT_URI_LENGTH
        and uri.isascii()
        and uri.isprintable()
        and " " not in uri
        and "#" not in uri
        and uri.split("://", 1)[0] in ("https", "http")
        and len(uri.split("://", 1)) == 2
    )


@sensitive_variables("secret")
def create_client(
    *,
    name: str,
    client_type: str,
    redirect_uris: Iterable[str] = (),
    grant_types: Iterable[str] = (),
    scopes: Iterable[str] = (),
    may_introspect: bool = False,
) -> NewClient:
    """Register a client; raises ``ValueError`` listing what is wrong with the registration."""
    uris, grants, scope_list = list(redirect_uris), list(dict.fromkeys(grant_types)), list(dict.fromkeys(scopes))
    problems = validate_registration(client_type=client_type, redirect_uris=uris, grant_types=grants, scopes=scope_list)
    if problems:
        raise ValueError("; ".join(problems))
    client = OAuthClient(
        name=name,
        client_type=client_type,
        redirect_uris=uris,
        grant_types=grants,
        scope=" ".join(scope_list),
        may_introspect=may_introspect,
    )
    secret = ""
    if client.is_confidential:
        secret = secrets.token_urlsafe(SECRET_BYTES)
        client.secret_hash = _digest(client.client_id, secret)
    client.save()
    return NewClient(client=client, secret=secret)


@sensitive_variables("secret")
def rotate_secret(client: OAuthClient) -> str:
    """A new secret for a confidential client; the old one keeps working for the rotation overlap."""
    if not client.is_confidential:
        raise ValueError("public clients have no secret")
    secret = secrets.token_urlsafe(SECRET_BYTES)
    with transaction.atomic():
        locked = OAuthClient.objects.select_for_update().get(pk=client.pk)
        locked.previous_secret_hash = locked.secret_hash
        locked.previous_secret_expires_at = timezone.now() + apiauth_settings.OAUTH_CLIENT_SECRET_OVERLAP
        locked.secret_hash = _digest(locked.client_id, secret)
        locked.save(update_fields=["secret_hash", "previous_secret_hash", "previous_secret_expires_at"])
    client.refresh_from_db()
    return secret


@sensitive_variables("secret")
def secret_matches(client: OAuthClient, secret: str) -> bool:
    """The current secret, or the previous one inside its overlap; constant-time comparisons."""
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        return False
    lookup = _lookup(client.client_id)
    if pepper_index(client.secret_hash, lookup, secret) is not None:
        return True
    overlap_ends = client.previous_secret_expires_at
    return (
        overlap_ends is not None
        and overlap_ends > timezone.now()
        and pepper_index(client.previous_secret_hash, lookup, secret) is not None
    )


def is_plausible_client_id(client_id: object) -> bool:
    """Whether a presented id could be a stored one: a non-empty string that fits the column, without NUL
    (PostgreSQL text cannot hold one: the lookup would fail, not miss)."""
    return isinstance(client_id, str) and 0 < len(client_id) <= CLIENT_ID_MAX_LENGTH and "\x00" not in client_id


def active_client(client_id: object) -> OAuthClient | None:
    """The active client with this id, ``None`` for anything else (wrong type, unknown, inactive)."""
    if not is_plausible_client_id(client_id):
        return None
    try:
        return OAuthClient.objects.get(client_id=client_id, is_active=True)
    except OAuthClient.DoesNotExist:
        return None
