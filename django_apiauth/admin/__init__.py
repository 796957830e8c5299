"""Admin registrations, one module per concept; actions call services, never re-implement them."""

from django_apiauth.admin import events, refresh, signing_keys

__all__ = ["events", "refresh", "signing_keys"]
