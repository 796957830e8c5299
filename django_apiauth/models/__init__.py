"""Models, one module per concept; re-exported here for Django's app registry."""

from django_apiauth.models.api_keys import APIKey
from django_apiauth.models.events import AuthEvent, EventType

__all__ = ["AuthEvent", "EventType"]
__all__ += ["APIKey"]
