"""Issuing and rotating refresh tokens: where a token pair is made, and the only place.

``rotate`` is the heart of reuse detection (RFC 9700 §4.14.2): it locks the presented token and its family,
consumes the token and issues its successor in one transaction. A consumed token coming back means two
parties hold the same token, and the family is revoked in one ``UPDATE``. The decision is committed before
the error is raised, so the revocation and its event survive the 401.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NoReturn

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from django_apiauth.client_ip import get_client_ip
from django_apiauth.conf import apiauth_settings
from django_apiauth.db_contention import unavailable_when_busy
from django_apiauth.events.record import record_event, user_agent_of
from django_apiauth.exceptions import InvalidGrant, NoSigningKey
from django_apiauth.jwt.access import AccessToken, issue_access_token
from django_apiauth.lockout import service as lockout
from django_apiauth.models.events import EventType
from django_apiauth.models.refresh import RefreshToken, RefreshTokenFamily, RefreshTransport, RevocationReason
from django_apiauth.monitoring import detectors
from django_apiauth.refresh.revocation_list import mark_live, remember_revoked
from django_apiauth.refresh.tokens import is_well_formed, new_token, token_digest
from django_apiauth.scopes.grants import narrow_grant
from django_apiauth.scopes.parsing import format_scope
from django_apiauth.signing_keys.rotation import ensure_active_key

# One description for every refused refresh: which check failed is for the audit trail, not the caller.
REFUSED = "The refresh token is invalid, expired or revoked."

#: RFC 9068 §2.2 makes ``client_id`` a required claim of every access token. Tokens of the app's own login
#: endpoint (and of families that predate client ids) name this first-party client; OAuth clients their own.
FIRST_PARTY_CLIENT_ID = "apiauth-first-party"


@dataclass(frozen=True)
class TokenPair:
    """A new access token and refresh token; the secrets are kept out of ``repr``."""

    access: AccessToken = field(repr=False)
    refresh_token: str = field(repr=False)
    refresh_expires_in: int
    family: RefreshTokenFamily
    #: The scope granted to this access token (RFC 6749 §5.1 ``scope``); the family keeps the original grant.
    scope: str = ""


@dataclass(frozen=True)
class _Decision:
    """What ``rotate`` decided inside its transaction; acted upon (events, errors) after the commit."""

    pair: TokenPair | None = None
    family: RefreshTokenFamily | None = None
    refused: str = ""
    reused: bool = False


@unavailable_when_busy
def issue_family(
    user: Any,
    *,
    request: HttpRequest,
    scopes: Iterable[str] = (),
    client_id: str = FIRST_PARTY_CLIENT_ID,
    amr: Iterable[str] = ("pwd",),
    transport: RefreshTransport = RefreshTransport.BODY,
) -> TokenPair:
    """Start a family for a freshly authenticated ``user`` (login); records ``token_issued``.

    ``scopes`` is the grant, already decided (``login.complete``); the family remembers it as the most any
    refresh of this login may ask for (RFC 6749 §6). ``transport`` is where its refresh tokens travel.
    ``amr`` are the RFC 8176 methods the user just passed: every access token of the family carries them and
    ``auth_time`` (now) until a step-up renews both.
    """
    granted = tuple(scopes)
    now = timezone.now()
    with transaction.atomic():
        family = RefreshTokenFamily.objects.create(
            user=user,
            client_id=client_id,
            scope=format_scope(granted),
            created_at=now,
            last_used_at=now,
            absolute_expires_at=now + apiauth_settings.REFRESH_TOKEN_ABSOLUTE_LIFETIME,
            ip_address=get_client_ip(request),
            user_agent=user_agent_of(request),
            amr=" ".join(amr),
            auth_time=now,
            transport=transport,
        )
        pair = issue_pair(family, user, parent=None, now=now, scopes=granted, request=request)
        mark_live(family.sid, family.absolute_expires_at)
    record_event(
        EventType.TOKEN_ISSUED, request=request, user=user, details={"family_id": family.sid, "jti": pair.access.jti}
    )
    return pair


@unavailable_when_busy
@sensitive_variables("token")
def rotate(
    token: object,
    *,
    request: HttpRequest,
    scope: Iterable[str] | None = None,
    client_id: str = "",
    client_scopes: Collection[str] | None = None,
) -> TokenPair:
    """Exchange a refresh token for a new pair, consuming it.

    ``scope`` (``None``: the family's grant) may narrow the original grant, never widen it (``InvalidScope``,
    and the token is not consumed); the new access token gets it ∩ what the registry allows the user now, and,
    for an OAuth client, ∩ ``client_scopes``, the scopes the client is registered for now.

    Raises ``InvalidGrant`` for anything but a live, unused token of a live family (or, within
    ``REFRESH_REUSE_GRACE``, the immediate predecessor of the family's live token). A consumed token
    revokes its family, and ``refresh_token_reused`` is recorded with the family's user and the caller's IP.
    """
    lockout.check_allowed("refresh", request)  # a network guessing tokens waits before any query
    if not is_well_formed(token):
        _refuse(_Decision(refused="malformed"), request)
    now = timezone.now()
    with transaction.atomic():
        decision = _decide(token_digest(token), now, _Request(request, scope, client_id, client_scopes))
    # Events after the commit: sinks may be slow, and the family's row lock must not wait for them.
    if decision.pair is None:
        _refuse(decision, request)
    details = {"family_id": decision.pair.family.sid, "jti": decision.pair.access.jti}
    record_event(EventType.TOKEN_REFRESHED, request=request, user=decision.pair.family.user, details=details)
    detectors.device_seen(request, decision.pair.family.user, via="refresh")
    return decision.pair


def _refuse(decision: _Decision, request: HttpRequest) -> NoReturn:
    """Record why a refresh failed, count it against the network, then raise: called only once the
    transaction has committed."""
    lockout.register_failure("refresh", request)
    family = decision.family
    if decision.reused and family is not None:
        remember_revoked([family.sid])
        record_event(
            EventType.REFRESH_TOKEN_REUSED, request=request, user=family.user, details={"family_id": family.sid}
        )
        detectors.refresh_token_reused(request, family.sid, family.user)
    else:
        details = {"kind": "refresh", "reason": decision.refused}
        record_event(EventType.TOKEN_REJECTED, request=request, details=details, aggregate=True)
    raise InvalidGrant(REFUSED)


@dataclass(frozen=True)
class _Request:
    """What a rotation was asked for: the HTTP request (for the claims hook), the narrowed scope, the
    OAuth client presenting the token (empty for first-party refresh) and the scopes it is registered for
    (``None``: no client bound)."""

    http: HttpRequest
    scope: Iterable[str] | None
    client_id: str = ""
    client_scopes: Collection[str] | None = None


def _grant(family: RefreshTokenFamily, asked: _Request) -> tuple[str, ...]:
    """The new access token's scopes: ``narrow_grant``, then only those the client is still registered for.

    A client's registration bounds what it may hold, as the registry bounds the user: an operator who
    removes a scope from a client takes it away at the client's next refresh, not when the family expires.
    """
    granted = narrow_grant(family.user, family.scope.split(), asked.scope)
    if asked.client_scopes is None:
        return granted
    return tuple(name for name in granted if name in asked.client_scopes)


def _decide(digest: str, now: datetime, asked: _Request) -> _Decision:
    """Inside the transaction: lock the token and its family, then consume, replace or revoke."""
    token = (
        RefreshToken.objects.select_related("family", "family__user")
        .select_for_update(of=("self", "family"))
        .filter(token_hash=digest)
        .first()
    )
    if token is None:
        return _Decision(refused="unknown")
    family = token.family
    if family.client_id != asked.client_id:
        return _Decision(refused="other_client")
    if family.revoked_at is not None:
        return _Decision(family=family, refused="revoked")
    if family.absolute_expires_at <= now:
        return _Decision(family=family, refused="family_expired")
    if not family.user.is_active:
        return _Decision(family=family, refused="inactive_user")
    if token.used_at is None:
        if token.expires_at <= now:
            return _Decision(family=family, refused="expired")
        return _consume(token, now, asked)
    if _is_graced_replay(token, now):
        return _replace_live_token(token, now, asked)
    return _revoke_for_reuse(family, now)


def _consume(token: RefreshToken, now: datetime, asked: _Request) -> _Decision:
    family = token.family
    granted = _grant(family, asked)  # before anything is consumed
    # Conditional even under the row lock: on a database without row locks (SQLite) this is what
    # guarantees a token is consumed once.
    if not RefreshToken.objects.filter(pk=token.pk, used_at=None).update(used_at=now):
        return _revoke_for_reuse(token.family, now)  # pragma: no cover - unreachable under PostgreSQL's lock
    pair = issue_pair(family, family.user, parent=token, now=now, scopes=granted, request=asked.http)
    return _Decision(pair=pair)


def _is_graced_replay(token: RefreshToken, now: datetime) -> bool:
    grace = apiauth_settings.REFRESH_REUSE_GRACE
    return grace.total_seconds() > 0 and token.used_at is not None and now - token.used_at <= grace


def _replace_live_token(predecessor: RefreshToken, now: datetime, asked: _Request) -> _Decision:
    """A graced replay: the family's live token must descend directly from ``predecessor``; it is
    consumed and replaced by a new child of ``predecessor``, so further retries stay graced."""
    family = predecessor.family
    live = RefreshToken.objects.filter(family=family, used_at=None).first()
    if live is None or live.parent_id != predecessor.pk:
        return _revoke_for_reuse(family, now)
    granted = _grant(family, asked)
    if not RefreshToken.objects.filter(pk=live.pk, used_at=None).update(used_at=now):
        return _revoke_for_reuse(family, now)  # pragma: no cover - the family row lock serialises this
    pair = issue_pair(family, family.user, parent=predecessor, now=now, scopes=granted, request=asked.http)
    return _Decision(pair=pair)


def _revoke_for_reuse(family: RefreshTokenFamily, now: datetime) -> _Decision:
    """The whole family in one statement; its access tokens are listed after the commit (``_refuse``)."""
    RefreshTokenFamily.objects.filter(pk=family.pk, revoked_at=None).update(
        revoked_at=now, revoked_reason=RevocationReason.REUSE_DETECTED
    )
    return _Decision(family=family, refused="reused", reused=True)


def _access_token(
    user: Any, family: RefreshTokenFamily, *, scopes: tuple[str, ...], request: HttpRequest
) -> AccessToken:
    """The family's access token; the first one issued on an empty key table bootstraps the keys (a second
    ``NoSigningKey`` then propagates)."""

    def issue() -> AccessToken:
        return issue_access_token(
            user,
            scopes=scopes,
            sid=family.sid,
            client_id=family.client_id or FIRST_PARTY_CLIENT_ID,
            amr=family.amr.split(),
            auth_time=int(family.authenticated_at.timestamp()),
            request=request,
        )

    try:
        return issue()
    except NoSigningKey:
        ensure_active_key()
    return issue()


@sensitive_variables("raw")
def issue_pair(
    family: RefreshTokenFamily,
    user: Any,
    *,
    parent: RefreshToken | None,
    now: datetime,
    scopes: tuple[str, ...],
    request: HttpRequest,
) -> TokenPair:
    raw = new_token()
    expires_at = min(now + apiauth_settings.REFRESH_TOKEN_IDLE_LIFETIME, family.absolute_expires_at)
    RefreshToken.objects.create(
        family=family, token_hash=token_digest(raw), parent=parent, issued_at=now, expires_at=expires_at
    )
    if parent is not None:
        RefreshTokenFamily.objects.filter(pk=family.pk).update(last_used_at=now)
        family.last_used_at = now
    access = _access_token(user, family, scopes=scopes, request=request)
    expires_in = max(0, int((expires_at - now).total_seconds()))
    scope = format_scope(scopes)
    return TokenPair(access=access, refresh_token=raw, refresh_expires_in=expires_in, family=family, scope=scope)
