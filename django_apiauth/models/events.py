"""The audit trail of authentication events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

USER_AGENT_MAX_LENGTH = 256


class EventType(models.TextChoices):
    """Every kind of event the app records; features extend this list as they land."""

    LOGIN_SUCCEEDED = "login_succeeded", "Login succeeded"
    LOGIN_FAILED = "login_failed", "Login failed"
    LOGOUT = "logout", "Logout"
    TOKEN_ISSUED = "token_issued", "Token issued"
    TOKEN_REFRESHED = "token_refreshed", "Token refreshed"
    TOKEN_REJECTED = "token_rejected", "Token rejected"
    REFRESH_TOKEN_REUSED = "refresh_token_reused", "Refresh token reuse detected"
    SESSION_REVOKED = "session_revoked", "Session revoked"
    API_KEY_CREATED = "api_key_created", "API key created"
    API_KEY_ROTATED = "api_key_rotated", "API key rotated"
    API_KEY_REVOKED = "api_key_revoked", "API key revoked"
    API_KEY_UPDATED = "api_key_updated", "API key updated"
    API_KEY_REJECTED = "api_key_rejected", "API key rejected"
    SIGNING_KEY_CREATED = "signing_key_created", "Signing key created"
    SIGNING_KEY_ROTATED = "signing_key_rotated", "Signing key rotated"
    SIGNING_KEY_RETIRED = "signing_key_retired", "Signing key retired"
    MFA_ENROLLED = "mfa_enrolled", "MFA enrolled"
    MFA_VERIFIED = "mfa_verified", "MFA verified"
    MFA_FAILED = "mfa_failed", "MFA failed"
    MFA_DISABLED = "mfa_disabled", "MFA disabled"
    BACKUP_CODE_USED = "backup_code_used", "Backup code used"
    RATE_LIMITED = "rate_limited", "Rate limited"
    LOCKOUT = "lockout", "Lockout"
    SUSPICIOUS_ACTIVITY = "suspicious_activity", "Suspicious activity"
    TOKEN_REVOKED = "token_revoked", "Token revoked"
    OAUTH_CLIENT_AUTHENTICATED = "oauth_client_authenticated", "OAuth client authenticated"
    OAUTH_CLIENT_FAILED = "oauth_client_failed", "OAuth client authentication failed"
    OAUTH_CODE_ISSUED = "oauth_code_issued", "OAuth authorization code issued"
    OAUTH_CODE_REUSED = "oauth_code_reused", "OAuth authorization code reused"
    OAUTH_CONSENT_GRANTED = "oauth_consent_granted", "OAuth consent granted"
    OAUTH_CONSENT_REVOKED = "oauth_consent_revoked", "OAuth consent revoked"
    OAUTH_CLIENT_DEACTIVATED = "oauth_client_deactivated", "OAuth client deactivated"


class AuthEvent(models.Model):
    """One security event, or a run of identical ones (``count`` > 1) inside the aggregation window."""

    type = models.CharField(max_length=40, choices=EventType.choices, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_seen_at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    user_agent = models.CharField(max_length=USER_AGENT_MAX_LENGTH, blank=True, default="")
    details = models.JSONField(default=dict, blank=True)
    count = models.PositiveIntegerField(default=1)

    class Meta:
        app_label = "apiauth"
        ordering = ("-created_at",)
        verbose_name = "auth event"
        indexes = [models.Index(fields=["type", "created_at"], name="apiauth_event_type_time")]

    def __str__(self) -> str:
        suffix = f" x{self.count}" if self.count > 1 else ""
        return f"{self.type} at {self.created_at:%Y-%m-%d %H:%M:%S}{suffix}"
