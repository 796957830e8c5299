"""Devices and networks a user has signed in from, for the ``new_device`` detector.

Kept in the database, not the cache: an evicted cache entry would make a known device look new and raise a
false alarm. A row is written at most once per device per ``MONITOR_DEVICE_TOUCH_INTERVAL`` (a day).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class KnownDevice(models.Model):
    """One (network, user agent) pair a user has logged in or refreshed from; the agent is stored hashed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    network = models.CharField(max_length=64)
    user_agent_hash = models.CharField(max_length=64)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "apiauth"
        verbose_name = "known device"
        constraints = [
            models.UniqueConstraint(fields=["user", "network", "user_agent_hash"], name="apiauth_known_device")
        ]

    def __str__(self) -> str:
        return f"{self.network} ({self.user_agent_hash[:8]})"
