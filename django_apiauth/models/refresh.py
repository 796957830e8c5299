"""Refresh-token families: one per login, holding the chain of tokens rotated from it.

Only SHA-256 digests of tokens are stored (the tokens are 256 random bits, so a fast unsalted hash is
enough: there is nothing to brute-force). The family carries all the state that decides whether any of
its tokens may still be used, so revoking a login is one ``UPDATE`` of one row.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from django_apiauth.models.events import USER_AGENT_MAX_LENGTH


class RevocationReason(models.TextChoices):
    LOGOUT = "logout", "Logout"
    LOGOUT_ALL = "logout_all", "Logout everywhere"
    SESSION_REVOKED = "session_revoked", "Session revoked by its user"
    REUSE_DETECTED = "reuse_detected", "Refresh token reuse detected"
    USER_DEACTIVATED = "user_deactivated", "User deactivated"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    ADMIN = "admin", "Revoked by an administrator"
    CODE_REUSED = "code_reused", "Authorization code replayed"
    CLIENT_REVOKED = "client_revoked", "Revoked by its OAuth client"
    GRANT_REVOKED = "grant_revoked", "OAuth grant revoked by its user"
    CLIENT_DEACTIVATED = "client_deactivated", "OAuth client deactivated"


class RefreshTransport(models.TextChoices):
    """How a family's refresh tokens travel, fixed at login: in the body, or only in the HttpOnly cookie."""

    BODY = "body", "Response body"
    COOKIE = "cookie", "HttpOnly cookie"


class RefreshTokenFamilyQuerySet(models.QuerySet["RefreshTokenFamily"]):
    def live(self) -> RefreshTokenFamilyQuerySet:
        """Families that are neither revoked nor past their absolute expiry and still hold a usable token."""
        now = timezone.now()
        usable = RefreshToken.objects.filter(family=models.OuterRef("pk"), used_at=None, expires_at__gt=now)
        return self.filter(revoked_at=None, absolute_expires_at__gt=now).filter(models.Exists(usable))


class RefreshTokenFamily(models.Model):
    """One login: every refresh token descended from it, revoked as a whole."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The OAuth client the family was issued to (empty for first-party login).
    client_id = models.CharField(max_length=255, blank=True, default="")
    scope = models.CharField(max_length=1000, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    absolute_expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=32, choices=RevocationReason.choices, blank=True, default="")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=USER_AGENT_MAX_LENGTH, blank=True, default="")
    # How and when the user last proved who they are (login, then any step-up): every access token of the
    # family repeats them. ``amr`` is space-separated RFC 8176 values; a null ``auth_time`` means created_at.
    amr = models.CharField(max_length=64, blank=True, default="pwd")
    auth_time = models.DateTimeField(null=True, blank=True)
    # Chosen at login; with ``REFRESH_TOKEN_TRANSPORT = "both"`` it decides where every rotation answers, so a
    # cookie family's tokens never reach a response body (nor the page's scripts).
    transport = models.CharField(max_length=8, choices=RefreshTransport.choices, default=RefreshTransport.BODY)

    objects = RefreshTokenFamilyQuerySet.as_manager()

    class Meta:
        app_label = "apiauth"
        ordering = ("-created_at",)
        verbose_name = "refresh-token family"
        verbose_name_plural = "refresh-token families"
        indexes = [models.Index(fields=["user", "revoked_at"], name="apiauth_family_user_revoked")]

    def __str__(self) -> str:
        return f"session {self.public_id}"

    @property
    def sid(self) -> str:
        """The session id put in access tokens (``sid`` claim) and used by the sessions endpoints."""
        return str(self.public_id)

    @property
    def authenticated_at(self) -> datetime:
        """When the user last authenticated in this session (``auth_time`` of its access tokens)."""
        return self.auth_time or self.created_at


class RefreshToken(models.Model):
    """One refresh token of a family; ``used_at`` is set when it is exchanged for its successor."""

    family = models.ForeignKey(RefreshTokenFamily, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "apiauth"
        ordering = ("issued_at", "pk")
        verbose_name = "refresh token"
        constraints = [
            # The database itself guarantees a family never has two unused tokens, whatever the locking.
            models.UniqueConstraint(
                fields=["family"], condition=models.Q(used_at=None), name="apiauth_one_unused_token_per_family"
            )
        ]

    def __str__(self) -> str:
        return f"refresh token {self.pk} of {self.family_id}"
