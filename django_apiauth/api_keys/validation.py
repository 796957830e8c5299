"""Checks shared by every way of creating a key (endpoint, admin, command): name, lifetime, per-user limit."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from typing import Any, Literal

from django.db.models import QuerySet

from django_apiauth.api_keys.exceptions import APIKeyLimitReached, InvalidLifetime
from django_apiauth.conf import apiauth_settings
from django_apiauth.exceptions import InvalidRequest
from django_apiauth.models.api_keys import NAME_MAX_LENGTH, SERVICE_MAX_LENGTH, APIKey, APIKeyState, state_filter

#: ``"default"`` means ``API_KEY_DEFAULT_LIFETIME``; ``None`` means the key never expires.
Lifetime = timedelta | None | Literal["default"]
SERVICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]*")
#: Past this, ``now + lifetime`` risks overflowing ``datetime``; nobody needs a key for a century.
LONGEST_LIFETIME = timedelta(days=36_500)


def clean_name(name: str) -> str:
    """The trimmed name; 1-100 printable characters."""
    cleaned = name.strip() if isinstance(name, str) else ""
    if not cleaned or len(cleaned) > NAME_MAX_LENGTH:
        raise InvalidRequest(f"A key name is 1 to {NAME_MAX_LENGTH} characters.")
    if any(unicodedata.category(ch).startswith("C") for ch in cleaned):
        raise InvalidRequest("A key name may not contain control characters.")
    return cleaned


def clean_service(service: str) -> str:
    """A service name: 1-100 letters, digits, ``.``, ``_``, ``-`` or ``:`` (it appears in events and logs)."""
    cleaned = service.strip() if isinstance(service, str) else ""
    if not cleaned or len(cleaned) > SERVICE_MAX_LENGTH or SERVICE_NAME.fullmatch(cleaned) is None:
        raise InvalidRequest(
            f"A service name is 1 to {SERVICE_MAX_LENGTH} of the characters A-Z a-z 0-9 . _ - : (got an invalid one)."
        )
    return cleaned


def expiry_for(lifetime: Lifetime, now: datetime) -> datetime | None:
    """When a key created ``now`` with ``lifetime`` expires, within ``API_KEY_MAX_LIFETIME``."""
    longest = apiauth_settings.API_KEY_MAX_LIFETIME
    chosen = _default_lifetime(longest) if isinstance(lifetime, str) else lifetime
    if chosen is None:
        if longest is not None:
            raise InvalidLifetime(f"Keys must expire within {_human(longest)}.")
        return None
    if chosen <= timedelta(0):
        raise InvalidLifetime("The lifetime must be positive.")
    if chosen > (longest or LONGEST_LIFETIME):
        raise InvalidLifetime(f"The lifetime may be at most {_human(longest or LONGEST_LIFETIME)}.")
    return now + chosen


def _default_lifetime(longest: timedelta | None) -> timedelta | None:
    """The configured default, capped at the maximum (system check ``apiauth.E026`` reports the conflict)."""
    default = apiauth_settings.API_KEY_DEFAULT_LIFETIME
    if longest is not None and (default is None or default > longest):
        return longest
    return default


def _human(duration: timedelta) -> str:
    seconds = int(duration.total_seconds())
    return f"{seconds // 86400} days" if seconds % 86400 == 0 else f"{seconds} seconds"


def usable_keys_of(owner: Any, now: datetime) -> QuerySet[APIKey]:
    return APIKey.objects.filter(state_filter(APIKeyState.ACTIVE, now), owner=owner)


def check_limit(owner: Any, now: datetime) -> None:
    """One more key for ``owner`` must stay within ``API_KEY_MAX_PER_USER`` usable keys."""
    limit = apiauth_settings.API_KEY_MAX_PER_USER
    if usable_keys_of(owner, now).count() >= limit:
        raise APIKeyLimitReached(f"You already hold {limit} usable API keys; revoke one first.")
