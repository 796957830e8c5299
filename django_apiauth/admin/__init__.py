"""Admin registrations, one module per concept; actions call services, never re-implement them."""

from django_apiauth.admin import events, refresh

__all__ = ["events"]
__all__ += ["refresh"]
