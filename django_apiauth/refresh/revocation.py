"""Revoking families (logout, logout everywhere, per session, by signal or admin).

A revoked family can never be refreshed again: that is decided by its row. Access tokens already issued
from it carry its id in their ``sid`` claim; with ``APIAUTH["CHECK_REVOKED_SESSIONS"]`` on, every revocation
is also written to the session list in the shared cache (``revocation_list``), which ``JWTAuthentication``
consults, and which falls back to the database whenever an entry is missing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from django_apiauth.blocking import blocking_point
from django_apiauth.conf import apiauth_settings
from django_apiauth.db_contention import unavailable_when_busy
from django_apiauth.events.record import record_event
from django_apiauth.exceptions import InvalidGrant, InvalidToken
from django_apiauth.models.events import EventType
from django_apiauth.models.refresh import RefreshToken, RefreshTokenFamily, RevocationReason
from django_apiauth.refresh import revocation_list
from django_apiauth.refresh.revocation_list import is_session_revoked, known_live, remember_revoked
from django_apiauth.refresh.tokens import is_well_formed, token_digest
from django_apiauth.shared_cache import guarded, shared_cache

_JTI_KEY = "apiauth:revoked-jti:{}"

__all__ = ["check_session_not_revoked", "is_session_revoked", "known_live", "remember_revoked", "revoke_families"]


def check_session_not_revoked(claims: Mapping[str, Any]) -> None:
    """Raise ``InvalidToken`` if the access token's ``sid`` family was revoked (when the check is enabled).

    Meant for ``JWTAuthentication.validate_claims``. Tokens without a ``sid`` (not issued from a login
    family) are not affected. Raises ``TemporarilyUnavailable`` when the shared cache is unreachable and the
    ``REVOKED_SESSIONS`` outage policy is ``closed``.
    """
    if not apiauth_settings.CHECK_REVOKED_SESSIONS:
        return
    sid = claims.get("sid")
    if sid is None:  # tested first: a failed ``isinstance`` costs a ``__class__`` lookup on every request
        if "gty" in claims:
            _check_token_not_revoked(claims)
        return
    if not isinstance(sid, str) or not sid or known_live.get(sid):
        return
    if revocation_list.is_session_revoked(sid):
        raise InvalidToken("The session of this access token has been revoked.")
    known_live.set(sid, True, apiauth_settings.REVOKED_SESSIONS_LOCAL_TTL.total_seconds())


def remember_revoked_token(jti: str, expires_at: float) -> None:
    """Put one access token without a family (an OAuth client's own token) on the revocation list."""
    ttl = max(1, int(expires_at - timezone.now().timestamp()) + 60)
    key = _JTI_KEY.format(jti)
    known_live.discard(key)  # this process sees its own revocations at once
    guarded(revocation_list.CONSUMER, lambda: shared_cache().set(key, 1, ttl), fallback=None)


def _check_token_not_revoked(claims: Mapping[str, Any]) -> None:
    """A client's own token has no session: its ``jti`` is what revocation (RFC 7009) lists. Found-live
    answers are remembered like sessions are (``REVOKED_SESSIONS_LOCAL_TTL``)."""
    key = _JTI_KEY.format(claims.get("jti"))
    if known_live.get(key):
        return
    blocking_point()
    if guarded(revocation_list.CONSUMER, lambda: shared_cache().get(key), fallback=None) is not None:
        raise InvalidToken("This access token has been revoked.")
    known_live.set(key, True, apiauth_settings.REVOKED_SESSIONS_LOCAL_TTL.total_seconds())


@unavailable_when_busy
def revoke_families(families: QuerySet[RefreshTokenFamily], reason: RevocationReason) -> list[str]:
    """Revoke every live family in ``families`` with one ``UPDATE``; returns the sids revoked now.

    ``families`` must not filter on revocation state: the rows just revoked are found again through it by
    their revocation time (an ``UPDATE ... RETURNING`` in two portable statements).
    """
    now = timezone.now()
    count = families.filter(revoked_at=None).update(revoked_at=now, revoked_reason=reason)
    if not count:
        return []
    sids = [
        str(public_id)
        for public_id in families.filter(revoked_at=now, revoked_reason=reason).values_list("public_id", flat=True)
    ]
    remember_revoked(sids)
    return sids


def revoke_user_families(user: Any, reason: RevocationReason, *, request: HttpRequest | None = None) -> list[str]:
    """Revoke all of ``user``'s families (deactivation, password change); records ``session_revoked``."""
    sids = revoke_families(RefreshTokenFamily.objects.filter(user=user), reason)
    if sids:
        record_event(
            EventType.SESSION_REVOKED, request=request, user=user, details={"reason": reason, "family_ids": sids}
        )
    return sids


def live_sessions_of(user: Any) -> QuerySet[RefreshTokenFamily]:
    """``GET sessions/``: the user's live families, most recently used first."""
    return RefreshTokenFamily.objects.live().filter(user=user).order_by("-last_used_at")


def revoke_families_by_admin(families: QuerySet[RefreshTokenFamily], *, request: HttpRequest) -> list[str]:
    """The admin's *Revoke selected*: one UPDATE, one ``session_revoked`` event (its user is the acting admin)."""
    pks = list(families.values_list("pk", flat=True))
    sids = revoke_families(RefreshTokenFamily.objects.filter(pk__in=pks), RevocationReason.ADMIN)
    if sids:
        details = {"reason": RevocationReason.ADMIN, "family_ids": sids}
        record_event(EventType.SESSION_REVOKED, request=request, details=details)
    return sids


def logout_everywhere(user: Any, *, request: HttpRequest) -> list[str]:
    """``POST logout-all/``: every family of ``user`` is revoked; records ``logout``."""
    sids = revoke_families(RefreshTokenFamily.objects.filter(user=user), RevocationReason.LOGOUT_ALL)
    record_event(EventType.LOGOUT, request=request, user=user, details={"all": True, "family_ids": sids})
    return sids


def logout_session(user: Any, sid: str, *, request: HttpRequest) -> bool:
    """``POST logout/`` with an access token: revoke the family named by its ``sid`` claim."""
    revoked = _revoke_one(user, sid, RevocationReason.LOGOUT)
    if revoked:
        record_event(EventType.LOGOUT, request=request, user=user, details={"family_id": sid})
    return revoked


def revoke_session(user: Any, sid: str, *, request: HttpRequest) -> bool:
    """``DELETE sessions/<sid>/``: ``False`` when ``user`` has no live family ``sid``."""
    revoked = _revoke_one(user, sid, RevocationReason.SESSION_REVOKED)
    if revoked:
        record_event(EventType.SESSION_REVOKED, request=request, user=user, details={"family_id": sid})
    return revoked


@sensitive_variables("token")
def logout_by_refresh_token(token: object, *, request: HttpRequest) -> None:
    """``POST logout/`` with a refresh token (consumed or not): its family is revoked.

    Raises ``InvalidGrant`` for a token we never issued. Revoking an already revoked family succeeds:
    logging out twice is not an error.
    """
    found = (
        RefreshToken.objects.filter(token_hash=token_digest(token)).select_related("family__user").first()
        if is_well_formed(token)
        else None
    )
    if found is None:
        record_event(EventType.TOKEN_REJECTED, request=request, details={"kind": "refresh"}, aggregate=True)
        raise InvalidGrant("The refresh token is invalid, expired or revoked.")
    family = found.family
    # Recorded once, when the family ends: anyone holding an old token must not write a row per request.
    if revoke_families(RefreshTokenFamily.objects.filter(pk=family.pk), RevocationReason.LOGOUT):
        record_event(EventType.LOGOUT, request=request, user=family.user, details={"family_id": family.sid})


def _revoke_one(user: Any, sid: str, reason: RevocationReason) -> bool:
    try:
        public_id = uuid.UUID(sid)
    except (TypeError, ValueError):
        return False
    return bool(revoke_families(RefreshTokenFamily.objects.filter(user=user, public_id=public_id), reason))


def revoke_other_sessions(user: Any, keep_sid: str | None, *, request: HttpRequest) -> list[str]:
    """Revoke every family of ``user`` except ``keep_sid`` (the caller's own); records ``session_revoked``."""
    families = RefreshTokenFamily.objects.filter(user=user)
    keep = _as_uuid(keep_sid)
    if keep is not None:
        families = families.exclude(public_id=keep)
    sids = revoke_families(families, RevocationReason.SESSION_REVOKED)
    if sids:
        details = {"family_ids": sids, "reason": "mfa_enrolled"}
        record_event(EventType.SESSION_REVOKED, request=request, user=user, details=details)
    return sids


def _as_uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if isinstance(value, str) else None
    except ValueError:
        return None
