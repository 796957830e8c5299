"""Signing keys for access tokens, kept in the database with a lifecycle so rotation needs no redeploy.

Lifecycle (each transition stamped): ``next`` (published in the JWKS, not signing yet, so caching verifiers
learn it before it signs) -> ``active`` (signs; exactly one per algorithm, enforced by a partial unique
index) -> ``retiring`` (verifies only, until every token it signed has expired) -> ``retired`` (neither; its
private material is wiped). Transitions are made only by ``django_apiauth.signing_keys.rotation``.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class SigningKeyState(models.TextChoices):
    NEXT = "next", "Next (published, not signing yet)"
    ACTIVE = "active", "Active (signs and verifies)"
    RETIRING = "retiring", "Retiring (verifies only)"
    RETIRED = "retired", "Retired"


class SigningAlgorithm(models.TextChoices):
    RS256 = "RS256", "RS256 (RSA 2048, PKCS#1 v1.5, SHA-256)"
    ES256 = "ES256", "ES256 (ECDSA P-256, SHA-256)"
    EDDSA = "EdDSA", "EdDSA (Ed25519)"
    HS256 = "HS256", "HS256 (HMAC SHA-256, never published)"


#: States whose key verifies tokens and (except HS256) is published in the JWKS.
VERIFYING_STATES = (SigningKeyState.NEXT, SigningKeyState.ACTIVE, SigningKeyState.RETIRING)


class SigningKeyQuerySet(models.QuerySet["SigningKey"]):
    def verifying(self) -> SigningKeyQuerySet:
        return self.filter(state__in=VERIFYING_STATES)

    def active(self, algorithm: str) -> SigningKeyQuerySet:
        return self.filter(algorithm=algorithm, state=SigningKeyState.ACTIVE)


class SigningKey(models.Model):
    """One key pair (or HS256 secret). The private part is stored only as Fernet ciphertext."""

    kid = models.CharField("key id", max_length=64, unique=True, editable=False)
    algorithm = models.CharField(max_length=8, choices=SigningAlgorithm.choices, editable=False)
    state = models.CharField(max_length=10, choices=SigningKeyState.choices, db_index=True, editable=False)
    public_jwk = models.JSONField("public JWK", default=dict, blank=True, editable=False)
    # Fernet token of the PKCS#8 PEM (or HS256 secret); emptied on retirement.
    private_key_ciphertext = models.TextField(blank=True, default="", editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    activated_at = models.DateTimeField(null=True, blank=True, editable=False)
    retiring_at = models.DateTimeField(null=True, blank=True, editable=False)
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = SigningKeyQuerySet.as_manager()

    class Meta:
        app_label = "apiauth"
        ordering = ("-created_at",)
        verbose_name = "signing key"
        constraints = [
            # At most one signing key per algorithm, whatever races the rotation service loses.
            models.UniqueConstraint(
                fields=["algorithm"],
                condition=models.Q(state="active"),
                name="apiauth_signingkey_one_active_per_alg",
            ),
            models.UniqueConstraint(
                fields=["algorithm"],
                condition=models.Q(state="next"),
                name="apiauth_signingkey_one_next_per_alg",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.algorithm} {self.kid} ({self.state})"

    def __repr__(self) -> str:
        # Explicit so that no future field (and never the ciphertext) ends up in logs through repr().
        return f"<SigningKey kid={self.kid!r} algorithm={self.algorithm!r} state={self.state!r}>"

    @property
    def is_published(self) -> bool:
        return self.state in VERIFYING_STATES and self.algorithm != SigningAlgorithm.HS256
