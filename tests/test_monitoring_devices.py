"""Known devices: one row per user, network and user agent, written when new and touched at most once a day."""

from __future__ import annotations

import hashlib

import pytest
import time_machine
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from django_apiauth.models.monitoring import KnownDevice
from django_apiauth.monitoring import detectors
from tests.support.refresh_tokens import login_pair

pytestmark = pytest.mark.django_db


def test_a_device_seen_again_within_the_day_is_not_written_again(user: User) -> None:
    """Another process (its own memory empty) reads the row and leaves a recent ``last_seen_at`` alone."""
    with time_machine.travel("2026-01-01 12:00Z", tick=False) as clock:
        login_pair(APIClient())
        seen = KnownDevice.objects.get().last_seen_at
        clock.shift(3 * 3600)
        detectors.known_devices.clear()

        login_pair(APIClient())

        assert KnownDevice.objects.get().last_seen_at == seen
        assert KnownDevice.objects.count() == 1


def test_a_known_device_reads_as_its_network_and_agent_digest(user: User) -> None:
    digest = hashlib.sha256(b"curl/8").hexdigest()
    device = KnownDevice.objects.create(user=user, network="198.51.100.0", user_agent_hash=digest)

    assert str(device) == f"198.51.100.0 ({digest[:8]})"
