"""Finding a presented token (refresh or access) and what it belongs to, for revocation and introspection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from django_apiauth.exceptions import InvalidToken
from django_apiauth.jwt.access import is_client_token, verify_access_token
from django_apiauth.jwt.subjects import user_for_claims
from django_apiauth.models.refresh import RefreshToken, RefreshTokenFamily
from django_apiauth.oauth.principal import check_client_live
from django_apiauth.refresh.revocation import check_session_not_revoked
from django_apiauth.refresh.service import FIRST_PARTY_CLIENT_ID
from django_apiauth.refresh.tokens import is_well_formed, token_digest


@dataclass(frozen=True)
class FoundToken:
    """A token we issued: a refresh token (``family`` and ``refresh`` set) or verified access-token claims."""

    client_id: str
    family: RefreshTokenFamily | None = None
    refresh: RefreshToken | None = None
    claims: dict[str, Any] | None = None


def find_token(token: object, hint: object = None) -> FoundToken | None:
    """The token, looked up as the hint says first (RFC 7009 §2.1: a hint is only a hint)."""
    lookups = (_refresh, _access) if hint != "access_token" else (_access, _refresh)
    for lookup in lookups:
        found = lookup(token)
        if found is not None:
            return found
    return None


def _refresh(token: object) -> FoundToken | None:
    if not is_well_formed(token):
        return None
    refresh = RefreshToken.objects.select_related("family", "family__user").filter(token_hash=token_digest(token))
    found = refresh.first()
    if found is None:
        return None
    return FoundToken(client_id=found.family.client_id, family=found.family, refresh=found)


def _access(token: object) -> FoundToken | None:
    if not isinstance(token, str) or not token:
        return None
    try:
        claims = verify_access_token(token)
    except InvalidToken:
        return None
    return FoundToken(client_id=str(claims.get("client_id", "")), claims=claims)


def is_active(found: FoundToken) -> bool:
    """Whether the token would still be accepted: live family and unused refresh token, or an access token
    whose session (or, for a client's own token, the token itself) is not revoked, from a live client, and
    whose user is active. The user is read as ``JWTAuthentication`` reads it (within ``JWT_USER_CACHE_TTL``):
    services that introspect instead of verifying the JWT must learn that a deactivated or deleted user's
    token is refused."""
    if found.refresh is not None and found.family is not None:
        now = timezone.now()
        family = found.family
        return (
            family.revoked_at is None
            and family.absolute_expires_at > now
            and found.refresh.used_at is None
            and found.refresh.expires_at > now
            and family.user.is_active
        )
    claims = found.claims or {}
    try:
        check_session_not_revoked(claims)
        own_token = is_client_token(claims)
        if claims.get("client_id", FIRST_PARTY_CLIENT_ID) != FIRST_PARTY_CLIENT_ID:
            check_client_live(claims, own_token=own_token)
        if not own_token:
            user_for_claims(claims)
    except InvalidToken:
        return False
    return True
