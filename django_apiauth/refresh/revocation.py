"""Revoking families (logout, logout everywhere, per session, by signal or admin) and the revocation list.

A revoked family can never be refreshed again: that is decided by its row. Access tokens already issued
from it carry its id in their ``sid`` claim and stay valid until they expire, unless
``APIAUTH["CHECK_REVOKED_SESSIONS"]`` is on: then every revocation is also written to a list in the shared
cache, which ``JWTAuthentication`` consults (no database query). A process remembers a session it found
live for ``REVOKED_SESSIONS_LOCAL_TTL`` (0.5 s), so a revocation made elsewhere reaches every process within
that bound while a busy API reads the shared cache once per session and interval, not once per request.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from django_apiauth.blocking import blocking_point
from django_apiauth.conf import apiauth_settings
from django_apiauth.events.record import record_event
from django_apiauth.exceptions import InvalidGrant, InvalidToken
from django_apiauth.localcache import LocalCache, local_cache
from django_apiauth.models.events import EventType
from django_apiauth.models.refresh import RefreshToken, RefreshTokenFamily, RevocationReason
from django_apiauth.refresh.tokens import is_well_formed, token_digest

# Access tokens of a family can be issued until its absolute expiry and live for their own (short) lifetime
# after that; revocation entries are kept this much longer than the family so none outlives its entry.
ACCESS_TOKEN_MAX_LIFETIME = timedelta(days=1)
_KEY = "apiauth:revoked-sid:{}"
#: sid -> True for sessions this process recently found live (bounded staleness, see module docstring).
known_live: LocalCache[bool] = local_cache(
    "refresh.known_live_sessions",
    maxsize=50_000,
    size="50,000 sessions",
    staleness="`REVOKED_SESSIONS_LOCAL_TTL` (0.5 s); a revocation in this process drops its entry at once",
)


def _cache() -> BaseCache:
    return caches[apiauth_settings.CACHE_ALIAS]


def remember_revoked(families: Iterable[tuple[str, datetime]]) -> None:
    """Put ``(sid, absolute_expires_at)`` pairs on the revocation list, each kept as long as it matters.

    Written at once rather than on commit: if the revoking transaction rolls back, the stray entry only
    refuses access tokens of a session that was about to end (fail-safe), and tests need no commit hooks.
    """
    now = timezone.now()
    by_ttl: dict[int, dict[str, int]] = {}
    for sid, expires_at in families:
        known_live.discard(sid)  # this process sees its own revocations at once
        ttl = max(1, int((expires_at + ACCESS_TOKEN_MAX_LIFETIME - now).total_seconds()))
        by_ttl.setdefault(ttl, {})[_KEY.format(sid)] = 1
    for ttl, entries in by_ttl.items():
        _cache().set_many(entries, ttl)


def is_session_revoked(sid: str) -> bool:
    """One cache read: whether the family ``sid`` is on the revocation list."""
    blocking_point()
    return _cache().get(_KEY.format(sid)) is not None


def check_session_not_revoked(claims: Mapping[str, Any]) -> None:
    """Raise ``InvalidToken`` if the access token's ``sid`` family was revoked (when the check is enabled).

    Meant for ``JWTAuthentication.validate_claims``. Tokens without a ``sid`` (not issued from a login
    family) are not affected.
    """
    if not apiauth_settings.CHECK_REVOKED_SESSIONS:
        return
    sid = claims.get("sid")
    if not isinstance(sid, str) or not sid or known_live.get(sid):
        return
    if is_session_revoked(sid):
        raise InvalidToken("The session of this access token has been revoked.")
    known_live.set(sid, True, apiauth_settings.REVOKED_SESSIONS_LOCAL_TTL.total_seconds())


def revoke_families(families: QuerySet[RefreshTokenFamily], reason: RevocationReason) -> list[str]:
    """Revoke every live family in ``families`` with one ``UPDATE``; returns the sids revoked now.

    ``families`` must not filter on revocation state: the rows just revoked are found again through it by
    their revocation time (an ``UPDATE ... RETURNING`` in two portable statements).
    """
    now = timezone.now()
    count = families.filter(revoked_at=None).update(revoked_at=now, revoked_reason=reason)
    if not count:
        return []
    revoked = list(
        families.filter(revoked_at=now, revoked_reason=reason).values_list("public_id", "absolute_expires_at")
    )
    remember_revoked((str(public_id), expires_at) for public_id, expires_at in revoked)
    return [str(public_id) for public_id, _ in revoked]


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
