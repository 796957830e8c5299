"""API keys: a named, scoped, expiring credential that acts as its owner, or as a named service.

A key has exactly one of ``owner`` (a user: the key acts as them) and ``service`` (a cron job, a partner, a
service with no user account: the key acts as nobody and carries only its scopes); a database constraint
holds that.

Only a keyed hash of the secret is stored (see ``django_apiauth.api_keys.hashing``); the full key exists
once, in the response that created or rotated it.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

NAME_MAX_LENGTH = 100
SERVICE_MAX_LENGTH = 100


class APIKeyState(models.TextChoices):
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


def key_state(revoked_at: datetime | None, expires_at: datetime | None, now: datetime) -> APIKeyState:
    """The one definition of a usable key: not revoked, and no expiry or one still ahead."""
    if revoked_at is not None:
        return APIKeyState.REVOKED
    if expires_at is not None and expires_at <= now:
        return APIKeyState.EXPIRED
    return APIKeyState.ACTIVE


def state_filter(state: APIKeyState, now: datetime) -> models.Q:
    """``key_state`` as a query condition, for listing keys in one state."""
    live = models.Q(revoked_at__isnull=True)
    if state == APIKeyState.REVOKED:
        return ~live
    if state == APIKeyState.EXPIRED:
        return live & models.Q(expires_at__lte=now)
    return live & (models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))


class APIKey(models.Model):
    """One key. ``lookup_id`` finds it; ``secret_hash`` verifies it; ``previous_secret_hash`` is the old
    secret during a rotation overlap (valid until ``previous_secret_expires_at``)."""

    name = models.CharField(max_length=NAME_MAX_LENGTH)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys", null=True, blank=True
    )
    service = models.CharField(
        max_length=SERVICE_MAX_LENGTH, blank=True, default="", help_text="Set for a key that belongs to no user."
    )
    lookup_id = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    previous_secret_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    scopes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: the key never expires.")
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        app_label = "apiauth"
        ordering = ("-created_at",)
        verbose_name = "API key"
        indexes = [models.Index(fields=["owner", "created_at"], name="apiauth_apikey_owner_time")]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(owner__isnull=False) & models.Q(service=""))
                | (models.Q(owner__isnull=True) & ~models.Q(service="")),
                name="apiauth_apikey_owner_xor_service",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.lookup_id})"

    def state_at(self, now: datetime) -> APIKeyState:
        return key_state(self.revoked_at, self.expires_at, now)

    @property
    def state(self) -> APIKeyState:
        return self.state_at(timezone.now())
