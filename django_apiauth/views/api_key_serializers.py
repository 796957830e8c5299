"""Input and output shapes of the API-key endpoints (no secrets in any output but the one-time ``key``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from rest_framework import serializers

from django_apiauth.api_keys.format import display_prefix
from django_apiauth.api_keys.scopes import MAX_SCOPES_PER_KEY
from django_apiauth.api_keys.validation import LONGEST_LIFETIME
from django_apiauth.conf import apiauth_settings
from django_apiauth.durations import parse_duration
from django_apiauth.models.api_keys import NAME_MAX_LENGTH, APIKey

MAX_LIFETIME_SECONDS = int(LONGEST_LIFETIME.total_seconds())


class LifetimeField(serializers.Field[timedelta, Any, Any, Any]):
    """``expires_in``: seconds (positive integer), a duration string such as ``"90d"``, or ``null`` (never)."""

    default_error_messages = {
        "invalid": 'Give a positive number of seconds, a duration such as "90d", or null for no expiry.',
    }

    def to_internal_value(self, data: Any) -> timedelta:
        if isinstance(data, int) and not isinstance(data, bool):
            seconds = data
        elif isinstance(data, str) and len(data) <= 32:
            try:
                seconds = int(parse_duration(data).total_seconds())
            except (ValueError, OverflowError):
                self.fail("invalid")
        else:
            self.fail("invalid")
        if not 0 < seconds <= MAX_LIFETIME_SECONDS:
            self.fail("invalid")
        return timedelta(seconds=seconds)


class StringField(serializers.CharField):
    """A ``CharField`` that takes JSON strings only: DRF's would turn ``5`` or ``1.5`` into ``"5"``/``"1.5"``."""

    default_error_messages = {"invalid": "Not a valid string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class CreateAPIKeyInput(serializers.Serializer[Any]):
    name = StringField(max_length=NAME_MAX_LENGTH)
    scopes = serializers.ListField(
        child=StringField(max_length=64), max_length=MAX_SCOPES_PER_KEY, required=False, default=list
    )
    expires_in = LifetimeField(required=False, allow_null=True)


def describe_key(key: APIKey, now: datetime) -> dict[str, Any]:
    """The public view of a key: identity, scopes, times, state. Never the secret or its hash."""
    return {
        "id": key.pk,
        "name": key.name,
        "key_prefix": display_prefix(apiauth_settings.API_KEY_PREFIX, key.lookup_id),
        "scopes": list(key.scopes),
        "state": key.state_at(now).value,
        "created_at": _iso(key.created_at),
        "expires_at": _iso(key.expires_at),
        "last_used_at": _iso(key.last_used_at),
        "rotated_at": _iso(key.rotated_at),
        "previous_key_expires_at": _iso(_live_overlap(key, now)),
        "revoked_at": _iso(key.revoked_at),
    }


def _live_overlap(key: APIKey, now: datetime) -> datetime | None:
    ends = key.previous_secret_expires_at
    return ends if ends is not None and ends > now else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
