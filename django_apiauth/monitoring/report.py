"""Reporting one suspicious pattern: an aggregated event and the public signal."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from django_apiauth.events.record import record_event
from django_apiauth.models.events import EventType
from django_apiauth.signals import suspicious_activity

logger = logging.getLogger("django_apiauth.monitoring")


def report(kind: str, request: HttpRequest | None, evidence: Mapping[str, Any], *, user: Any = None) -> None:
    """Record ``suspicious_activity`` with ``kind`` and the evidence, then tell the signal's receivers."""
    details = {"kind": kind, **evidence}
    record_event(EventType.SUSPICIOUS_ACTIVITY, request=request, user=user, details=details, aggregate=True)
    for receiver, result in suspicious_activity.send_robust(
        sender=None, kind=kind, evidence=dict(evidence), request=request
    ):
        if isinstance(result, Exception):
            logger.error("suspicious_activity receiver %r failed: %s", receiver, type(result).__name__)
