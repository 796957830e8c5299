"""Step-up inside a session: the family records the new authentication and hands out a fresh pair.

The family's live refresh token is consumed and replaced (as a rotation would), so the session keeps its
``sid`` and one chain of tokens, and every later refresh repeats the stronger ``amr`` and the new
``auth_time``. The previous refresh token becomes a used one: presented again, it is a reuse (within
``REFRESH_REUSE_GRACE`` a graced replay).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from django_apiauth.events.record import record_event
from django_apiauth.exceptions import InvalidGrant
from django_apiauth.models.events import EventType
from django_apiauth.models.refresh import RefreshToken, RefreshTokenFamily
from django_apiauth.refresh.service import TokenPair, issue_pair

SESSION_GONE = "The session of this access token has ended; log in again."


def reauthenticate_session(user: Any, sid: str, *, methods: Iterable[str], request: HttpRequest) -> TokenPair:
    """Add ``methods`` to the session ``sid`` of ``user``, set its ``auth_time`` to now, issue a new pair.

    Raises ``InvalidGrant`` when the session is not a live one of this user.
    """
    try:
        public_id = uuid.UUID(sid)
    except ValueError as exc:
        raise InvalidGrant(SESSION_GONE) from exc
    now = timezone.now()
    with transaction.atomic():
        family = (
            RefreshTokenFamily.objects.select_for_update()
            .filter(public_id=public_id, user=user, revoked_at=None, absolute_expires_at__gt=now)
            .first()
        )
        live = None if family is None else RefreshToken.objects.filter(family=family, used_at=None).first()
        if family is None or live is None or live.expires_at <= now:
            raise InvalidGrant(SESSION_GONE)
        if not RefreshToken.objects.filter(pk=live.pk, used_at=None).update(used_at=now):
            raise InvalidGrant(SESSION_GONE)  # pragma: no cover - the family row lock serialises this
        amr = list(dict.fromkeys([*family.amr.split(), *methods]))
        family.amr, family.auth_time = " ".join(amr), now
        family.save(update_fields=["amr", "auth_time"])
        scopes = tuple(family.scope.split())
        pair = issue_pair(family, user, parent=live, now=now, scopes=scopes, request=request)
    details = {"family_id": family.sid, "jti": pair.access.jti}
    record_event(EventType.TOKEN_ISSUED, request=request, user=user, details=details)
    return pair
