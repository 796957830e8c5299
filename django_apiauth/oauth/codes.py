"""Authorization codes: issued after consent, exchanged once for a refresh-token family.

A code is 256 random bits, stored as its SHA-256 digest, valid for 60 seconds and bound to the client, the
redirect URI, the user, the scope and the PKCE challenge. The exchange locks the code's row and consumes it
with a conditional ``UPDATE``; a code presented again revokes the family it was exchanged for (RFC 6749
§4.1.2), in one ``UPDATE``, committed before the error is answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from django_apiauth.events.record import record_event
from django_apiauth.exceptions import InvalidGrant
from django_apiauth.models.events import EventType
from django_apiauth.models.oauth import AuthorizationCode, OAuthClient
from django_apiauth.models.refresh import RefreshTokenFamily, RevocationReason
from django_apiauth.oauth import integration
from django_apiauth.oauth.authorization import AuthorizationRequest
from django_apiauth.oauth.rfc7636 import verifier_matches
from django_apiauth.refresh.revocation import revoke_families
from django_apiauth.refresh.service import TokenPair, issue_family
from django_apiauth.refresh.tokens import is_well_formed, new_token, token_digest

CODE_LIFETIME = timedelta(seconds=60)
REFUSED = "The authorization code is invalid, expired or was issued to another client."


@sensitive_variables("code")
def issue_code(request: HttpRequest, authz: AuthorizationRequest, user: Any) -> tuple[str, tuple[str, ...]]:
    """A new code for ``user`` and the granted scopes (requested ∩ what the user may be granted)."""
    scopes = tuple(integration.grantable_scopes(user, authz.scopes))
    code = new_token()
    now = timezone.now()
    AuthorizationCode.objects.create(
        code_hash=token_digest(code),
        client=authz.client,
        user=user,
        redirect_uri=authz.redirect_uri,
        redirect_uri_given=authz.redirect_uri_given,
        scope=" ".join(scopes),
        code_challenge=authz.code_challenge,
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    details = {"client_id": authz.client.client_id, "scope": " ".join(scopes)}
    record_event(EventType.OAUTH_CODE_ISSUED, request=request, user=user, details=details)
    return code, scopes


@dataclass(frozen=True)
class _Outcome:
    code: AuthorizationCode | None = None
    reason: str = ""
    replayed: bool = False


@sensitive_variables("code", "verifier")
def exchange_code(
    request: HttpRequest, client: OAuthClient, *, code: object, redirect_uri: str | None, verifier: object
) -> TokenPair:
    """The token pair for a valid code; ``InvalidGrant`` for every failure (one description for all)."""
    if not is_well_formed(code):
        raise InvalidGrant(REFUSED)
    with transaction.atomic():
        outcome = _redeem(client, token_digest(code), redirect_uri, verifier)
        if outcome.code is not None and not outcome.reason:
            pair = _start_family(request, outcome.code)
    if outcome.replayed and outcome.code is not None:
        details = {"client_id": client.client_id, "family_id": _sid(outcome.code)}
        record_event(EventType.OAUTH_CODE_REUSED, request=request, user=outcome.code.user, details=details)
    if outcome.reason:
        details = {"kind": "authorization_code", "reason": outcome.reason, "client_id": client.client_id}
        record_event(EventType.TOKEN_REJECTED, request=request, details=details, aggregate=True)
        raise InvalidGrant(REFUSED)
    return pair


def _sid(code: AuthorizationCode) -> str | None:
    return code.family.sid if code.family is not None else None


def _redeem(client: OAuthClient, digest: str, redirect_uri: str | None, verifier: object) -> _Outcome:
    """Inside the transaction: lock, check every binding, consume (or revoke on replay)."""
    code = (
        AuthorizationCode.objects.select_for_update(of=("self",))
        .select_related("user", "family")
        .filter(code_hash=digest)
        .first()
    )
    if code is None:
        return _Outcome(reason="unknown")
    if code.client_id != client.pk:
        return _Outcome(code=code, reason="other_client")
    now = timezone.now()
    if code.used_at is not None or not _consume(code, now):
        _revoke_issued(code)
        return _Outcome(code=code, reason="replayed", replayed=True)
    reason = _binding_failure(code, redirect_uri, verifier, now)
    return _Outcome(code=code, reason=reason)


def _consume(code: AuthorizationCode, now: Any) -> bool:
    """Single use even without row locks (SQLite): only one ``UPDATE`` finds ``used_at`` empty. A code is
    consumed by any attempt of its client, so a wrong verifier cannot be retried against it."""
    return bool(AuthorizationCode.objects.filter(pk=code.pk, used_at=None).update(used_at=now))


def _binding_failure(code: AuthorizationCode, redirect_uri: str | None, verifier: object, now: Any) -> str:
    if code.expires_at <= now:
        return "expired"
    if (redirect_uri is not None or code.redirect_uri_given) and redirect_uri != code.redirect_uri:
        return "redirect_uri"
    if not verifier_matches(verifier, code.code_challenge):
        return "code_verifier"
    if not code.user.is_active:
        return "inactive_user"
    return ""


def _revoke_issued(code: AuthorizationCode) -> None:
    """Every token issued from the code: its family, in one ``UPDATE`` (access tokens carry its ``sid``)."""
    if code.family_id is not None:
        revoke_families(RefreshTokenFamily.objects.filter(pk=code.family_id), RevocationReason.CODE_REUSED)


def _start_family(request: HttpRequest, code: AuthorizationCode) -> TokenPair:
    pair = issue_family(code.user, request=request, scopes=code.scope.split(), client_id=code.client.client_id)
    AuthorizationCode.objects.filter(pk=code.pk).update(family=pair.family)
    return pair
