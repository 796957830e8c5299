"""OAuth 2.0 clients, authorization codes and remembered consents.

Client secrets and codes are stored only as keyed or plain SHA-256 digests: both carry 256 random bits, so
nothing slow is needed (a slow hash would turn the token endpoint into a CPU sink), and a database dump alone
reveals neither. Refresh tokens issued to clients live in the refresh-token families of first-party login,
whose ``client_id`` names the client.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

#: Client ids start with this prefix, which no integer or UUID primary key can parse as.
CLIENT_ID_PREFIX = "cl_"


def new_client_id() -> str:
    """``cl_`` and 128 random bits: unguessable enough to be public, never a user's primary key."""
    return CLIENT_ID_PREFIX + secrets.token_urlsafe(16)


class ClientType(models.TextChoices):
    PUBLIC = "public", "Public (no secret: native and browser apps)"
    CONFIDENTIAL = "confidential", "Confidential (holds a secret: server-side apps)"


class GrantType(models.TextChoices):
    AUTHORIZATION_CODE = "authorization_code", "Authorization code (with refresh tokens)"
    CLIENT_CREDENTIALS = "client_credentials", "Client credentials"


class OAuthClient(models.Model):
    """A registered third-party application."""

    client_id = models.CharField(max_length=64, unique=True, default=new_client_id, editable=False)
    name = models.CharField(max_length=200)
    client_type = models.CharField(max_length=16, choices=ClientType.choices)
    secret_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    previous_secret_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    redirect_uris = models.JSONField(default=list, blank=True)
    grant_types = models.JSONField(default=list, blank=True)
    scope = models.CharField(max_length=1000, blank=True, default="")
    may_introspect = models.BooleanField(
        default=False, help_text="A resource server: may introspect tokens issued to other clients."
    )
    is_active = models.BooleanField(default=True)
    tokens_revoked_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="The client's own (client_credentials) access tokens issued up to this second are refused.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        app_label = "apiauth"
        ordering = ("name", "pk")
        verbose_name = "OAuth client"

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"

    @property
    def is_confidential(self) -> bool:
        return self.client_type == ClientType.CONFIDENTIAL

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(self.scope.split())

    def allows_grant(self, grant_type: str) -> bool:
        """Refresh tokens come with the authorization-code grant: they exist only for its users."""
        if grant_type == "refresh_token":
            grant_type = GrantType.AUTHORIZATION_CODE
        return grant_type in self.grant_types


class AuthorizationCode(models.Model):
    """One authorization code (RFC 6749 §4.1.2), bound to everything the token request must repeat."""

    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    client = models.ForeignKey(OAuthClient, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    redirect_uri = models.CharField(max_length=2000)
    redirect_uri_given = models.BooleanField(default=True)
    scope = models.CharField(max_length=1000, blank=True, default="")
    code_challenge = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # The family the code was exchanged for: a replayed code revokes it (RFC 6749 §4.1.2).
    family = models.ForeignKey("apiauth.RefreshTokenFamily", null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        app_label = "apiauth"
        verbose_name = "OAuth authorization code"
        indexes = [models.Index(fields=["expires_at"], name="apiauth_oauthcode_expires")]

    def __str__(self) -> str:
        return f"authorization code {self.pk} for {self.client.client_id}"


class OAuthConsent(models.Model):
    """A user's remembered approval of one client for one set of scopes."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(OAuthClient, on_delete=models.CASCADE, related_name="consents")
    scope = models.CharField(max_length=1000, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "apiauth"
        verbose_name = "OAuth consent"
        constraints = [
            models.UniqueConstraint(fields=["user", "client", "scope"], name="apiauth_one_consent_per_scope_set")
        ]

    def __str__(self) -> str:
        return f"consent of {self.user_id} for {self.client.client_id}"
