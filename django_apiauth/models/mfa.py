"""Second-factor devices: real django-otp plugins whose secrets never sit in the database in plaintext.

``TOTPDevice`` keeps its RFC 6238 secret as a Fernet token under ``KEY_ENCRYPTION_KEYS`` (the keys that
protect the signing keys), and ``BackupCodeDevice`` keeps only keyed hashes of its single-use codes. Both
subclass django-otp's ``Device`` with its ``ThrottlingMixin`` and ``TimestampMixin``, so ``verify_token``,
``user_has_device``, ``OTPMiddleware`` and django-otp's admin helpers treat them like any other device. The
decisions (which code matches, replay, throttling) live in ``django_apiauth.mfa``; the models delegate.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django_otp.models import Device, ThrottlingMixin, TimestampMixin


class TOTPDevice(TimestampMixin, ThrottlingMixin, Device):  # type: ignore[misc]
    """An authenticator app. ``last_t`` is the last accepted time step: only later steps are accepted."""

    # ``related_name="+"``: no reverse accessor, so django-otp's own TOTP plugin can be installed beside it.
    # (Annotated because django-otp ships no types: the stubs plugin cannot infer through its base classes.)
    user: models.ForeignKey[Any, Any] = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    confirmed: models.BooleanField[Any, bool] = models.BooleanField(
        default=False, help_text="Confirmed with a code from the authenticator app."
    )
    secret_ciphertext: models.TextField[Any, str] = models.TextField(editable=False)
    digits: models.PositiveSmallIntegerField[Any, int] = models.PositiveSmallIntegerField(default=6, editable=False)
    step: models.PositiveSmallIntegerField[Any, int] = models.PositiveSmallIntegerField(default=30, editable=False)
    tolerance: models.PositiveSmallIntegerField[Any, int] = models.PositiveSmallIntegerField(default=1, editable=False)
    last_t: models.BigIntegerField[Any, int] = models.BigIntegerField(default=-1, editable=False)

    class Meta:
        app_label = "apiauth"
        verbose_name = "TOTP device"
        constraints = [models.UniqueConstraint(fields=["user"], name="apiauth_one_totp_device_per_user")]

    def __repr__(self) -> str:
        return f"<TOTPDevice {self.pk} user={self.user_id} confirmed={self.confirmed}>"

    def verify_token(self, token: Any) -> bool:
        """django-otp's entry point: replay-safe and throttled (``mfa.totp.verify_totp``)."""
        from django_apiauth.mfa.totp import verify_totp

        return verify_totp(self, token)

    def get_throttle_factor(self) -> int:
        from django_apiauth.mfa.throttling import throttle_factor

        return throttle_factor()


class BackupCodeDevice(TimestampMixin, ThrottlingMixin, Device):  # type: ignore[misc]
    """The user's set of single-use recovery codes (``BackupCode`` rows hold their keyed hashes)."""

    user: models.ForeignKey[Any, Any] = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        app_label = "apiauth"
        verbose_name = "backup-code device"
        constraints = [models.UniqueConstraint(fields=["user"], name="apiauth_one_backup_device_per_user")]

    def __repr__(self) -> str:
        return f"<BackupCodeDevice {self.pk} user={self.user_id}>"

    def verify_token(self, token: Any) -> bool:
        """django-otp's entry point: each code works once, throttled (``mfa.backup_codes.verify_backup_code``)."""
        from django_apiauth.mfa.backup_codes import verify_backup_code

        return verify_backup_code(self, token)

    def get_throttle_factor(self) -> int:
        from django_apiauth.mfa.throttling import throttle_factor

        return throttle_factor()


class BackupCode(models.Model):
    """One recovery code: an HMAC under the pepper, bound to its device; ``used_at`` set on redemption."""

    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64, editable=False)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "apiauth"
        verbose_name = "backup code"

    def __str__(self) -> str:
        return f"backup code {self.pk}"

    def __repr__(self) -> str:
        return f"<BackupCode {self.pk} used={self.used_at is not None}>"


class MFAChallenge(models.Model):
    """A pending second step (``mfa_token``): stored as a SHA-256 digest, single-use, few attempts."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    purpose = models.CharField(max_length=16, default="login")
    scope = models.CharField(max_length=1000, blank=True, default="")
    # Where the login's refresh tokens will travel (chosen at the password step, see ``RefreshTransport``).
    transport = models.CharField(max_length=8, default="body")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "apiauth"
        verbose_name = "MFA challenge"

    def __str__(self) -> str:
        return f"MFA challenge {self.pk}"

    def __repr__(self) -> str:
        return f"<MFAChallenge {self.pk} purpose={self.purpose}>"
