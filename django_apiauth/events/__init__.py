"""The audit trail: ``record_event`` is the one way any feature reports a security event."""

from django_apiauth.events.record import AuthEventRecord, record_event
from django_apiauth.models.events import EventType

__all__ = ["AuthEventRecord", "EventType", "record_event"]
