"""Models, one module per concept; re-exported here for Django's app registry."""

from django_apiauth.models.api_keys import APIKey
from django_apiauth.models.events import AuthEvent, EventType
from django_apiauth.models.mfa import BackupCode, BackupCodeDevice, MFAChallenge, TOTPDevice
from django_apiauth.models.monitoring import KnownDevice
from django_apiauth.models.refresh import RefreshToken, RefreshTokenFamily, RevocationReason
from django_apiauth.models.signing_keys import SigningAlgorithm, SigningKey, SigningKeyState

__all__ = [
    "APIKey",
    "AuthEvent",
    "BackupCode",
    "BackupCodeDevice",
    "EventType",
    "KnownDevice",
    "MFAChallenge",
    "RefreshToken",
    "RefreshTokenFamily",
    "RevocationReason",
    "SigningAlgorithm",
    "SigningKey",
    "SigningKeyState",
    "TOTPDevice",
]
