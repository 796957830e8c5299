"""Models, one module per concept; re-exported here for Django's app registry."""

from django_apiauth.models.events import AuthEvent, EventType
from django_apiauth.models.refresh import RefreshToken, RefreshTokenFamily, RevocationReason

__all__ = ["AuthEvent", "EventType"]
__all__ += ["RefreshToken", "RefreshTokenFamily", "RevocationReason"]
