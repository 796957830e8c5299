"""Admin registrations, one module per concept; actions call services, never re-implement them."""

from django_apiauth.admin import api_keys, events, mfa, refresh, signing_keys

__all__ = ["api_keys", "events", "mfa", "refresh", "signing_keys"]
