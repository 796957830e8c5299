"""Audit-trail floods: whoever sends them, aggregation folds them into a bounded number of rows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from django_apiauth.events import record_event
from django_apiauth.models.events import AuthEvent, EventType
from tests.support.refresh_tokens import refresh

pytestmark = pytest.mark.django_db


def test_ipv6_addresses_of_one_slash64_are_aggregated(apiauth: Callable[..., None], user: User) -> None:
    """Anyone holding a /64 has 2**64 addresses: one row per address would be one row per request."""
    apiauth(TRUSTED_PROXIES=["127.0.0.1/32"])
    with time_machine.travel(timezone.now().replace(microsecond=0), tick=False):
        for i in range(40):
            refresh(APIClient(), "A" * 43, HTTP_X_FORWARDED_FOR=f"2001:db8:0:1::{i + 1:x}")
        refresh(APIClient(), "A" * 43, HTTP_X_FORWARDED_FOR="2001:db8:0:2::1")

    rows = AuthEvent.objects.filter(type=EventType.TOKEN_REJECTED)
    assert sorted((row.client_ip, row.count) for row in rows) == [("2001:db8:0:1::1", 32), ("2001:db8:0:2::1", 1)]


def test_flood_of_events_without_a_client_ip_is_aggregated(db: None) -> None:
    with time_machine.travel(timezone.now().replace(microsecond=0), tick=False):
        for _ in range(5):
            record_event(EventType.LOGIN_FAILED, aggregate=True)

    event = AuthEvent.objects.get()
    assert event.client_ip is None
    assert event.count == 4  # flushed at the power of two; the fifth is pending until the window closes
