"""The ``mfa_token``: the half-finished login of a user with a second factor.

It is 256 random bits behind a ``mfa_`` prefix (so it can never be mistaken for a refresh token, which has
no prefix, or an access token, which is a JWT), stored only as a SHA-256 digest, bound to its user and its
purpose, valid ``MFA_TOKEN_LIFETIME``, redeemed once, and good for ``MFA_TOKEN_MAX_ATTEMPTS`` codes.
Every attempt is counted by a conditional ``UPDATE`` before the code is checked, so concurrent guesses
cannot exceed the limit.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from django_apiauth.conf import apiauth_settings
from django_apiauth.exceptions import InvalidGrant
from django_apiauth.models.mfa import MFAChallenge

PREFIX = "mfa_"
_TOKEN_PATTERN = re.compile(r"mfa_[A-Za-z0-9_-]{43}", re.ASCII)
LOGIN = "login"
REFUSED = "The mfa_token is invalid, expired or already used; log in again."


@dataclass(frozen=True)
class MFAChallengeIssued:
    """What ``login`` returns instead of tokens for a user with a confirmed device."""

    token: str = field(repr=False)
    methods: list[str]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def issue_challenge(user: Any, *, scopes: Iterable[str], transport: str = "body", purpose: str = LOGIN) -> str:
    """A new ``mfa_token`` for ``user`` (whose password was just checked)."""
    token = PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    # The user's dead challenges go as a new one comes: they can never be redeemed, and the table stays small.
    MFAChallenge.objects.filter(user=user, expires_at__lte=now).delete()
    MFAChallenge.objects.create(
        user=user,
        token_hash=_digest(token),
        purpose=purpose,
        scope=" ".join(scopes),
        transport=transport,
        created_at=now,
        expires_at=now + apiauth_settings.MFA_TOKEN_LIFETIME,
    )
    return token


@sensitive_variables("token")
def take_attempt(token: object, *, purpose: str = LOGIN) -> MFAChallenge:
    """Spend one attempt of a live challenge; ``InvalidGrant`` for anything else (one message for all)."""
    if not isinstance(token, str) or _TOKEN_PATTERN.fullmatch(token) is None:
        raise InvalidGrant(REFUSED)
    now = timezone.now()
    live = MFAChallenge.objects.filter(
        token_hash=_digest(token),
        purpose=purpose,
        used_at=None,
        expires_at__gt=now,
        attempts__lt=apiauth_settings.MFA_TOKEN_MAX_ATTEMPTS,
    )
    challenge = live.select_related("user").first()
    if challenge is None or not live.filter(pk=challenge.pk).update(attempts=F("attempts") + 1):
        raise InvalidGrant(REFUSED)
    if not challenge.user.is_active:
        raise InvalidGrant(REFUSED)
    return challenge


def redeem(challenge: MFAChallenge) -> None:
    """Mark the challenge used; ``InvalidGrant`` when a concurrent request redeemed it first."""
    if not MFAChallenge.objects.filter(pk=challenge.pk, used_at=None).update(used_at=timezone.now()):
        raise InvalidGrant(REFUSED)
