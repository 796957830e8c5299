"""Admin registrations, one module per concept; actions call services, never re-implement them."""

from django_apiauth.admin import events

__all__ = ["events"]

from django_apiauth.admin import api_keys

__all__ += ["api_keys"]
